import Foundation
import ScanProtocol

/// What the licence server confirmed for this box: product and expiry day. The daemon keeps the
/// last one across restarts (authentication grace relies on it).
public struct LicenseRecord: Equatable, Sendable {
    public var product: String
    public var expires: LicenseDate

    public init(product: String, expires: LicenseDate) {
        self.product = product
        self.expires = expires
    }

    /// The first instant after the expiry day (UTC): the licence is valid before it.
    public var expiryEnd: Date {
        Date(timeIntervalSince1970: TimeInterval(expires.daysSince1970 + 1) * 86_400)
    }
}

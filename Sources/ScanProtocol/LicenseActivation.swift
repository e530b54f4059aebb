/// `POST /v1/license/activate` request body: `{"serial": "YSC-0001", "product": "mail-security"}`.
public struct LicenseActivationRequest: Codable, Sendable, Equatable {
    public var serial: String
    public var product: String

    public init(serial: String, product: String) {
        self.serial = serial
        self.product = product
    }
}

/// What the licence server says about a serial (docs/ysc-protocol.md, "Licences").
public enum LicenseState: String, Codable, Sendable, CaseIterable {
    /// Usable until `expires`.
    case active
    /// Known, but its expiry date has passed.
    case expired
    /// Known serial, but not for the product asked about.
    case inactive
    /// Not known at all (`404`).
    case unknown
}

/// The reply to an activation: `{"product": "mail-security", "state": "active", "expires": "2027-11-25"}`.
/// `expires` is present for `active` and `expired`, absent otherwise.
public struct LicenseActivationReply: Codable, Sendable, Equatable {
    public var product: String
    public var state: LicenseState
    /// `YYYY-MM-DD` (UTC).
    public var expires: String?

    public init(product: String, state: LicenseState, expires: String? = nil) {
        self.product = product
        self.state = state
        self.expires = expires
    }
}

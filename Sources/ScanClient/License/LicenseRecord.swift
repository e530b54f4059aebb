import Foundation

/// A calendar day as the licence server writes it (`YYYY-MM-DD`, UTC).
public struct LicenseDay: Equatable, Hashable, Sendable, Codable, CustomStringConvertible {
    public var year: Int
    public var month: Int
    public var day: Int

    /// Nil for anything that is not a valid `YYYY-MM-DD` (the text comes from a peer).
    public init?(_ text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]),
              (1...12).contains(month), (1...31).contains(day)
        else { return nil }
        self.year = year
        self.month = month
        self.day = day
        guard let start = Self.calendar.date(from: DateComponents(year: year, month: month, day: day)),
              Self.calendar.component(.day, from: start) == day
        else { return nil } // 2026-02-30 and the like
    }

    public var description: String {
        String(format: "%04d-%02d-%02d", year, month, day)
    }

    /// The first instant after this day: a licence expiring on this day is valid before it.
    public var end: Date {
        let start = Self.calendar.date(from: DateComponents(year: year, month: month, day: day))!
        return Self.calendar.date(byAdding: .day, value: 1, to: start)!
    }

    private static let calendar: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }()
}

/// What the licence server confirmed for this box: product and expiry. The daemon keeps the
/// last one across restarts (it is what authentication grace relies on).
public struct LicenseRecord: Equatable, Sendable, Codable {
    public var product: String
    public var expires: LicenseDay

    public init(product: String, expires: LicenseDay) {
        self.product = product
        self.expires = expires
    }
}

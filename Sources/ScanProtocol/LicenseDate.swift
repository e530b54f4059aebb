import Telemetry

/// A calendar date as the licence protocol writes it: `YYYY-MM-DD` (proleptic Gregorian, UTC).
/// Pure arithmetic, no `Calendar`, so parsing a peer's string is total and cheap.
public struct LicenseDate: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let year: Int
    public let month: Int
    public let day: Int

    /// Parses exactly `YYYY-MM-DD` with a real day of that month; anything else is `nil`.
    public init?(_ text: String) {
        let bytes = Array(text.utf8)
        guard bytes.count == 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-") else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for byte in bytes[range] {
                guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
            }
            return value
        }
        guard let y = number(0..<4), let m = number(5..<7), let d = number(8..<10) else { return nil }
        self.init(year: y, month: m, day: d)
    }

    public init?(year: Int, month: Int, day: Int) {
        guard (1...9999).contains(year), (1...12).contains(month),
              (1...LicenseDate.daysIn(month: month, year: year)).contains(day) else { return nil }
        self.year = year
        self.month = month
        self.day = day
    }

    /// The UTC date of a moment given as seconds since 1970-01-01T00:00:00Z.
    public init(secondsSince1970 seconds: Int64) {
        let days = Int(seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400)
        self.init(daysSince1970: days)
    }

    /// Days since 1970-01-01 → civil date (`CivilDate`).
    public init(daysSince1970 days: Int) {
        let date = CivilDate(daysSince1970: days)
        year = date.year
        month = date.month
        day = date.day
    }

    /// Civil date → days since 1970-01-01 (`CivilDate`).
    public var daysSince1970: Int {
        CivilDate(year: year, month: month, day: day).daysSince1970
    }

    public func adding(days: Int) -> LicenseDate {
        LicenseDate(daysSince1970: daysSince1970 + days)
    }

    public var description: String {
        func pad(_ value: Int, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))"
    }

    public static func < (lhs: LicenseDate, rhs: LicenseDate) -> Bool {
        (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day)
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }
}

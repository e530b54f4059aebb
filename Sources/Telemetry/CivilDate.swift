/// A date of the proleptic Gregorian calendar, to and from a day count since 1970-01-01
/// (Howard Hinnant's `civil_from_days` and `days_from_civil`, exact for every Int day). The
/// one civil-date algorithm of the firmware: log timestamps, message dates, capture replay and
/// licence dates all use it.
public struct CivilDate: Sendable, Hashable {
    public var year: Int
    /// 1–12.
    public var month: Int
    /// 1–31.
    public var day: Int

    public init(year: Int, month: Int, day: Int) {
        self.year = year
        self.month = month
        self.day = day
    }

    /// The date `days` days after 1970-01-01 (before it when negative).
    public init(daysSince1970 days: Int) {
        let z = days + 719_468
        let era = Self.floorDivide(z, 146_097)
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        day = doy - (153 * mp + 2) / 5 + 1
        month = mp < 10 ? mp + 3 : mp - 9
        year = yoe + era * 400 + (month <= 2 ? 1 : 0)
    }

    /// Days since 1970-01-01.
    public var daysSince1970: Int {
        let y = month <= 2 ? year - 1 : year
        let era = Self.floorDivide(y, 400)
        let yoe = y - era * 400
        let mp = month > 2 ? month - 3 : month + 9
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// The day a moment (seconds since 1970-01-01, already shifted to local time if wanted)
    /// falls on, and how many seconds into that day it is.
    public static func day(ofSecondsSince1970 seconds: Int) -> (date: CivilDate, days: Int, secondOfDay: Int) {
        let days = floorDivide(seconds, 86_400)
        return (CivilDate(daysSince1970: days), days, seconds - days * 86_400)
    }

    /// Division rounding toward minus infinity (instants before 1970 fall on the day before).
    public static func floorDivide(_ a: Int, _ b: Int) -> Int {
        let q = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
    }
}

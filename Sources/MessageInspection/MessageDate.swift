import Telemetry

/// RFC 5322 §3.3 dates, computed from an instant the caller gives (no clock in here).
public enum MessageDate {
    static let weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// `Wed, 25 Nov 2026 22:30:00 +0000` for `secondsSince1970` (UTC) shown at `utcOffsetMinutes`.
    public static func format(secondsSince1970: Int64, utcOffsetMinutes: Int = 0) -> String {
        let local = secondsSince1970 + Int64(utcOffsetMinutes) * 60
        let (date, days, secondOfDay) = CivilDate.day(ofSecondsSince1970: Int(local))
        let (year, month, day) = (date.year, date.month, date.day)
        // 1970-01-01 was a Thursday.
        let weekday = Int(((days % 7) + 11) % 7)
        let sign = utcOffsetMinutes < 0 ? "-" : "+"
        let offset = abs(utcOffsetMinutes)
        return "\(weekdays[weekday]), \(day) \(months[month - 1]) \(year) "
            + "\(two(secondOfDay / 3600)):\(two(secondOfDay / 60 % 60)):\(two(secondOfDay % 60)) "
            + "\(sign)\(two(offset / 60))\(two(offset % 60))"
    }

    static func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
}

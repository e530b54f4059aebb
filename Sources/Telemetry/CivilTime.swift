import Foundation

/// A wall-clock reading (year…millisecond) of an instant in a time zone, computed with pure
/// arithmetic so formatting never depends on the process's locale or `TZ`.
public struct CivilTime: Equatable, Sendable {
    public var year: Int
    public var month: Int
    public var day: Int
    public var hour: Int
    public var minute: Int
    public var second: Int
    public var millisecond: Int
    /// Offset from UTC in seconds at that instant (RFC 3339 `time-offset`).
    public var utcOffsetSeconds: Int

    public init(_ date: Date, timeZone: TimeZone) {
        let offset = timeZone.secondsFromGMT(for: date)
        // Instants that are not finite or far outside any calendar in use (±31 million years)
        // are clamped: converting them to Int would trap.
        let raw = date.timeIntervalSince1970
        let t = raw.isFinite ? min(max(raw, -1e15), 1e15) : 0
        let whole = t.rounded(.down)
        let millis = min(999, max(0, Int(((t - whole) * 1000).rounded(.down))))
        let local = Int(whole) + offset
        let (date, _, secondsOfDay) = CivilDate.day(ofSecondsSince1970: local)
        (year, month, day) = (date.year, date.month, date.day)
        hour = secondsOfDay / 3600
        minute = secondsOfDay % 3600 / 60
        second = secondsOfDay % 60
        millisecond = millis
        utcOffsetSeconds = offset
    }

    static let monthAbbreviations = ["Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// RFC 3164 §4.1.2 TIMESTAMP: `Mmm dd hh:mm:ss`, the day space-padded ("Nov  5").
    public var rfc3164: String {
        let dayText = day < 10 ? " \(day)" : "\(day)"
        return "\(Self.monthAbbreviations[month - 1]) \(dayText) \(Self.two(hour)):\(Self.two(minute)):\(Self.two(second))"
    }

    /// RFC 5424 §6.2.3 / RFC 3339 §5.6: `2026-11-25T22:45:00.123Z` (or `+09:00`).
    public var rfc3339: String {
        let date = "\(Self.four(year))-\(Self.two(month))-\(Self.two(day))"
        let time = "\(Self.two(hour)):\(Self.two(minute)):\(Self.two(second)).\(Self.three(millisecond))"
        return date + "T" + time + offsetText
    }

    /// The router's `show log` / `show status` style: `2026/11/25 22:45:00`.
    public var router: String {
        "\(Self.four(year))/\(Self.two(month))/\(Self.two(day)) \(Self.two(hour)):\(Self.two(minute)):\(Self.two(second))"
    }

    private var offsetText: String {
        if utcOffsetSeconds == 0 { return "Z" }
        let sign = utcOffsetSeconds < 0 ? "-" : "+"
        let magnitude = abs(utcOffsetSeconds) / 60
        return "\(sign)\(Self.two(magnitude / 60)):\(Self.two(magnitude % 60))"
    }

    private static func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
    private static func three(_ v: Int) -> String { v < 10 ? "00\(v)" : v < 100 ? "0\(v)" : "\(v)" }
    private static func four(_ v: Int) -> String {
        let s = String(abs(v))
        return (v < 0 ? "-" : "") + String(repeating: "0", count: max(0, 4 - s.count)) + s
    }
}

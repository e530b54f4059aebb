import Foundation
import NIOCore
import Telemetry

/// `show status ysc` in the router's table style (docs/product.md §7).
///
/// ```
/// =======================================================
/// Item                          Value
/// -------------------------------------------------------
/// Service URL                   https://127.0.0.1:8443/
/// Service address               127.0.0.1:8443
/// State                         available
/// Requests                      12
/// ...
/// =======================================================
/// ```
public enum ScanStatusReport {
    /// The state word: `available`, `failing` (the last attempt failed, breaker still closed),
    /// `breaker open` (answering unavailable without asking) or `probing`.
    public static func stateText(breaker: CircuitBreaker.State, lastAttemptFailed: Bool, now: NIODeadline) -> String {
        switch breaker {
        case .closed(let failures): (failures > 0 || lastAttemptFailed) ? "failing" : "available"
        case .probing: "probing"
        case .open(let until):
            // Seconds left, rounded up: "0s" would read as "closed".
            now < until ? "breaker open (\(((until - now).nanoseconds + 999_999_999) / 1_000_000_000)s)" : "breaker open (probe due)"
        }
    }

    public static func render(_ s: ScanStatisticsSnapshot, state: String) -> String {
        StatusTable(rows: [
            ("Service URL", s.serviceURL),
            ("Service address", s.serviceAddress.isEmpty ? "-" : s.serviceAddress),
            ("State", state),
            ("Requests", "\(s.requests)"),
            ("Successes", "\(s.successes)"),
            ("Retries", "\(s.retries)"),
            ("Connect failures", "\(s.connectFailures)"),
            ("TLS failures", "\(s.tlsFailures)"),
            ("Timeouts", "\(s.timeouts)"),
            ("Read errors", "\(s.readErrors)"),
            ("Name resolution failures", "\(s.nameResolutionFailures)"),
            ("HTTP errors", "\(s.httpErrors)"),
            ("Bad replies", "\(s.badReplies)"),
            ("Breaker rejections", "\(s.breakerRejections)"),
            ("Last error", s.lastError ?? "-"),
            ("Last error time", s.lastErrorTime.map(timestamp) ?? "-"),
            ("Response time (average)", milliseconds(s.averageResponseTime)),
            ("Response time (maximum)", milliseconds(s.responseTimeMaximum)),
        ]).rendered()
    }

    static func milliseconds(_ time: TimeAmount) -> String {
        "\(time.nanoseconds / 1_000_000) ms"
    }

    /// The router's log date style, in UTC: `2026/11/25 22:45:01`.
    static func timestamp(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        func two(_ n: Int?) -> String { let v = n ?? 0; return v < 10 ? "0\(v)" : "\(v)" }
        return "\(c.year ?? 0)/\(two(c.month))/\(two(c.day)) \(two(c.hour)):\(two(c.minute)):\(two(c.second))"
    }
}

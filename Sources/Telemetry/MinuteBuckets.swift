/// The counters of `show status mail security` per minute, for the dashboard's chart over
/// 1 h / 24 h / 7 d. Part of `MailStatistics`, the one store the console, the web console and
/// `/metrics` read: a minute bucket is written by the same `increment` as the counter.
///
/// Bounded: only minutes with mail have a bucket, and buckets older than
/// `TelemetryLimits.chartMinutes` are dropped, so at most that many exist (about 1 MiB at the
/// worst, a busy week with mail every minute).
public struct MinuteBuckets: Sendable, Equatable {
    /// Minutes since 1970 (UTC) → counts, indexed by `slot(counter, protocol)`.
    private(set) var minutes: [Int] = []
    private(set) var counts: [[UInt32]] = []

    public init() {}

    static let slotsPerProtocol = MailCounter.allCases.count
    static let slots = slotsPerProtocol * MailProtocol.allCases.count

    static func slot(_ counter: MailCounter, _ mailProtocol: MailProtocol) -> Int {
        let c = MailCounter.allCases.firstIndex(of: counter)!
        let p = MailProtocol.allCases.firstIndex(of: mailProtocol)!
        return p * slotsPerProtocol + c
    }

    /// Adds `amount` in `minute` (minutes are expected in order; a late one goes to the newest bucket).
    public mutating func add(_ amount: Int, _ counter: MailCounter, _ mailProtocol: MailProtocol, minute: Int) {
        if minutes.last.map({ minute > $0 }) ?? true {
            minutes.append(minute)
            counts.append([UInt32](repeating: 0, count: Self.slots))
            // Dropping from the front is O(n) but happens at most once per minute.
            let oldest = minute - TelemetryLimits.chartMinutes + 1
            if let keep = minutes.firstIndex(where: { $0 >= oldest }), keep > 0 {
                minutes.removeFirst(keep)
                counts.removeFirst(keep)
            }
        }
        let slot = Self.slot(counter, mailProtocol)
        counts[counts.count - 1][slot] &+= UInt32(truncatingIfNeeded: max(0, amount))
    }

    /// `binCount` sums, oldest first, each covering `binMinutes` minutes, the last ending with
    /// minute `now` (inclusive).
    public func series(_ counter: MailCounter, _ mailProtocol: MailProtocol, now: Int,
                       binMinutes: Int, binCount: Int) -> [Int] {
        var bins = [Int](repeating: 0, count: max(0, binCount))
        guard binMinutes > 0, binCount > 0 else { return bins }
        let slot = Self.slot(counter, mailProtocol)
        let first = now - binMinutes * binCount + 1
        for (index, minute) in minutes.enumerated() where minute >= first && minute <= now {
            bins[(minute - first) / binMinutes] += Int(counts[index][slot])
        }
        return bins
    }
}

/// The chart ranges of the dashboard: how many bins of how many minutes.
public enum ChartRange: String, CaseIterable, Sendable {
    case hour = "1h"
    case day = "24h"
    case week = "7d"

    /// One-minute bins for an hour, 15-minute bins for a day, hourly bins for a week.
    public var binMinutes: Int {
        switch self {
        case .hour: 1
        case .day: 15
        case .week: 60
        }
    }

    public var binCount: Int {
        switch self {
        case .hour: 60
        case .day: 96
        case .week: 168
        }
    }
}

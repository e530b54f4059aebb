import Foundation

/// The numbers behind `show status mail security` (docs/product.md §7): counters per protocol, the
/// detection history, white-list match counts and the white-list history. Thread-safe; every
/// history is bounded (`TelemetryLimits`) and keeps the newest entries.
public final class MailStatistics: Sendable {
    public let timeZone: TimeZone
    /// What became of encrypted sessions (docs/tls.md).
    public let tls = TLSStatistics()
    private let clock: @Sendable () -> Date
    private let state = LockedState(Storage())

    private struct Storage {
        var counters: [MailProtocol: [MailCounter: Int]] = [:]
        /// Newest first.
        var detections: [DetectionEntry] = []
        var patternMatches: [Int: Int] = [:]
        /// Newest first.
        var whiteListMatches: [WhiteListEntry] = []
        /// The counters again, per minute, for the dashboard's chart (written together).
        var buckets = MinuteBuckets()
        /// Detections recorded since start (or the last reset) and how many of them an
        /// administrator acknowledged on the dashboard: the gadget warns while they differ.
        var detectionsRecorded = 0
        var detectionsAcknowledged = 0
        /// Mail sessions that crossed the box without being intercepted (a family not
        /// intercepted): counted by the kernel, added here by the interception driver.
        var uninspectedSessions = 0
        /// The latest messages of every outcome: the lists behind the web console's tiles.
        var mails = MailRing(capacity: TelemetryLimits.mailListEntries)
        /// Over-size messages refused (SMTP 552) per protocol; the others over size were
        /// relayed unscanned. `/metrics` splits `over size` with it.
        var overSizeRejected: [MailProtocol: Int] = [:]
    }

    public init(timeZone: TimeZone = TimeZone(identifier: "UTC")!, clock: @escaping @Sendable () -> Date = { Date() }) {
        self.timeZone = timeZone
        self.clock = clock
    }

    // MARK: - recording

    public func increment(_ counter: MailCounter, for mailProtocol: MailProtocol, by amount: Int = 1) {
        let minute = Self.minute(of: clock())
        state.withLock { storage in
            // Wrapping add: a counter can never trap the process, however long it runs.
            storage.counters[mailProtocol, default: [:]][counter, default: 0] &+= amount
            storage.buckets.add(amount, counter, mailProtocol, minute: minute)
        }
    }

    /// Adds mail sessions that crossed the box uninspected.
    public func recordUninspectedSessions(_ count: Int) {
        state.withLock { $0.uninspectedSessions &+= count }
    }

    public var uninspectedSessions: Int { state.withLock { $0.uninspectedSessions } }

    /// Records a detection (newest first; the oldest falls off past the limit). Counters are
    /// separate: the caller increments what applies.
    /// `score` and `virusNames`, when the caller has them, are shown by the web console.
    public func recordDetection(_ mailProtocol: MailProtocol, from: String, to: String, subject: String,
                                result: DetectionResult, action: DetectionAction,
                                score: Int? = nil, virusNames: [String] = []) {
        var entry = DetectionEntry(date: clock(), mailProtocol: mailProtocol, from: from, to: to,
                                   subject: subject, result: result, action: action)
        entry.score = score
        entry.virusNames = virusNames.prefix(TelemetryLimits.virusNamesPerDetection).map { HistoryField.clean($0) }
        state.withLock { storage in
            storage.detectionsRecorded &+= 1
            storage.detections.insert(entry, at: 0)
            if storage.detections.count > TelemetryLimits.detectionHistoryEntries { storage.detections.removeLast() }
        }
    }

    /// Counts a match of white-list pattern `pattern` and records it in the white-list history.
    /// Pattern numbers outside 1–100 (docs/product.md §6) are ignored, so the count table stays bounded.
    public func recordWhiteListMatch(_ mailProtocol: MailProtocol, pattern: Int, from: String, to: String, subject: String) {
        guard TelemetryLimits.whiteListPatternNumbers.contains(pattern) else { return }
        let entry = WhiteListEntry(date: clock(), mailProtocol: mailProtocol, pattern: pattern,
                                   from: from, to: to, subject: subject)
        state.withLock { storage in
            storage.patternMatches[pattern, default: 0] &+= 1
            storage.whiteListMatches.insert(entry, at: 0)
            if storage.whiteListMatches.count > TelemetryLimits.whiteListHistoryEntries { storage.whiteListMatches.removeLast() }
        }
    }

    /// Records one message in the recent-mail list (newest kept, the oldest falls off past
    /// `TelemetryLimits.mailListEntries`). Counters are separate: the caller increments them.
    /// The time is the store's clock, as for the histories.
    public func recordMail(_ mailProtocol: MailProtocol, from: String, to: String, subject: String, size: Int?,
                           counted: [MailCounter], disposition: MailDisposition,
                           score: Int? = nil, virusNames: [String] = []) {
        let record = MailRecord(date: clock(), mailProtocol: mailProtocol, from: from, to: to, subject: subject,
                                size: size, counted: counted, disposition: disposition,
                                score: score, virusNames: virusNames)
        state.withLock { storage in
            if record.counted.contains(.overSize), record.disposition == .reject {
                storage.overSizeRejected[record.mailProtocol, default: 0] &+= 1
            }
            storage.mails.append(record)
        }
    }

    // MARK: - reading

    public func value(_ counter: MailCounter, for mailProtocol: MailProtocol) -> Int {
        state.withLock { $0.counters[mailProtocol]?[counter] ?? 0 }
    }

    /// Newest first.
    public var detectionHistory: [DetectionEntry] { state.withLock { $0.detections } }
    /// Newest first.
    public var whiteListHistory: [WhiteListEntry] { state.withLock { $0.whiteListMatches } }
    /// The recent-mail list, newest first (at most `TelemetryLimits.mailListEntries`).
    public var recentMails: [MailRecord] { state.withLock { $0.mails.newestFirst } }
    /// Messages that have left the recent-mail list since start (or the last reset).
    public var mailsDropped: Int { state.withLock { $0.mails.dropped } }
    /// Over-size messages refused, per protocol (the rest of `over size` was relayed unscanned).
    public func overSizeRejected(for mailProtocol: MailProtocol) -> Int {
        state.withLock { $0.overSizeRejected[mailProtocol] ?? 0 }
    }
    /// Matches per pattern number (only patterns that matched at least once).
    public var whiteListPatternMatches: [Int: Int] { state.withLock { $0.patternMatches } }

    /// Counts of `counter` per bin over `range`, oldest first, ending with the current minute.
    public func series(_ counter: MailCounter, for mailProtocol: MailProtocol, range: ChartRange) -> [Int] {
        let now = Self.minute(of: clock())
        return state.withLock {
            $0.buckets.series(counter, mailProtocol, now: now, binMinutes: range.binMinutes, binCount: range.binCount)
        }
    }

    /// Detections recorded that no administrator has acknowledged yet (the gadget's warning).
    public var unacknowledgedDetections: Int {
        state.withLock { max(0, $0.detectionsRecorded - $0.detectionsAcknowledged) }
    }

    /// The dashboard's "acknowledge": the warning goes away until the next detection.
    public func acknowledgeDetections() {
        state.withLock { $0.detectionsAcknowledged = $0.detectionsRecorded }
    }

    static func minute(of date: Date) -> Int {
        Int((date.timeIntervalSince1970 / 60).rounded(.down))
    }

    // MARK: - clearing

    /// `clear mail security history`.
    /// Nothing left to warn about: the cleared detections count as acknowledged.
    public func clearDetectionHistory() {
        state.withLock {
            $0.detections = []
            $0.detectionsAcknowledged = $0.detectionsRecorded
        }
    }

    /// `clear mail security white-list history`.
    public func clearWhiteListHistory() { state.withLock { $0.whiteListMatches = [] } }

    /// Everything back to zero: `mail security use` going off→on clears the statistics (docs/product.md §7).
    public func reset() { state.withLock { $0 = Storage() } }
}

import Foundation
import Telemetry

/// The numbers of the appliance that are not mail counters, read at request time from their
/// one owner (the scan client, the licence client, the memory budget): what the scan service,
/// licence and sessions gadgets and the gauges of `/metrics` show.
public struct LiveState: Equatable, Sendable {
    public var scanState = "unknown"
    public var scanAvailable = false
    public var breakerOpen = false
    public var scanRequests = 0
    public var scanRetries = 0
    public var scanFailures: [String: Int] = [:]
    public var scanAverageMilliseconds = 0
    public var scanLatencyBuckets: [Int] = []
    public var scanLatencyBounds: [Double] = []
    public var scanLatencySumSeconds: Double = 0
    public var licenseState = "unknown"
    public var licenseExpiry: Date?
    public var sessionsInFlight = 0
    public var memoryInUseBytes = 0
    public var memoryBudgetBytes = 0
    public var spoolBytes = 0

    public init() {}

    public var totalScanFailures: Int { scanFailures.values.reduce(0, +) }

    /// Whole days from `now` to the licence's end (0 once it has passed); nil without a licence.
    public func licenseDaysLeft(now: Date) -> Int? {
        licenseExpiry.map { max(0, Int(($0.timeIntervalSince(now) / 86_400).rounded(.up))) }
    }
}

/// The memory budget's figures, handed in by the daemon (the web console does not reach into
/// the mail proxies).
public struct SessionGauges: Equatable, Sendable {
    public var sessions: Int
    public var inUseBytes: Int
    public var budgetBytes: Int
    public var spoolBytes: Int

    public init(sessions: Int, inUseBytes: Int, budgetBytes: Int, spoolBytes: Int) {
        self.sessions = sessions
        self.inUseBytes = inUseBytes
        self.budgetBytes = budgetBytes
        self.spoolBytes = spoolBytes
    }
}

extension MetricsSnapshot {
    /// `/metrics` from the mail counters (read from `MailStatistics`) and the live state.
    public init(statistics: MailStatistics, live: LiveState, version: String) {
        self.init()
        for p in MailProtocol.allCases {
            for c in MailCounter.allCases { counters[p, default: [:]][c] = statistics.value(c, for: p) }
            overSizeRejected[p] = statistics.overSizeRejected(for: p)
        }
        sessionsNotInspected = statistics.uninspectedSessions
        for p in MailProtocol.allCases {
            for outcome in TLSOutcome.allCases { tls[p, default: [:]][outcome] = statistics.tls.value(outcome, for: p) }
        }
        scanRequests = live.scanRequests
        scanRetries = live.scanRetries
        scanFailures = live.scanFailures
        scanLatencyBuckets = live.scanLatencyBuckets
        scanLatencyBounds = live.scanLatencyBounds
        scanLatencySumSeconds = live.scanLatencySumSeconds
        scanAvailable = live.scanAvailable
        scanBreakerOpen = live.breakerOpen
        sessionsInFlight = live.sessionsInFlight
        memoryInUseBytes = live.memoryInUseBytes
        memoryBudgetBytes = live.memoryBudgetBytes
        spoolBytes = live.spoolBytes
        licenseExpiry = live.licenseExpiry?.timeIntervalSince1970
        self.version = version
    }
}

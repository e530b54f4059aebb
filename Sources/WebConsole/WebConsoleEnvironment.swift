import ApplianceConfig
import ControlPlane
import Foundation
import NIOPosix
import ScanClient
import Telemetry

/// What the web console reads and drives, all owned elsewhere: the console (the one command
/// table and running configuration), the mail counters (`MailStatistics`), the live state of
/// the scan service, licence and memory budget, and syslog.
public struct WebConsoleEnvironment: Sendable {
    public var console: ApplianceConsole
    public var statistics: MailStatistics
    public var live: @Sendable () -> LiveState
    /// Who may connect, from the running configuration (`httpd host`) at each request.
    public var gate: @Sendable (Configuration) -> HostGate
    /// One line to syslog (INFO): every change made from the web, with the peer.
    public var log: @Sendable (String) -> Void
    /// Password checks and console commands (PBKDF2, `save`'s disk write) run here, never on
    /// an event loop or the concurrency pool.
    public var threadPool: NIOThreadPool
    public var version: String
    public var clock: @Sendable () -> Date

    public init(console: ApplianceConsole, statistics: MailStatistics, live: @escaping @Sendable () -> LiveState,
                gate: @escaping @Sendable (Configuration) -> HostGate, log: @escaping @Sendable (String) -> Void,
                threadPool: NIOThreadPool, version: String, clock: @escaping @Sendable () -> Date = { Date() }) {
        self.console = console
        self.statistics = statistics
        self.live = live
        self.gate = gate
        self.log = log
        self.threadPool = threadPool
        self.version = version
        self.clock = clock
    }
}

extension LiveState {
    /// Reads the scan client, the licence client and the memory budget's gauges.
    public static func read(scan: ScanServices?, gauges: SessionGauges?) -> LiveState {
        var live = LiveState()
        if let scan {
            let s = scan.scanClient.statistics.snapshot
            live.scanState = scan.serviceStateName
            live.scanAvailable = scan.availability == .available
            if case .open = scan.scanClient.breakerState { live.breakerOpen = true }
            live.scanRequests = s.requests
            live.scanRetries = s.retries
            live.scanFailures = [
                "name_resolution": s.nameResolutionFailures, "connect": s.connectFailures, "tls": s.tlsFailures,
                "timeout": s.timeouts, "read": s.readErrors, "http": s.httpErrors, "bad_reply": s.badReplies,
                "breaker": s.breakerRejections,
            ]
            live.scanAverageMilliseconds = Int(s.averageResponseTime.nanoseconds / 1_000_000)
            live.scanLatencyBuckets = s.latencyBuckets
            live.scanLatencyBounds = ScanStatisticsSnapshot.latencyBucketBounds
            live.scanLatencySumSeconds = Double(s.responseTimeTotal.nanoseconds) / 1e9
            live.licenseState = scan.licenseStateName
            live.licenseExpiry = scan.licenseClient.record?.expiryEnd
        }
        if let gauges {
            live.sessionsInFlight = gauges.sessions
            live.memoryInUseBytes = gauges.inUseBytes
            live.memoryBudgetBytes = gauges.budgetBytes
            live.spoolBytes = gauges.spoolBytes
        }
        return live
    }
}

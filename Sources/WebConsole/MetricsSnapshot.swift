import Telemetry

/// Everything `/metrics` shows, read at scrape time from the one store of each number
/// (`MailStatistics` for mail, the scan client's statistics, the licence client, the memory
/// budget). A value: the exposition below is a pure function of it.
public struct MetricsSnapshot: Equatable, Sendable {
    public var counters: [MailProtocol: [MailCounter: Int]] = [:]
    /// Over-size messages refused (SMTP 552), per protocol; the rest of `overSize` passed.
    public var overSizeRejected: [MailProtocol: Int] = [:]
    /// Mail sessions that crossed the box without interception (`Sessions not inspected`).
    public var sessionsNotInspected = 0
    /// What became of encrypted sessions, per protocol (docs/tls.md).
    public var tls: [MailProtocol: [TLSOutcome: Int]] = [:]
    public var scanRequests = 0
    public var scanRetries = 0
    /// Failed attempts by class (`MetricNames.scanFailureClasses`).
    public var scanFailures: [String: Int] = [:]
    /// Successful attempts per latency bucket (not cumulative; the last one is above every bound).
    public var scanLatencyBuckets: [Int] = []
    public var scanLatencyBounds: [Double] = []
    public var scanLatencySumSeconds: Double = 0
    public var scanAvailable = false
    public var scanBreakerOpen = false
    public var sessionsInFlight = 0
    public var memoryInUseBytes = 0
    public var memoryBudgetBytes = 0
    public var spoolBytes = 0
    /// End of the licence as a Unix time; nil while no licence is known.
    public var licenseExpiry: Double?
    public var version = "unknown"

    public init() {}

    public func value(_ counter: MailCounter, _ mailProtocol: MailProtocol) -> Int {
        counters[mailProtocol]?[counter] ?? 0
    }
}

/// The metric names and label values, pinned by a test (Tests/WebConsoleTests) and documented
/// in docs/metrics.md: renaming one breaks dashboards, so it must break the build first.
public enum MetricNames {
    public static let messages = "mailsec_messages_total"
    public static let messagesInspected = "mailsec_messages_inspected_total"
    public static let actions = "mailsec_actions_total"
    public static let scanRequests = "mailsec_scan_requests_total"
    public static let scanRetries = "mailsec_scan_retries_total"
    public static let scanFailures = "mailsec_scan_failures_total"
    public static let scanDuration = "mailsec_scan_duration_seconds"
    public static let scanAvailable = "mailsec_scan_service_available"
    public static let scanBreakerOpen = "mailsec_scan_breaker_open"
    public static let sessions = "mailsec_sessions_in_flight"
    public static let memoryInUse = "mailsec_memory_budget_used_bytes"
    public static let memoryBudget = "mailsec_memory_budget_bytes"
    public static let spool = "mailsec_spool_bytes"
    public static let licenseExpiry = "mailsec_license_expiry_timestamp_seconds"
    public static let buildInfo = "mailsec_build_info"
    public static let sessionsNotInspected = "mailsec_sessions_not_inspected_total"
    public static let tlsSessions = "mailsec_tls_sessions_total"

    /// `outcome` label of `mailsec_tls_sessions_total`: the console's TLS rows.
    public static let tlsOutcomes: [(TLSOutcome, String)] = [
        (.inspected, "inspected"), (.passed, "passed"), (.exempt, "exempt"), (.blocked, "blocked"),
        (.clientRefusedCertificate, "client_refused"), (.upstreamCertificateInvalid, "upstream_invalid"),
        (.handshakeFailed, "handshake_failed"),
    ]

    /// `result` label of `mailsec_messages_total`, from the console's counters. The results
    /// overlap as the console's rows do: a white-listed message is also counted as spam/virus.
    public static let results: [(MailCounter, String)] = [
        (.clean, "clean"), (.spam, "spam"), (.virus, "virus"), (.spamAndVirus, "spam_virus"),
        (.whiteListed, "whitelisted"), (.overSize, "oversize"), (.couldNotScan, "unscannable"),
    ]

    /// `class` label of `mailsec_scan_failures_total`.
    public static let scanFailureClasses = ["name_resolution", "connect", "tls", "timeout", "read", "http", "bad_reply", "breaker"]

    /// `action` label of `mailsec_actions_total`.
    /// `oversize_pass` and `oversize_reject` came later: the first six keep their meaning, and
    /// with the two every message decided is in exactly one action.
    public static let actionLabels = ["pass", "tag", "header", "reject", "transfer", "tempfail", "oversize_pass", "oversize_reject"]

    /// `reason` label of `mailsec_sessions_not_inspected_total`. One today: IPv6 mail while
    /// `mail security ipv6 off` (counted by the kernel, docs/interception.md). A session while
    /// `mail security use off` is not counted: inspection was turned off on purpose.
    public static let notInspectedReasons = ["ipv6_interception_off"]
}

import Foundation
import NIOConcurrencyHelpers
import Telemetry

/// Sends `[MAIL_SEC] ` lines to the configured collectors and the local syslog daemon, and
/// keeps those that pass the level filters for `show log`.
///
/// Safe to call from any thread, including an event loop: `log` never blocks. Sockets are
/// non-blocking (a full buffer drops and counts the line), numeric hosts are parsed with
/// inet_pton, and host names are resolved on the sender's own background queue.
public final class SyslogSender: Sendable {
    /// After a failed or missing resolution, how long before a dropped line asks for another
    /// try (so a collector named before DNS is up is found later, without a query per line).
    public static let resolutionRetryInterval: TimeInterval = 30

    public let hostname: String
    public let appName: String
    public let timeZone: TimeZone
    /// The `show log` lines (those that passed the filters).
    public let recentLines: LogRing

    private let clock: @Sendable () -> Date
    private let processID: Int
    private let transport: SyslogTransport
    private let resolver: SyslogResolver.Function
    private let resolverQueue = DispatchQueue(label: "mailsec.syslog.resolver")
    private let state: NIOLockedValueBox<State>

    private struct Target {
        var destination: SyslogDestination
        var address: SyslogAddress?
        var resolving = false
        var lastAttempt: Date?
    }

    private struct State {
        var settings: SyslogSettings
        /// Bumped on every reconfigure so a late resolution of an old host list is discarded.
        var generation = 0
        var targets: [Target] = []
        var counters = SyslogCounters()
    }

    public init(
        settings: SyslogSettings, hostname: String, appName: String = "mailsecd",
        localSocketPath: String? = "/dev/log",
        timeZone: TimeZone = TimeZone(identifier: "UTC")!,
        recentLines: LogRing? = nil,
        resolver: @escaping SyslogResolver.Function = SyslogResolver.system,
        clock: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.hostname = hostname
        self.appName = appName
        self.timeZone = timeZone
        self.recentLines = recentLines ?? LogRing(timeZone: timeZone)
        self.clock = clock
        self.resolver = resolver
        processID = Int(getpid())
        transport = SyslogTransport(localSocketPath: localSocketPath)
        state = NIOLockedValueBox(State(settings: settings))
        reconfigure(settings)
    }

    public var settings: SyslogSettings { state.withLockedValue { $0.settings } }
    public var counters: SyslogCounters { state.withLockedValue { $0.counters } }

    /// Applies new `syslog …` settings. Numeric hosts take effect at once; names are
    /// (re-)resolved in the background, keeping a name's previous address meanwhile.
    public func reconfigure(_ settings: SyslogSettings) {
        let pending: [(Int, Int, String)] = state.withLockedValue { state in
            state.settings = settings
            state.generation += 1
            let old = state.targets
            state.targets = settings.hosts.prefix(TelemetryLimits.maxSyslogHosts)
                .compactMap(SyslogDestination.init)
                .map { destination in
                    switch destination.host {
                    case .address(let address): return Target(destination: destination, address: address)
                    case .name:
                        let previous = old.first { $0.destination.host == destination.host }?.address
                        return Target(destination: destination, address: previous)
                    }
                }
            return Self.claimResolutions(&state, now: nil)
        }
        startResolving(pending)
    }

    /// A catalogue line (docs/product.md §9) at its catalogue severity.
    public func log(_ message: MailSecLogMessage) {
        send(text: message.text, severity: message.severity, messageID: message.messageID)
    }

    /// A daemon line outside the catalogue (start/stop, configuration problems). The
    /// `[MAIL_SEC] ` prefix is added when missing, so every line of the appliance has it.
    public func log(text: String, severity: SyslogSeverity) {
        let line = text.hasPrefix(MailSecLogMessage.prefix) ? text : MailSecLogMessage.prefix + text
        send(text: line, severity: severity, messageID: nil)
    }

    /// Whether a line of `severity` passes `syslog info/debug/notice` (docs/product.md §7): DEBUG, INFO and
    /// NOTICE each have their switch; WARNING and more severe always pass.
    public static func passes(_ severity: SyslogSeverity, _ settings: SyslogSettings) -> Bool {
        switch severity {
        case .debug: settings.debug
        case .info: settings.info
        case .notice: settings.notice
        case .emergency, .alert, .critical, .error, .warning: true
        }
    }

    private func send(text: String, severity: SyslogSeverity, messageID: String?) {
        let now = clock()
        let snapshot: (SyslogSettings, [Target])? = state.withLockedValue { state in
            guard Self.passes(severity, state.settings) else {
                state.counters.filtered += 1
                return nil
            }
            return (state.settings, state.targets)
        }
        guard let (settings, targets) = snapshot else { return }
        recentLines.append(text, severity: severity, date: now)

        let formatter = SyslogFormatter(format: settings.format, facility: settings.facility, hostname: hostname,
                                        appName: appName, processID: processID, timeZone: timeZone)
        var sent = 0, dropped = 0, unresolved = false
        if !targets.isEmpty {
            let datagram = formatter.datagram(text: text, severity: severity, messageID: messageID, date: now)
            for target in targets {
                guard let address = target.address else {
                    dropped += 1
                    unresolved = true
                    continue
                }
                if transport.send(datagram, to: address, port: target.destination.port) == .sent { sent += 1 } else { dropped += 1 }
            }
        }
        if transport.hasLocalSocket {
            switch transport.sendLocal(formatter.localDatagram(text: text, severity: severity, date: now)) {
            case .sent: sent += 1
            case .dropped: dropped += 1
            case .unavailable: break
            }
        }
        let pending: [(Int, Int, String)] = state.withLockedValue { state in
            state.counters.sent += sent
            state.counters.dropped += dropped
            return unresolved ? Self.claimResolutions(&state, now: now) : []
        }
        startResolving(pending)
    }

    /// Marks the unresolved names that should be looked up now: all of them after a
    /// reconfigure (`now == nil`), or those whose last try is older than the retry interval.
    private static func claimResolutions(_ state: inout State, now: Date?) -> [(Int, Int, String)] {
        var claimed: [(Int, Int, String)] = []
        for index in state.targets.indices {
            guard case .name(let name) = state.targets[index].destination.host,
                  !state.targets[index].resolving else { continue }
            if let now {
                guard state.targets[index].address == nil else { continue }
                if let last = state.targets[index].lastAttempt,
                   now.timeIntervalSince(last) < resolutionRetryInterval { continue }
            }
            state.targets[index].resolving = true
            state.targets[index].lastAttempt = now
            claimed.append((state.generation, index, name))
        }
        return claimed
    }

    private func startResolving(_ work: [(Int, Int, String)]) {
        for (generation, index, name) in work {
            resolverQueue.async { [self] in
                let address = resolver(name)
                let now = clock()
                state.withLockedValue { state in
                    guard state.generation == generation, state.targets.indices.contains(index) else { return }
                    state.targets[index].resolving = false
                    state.targets[index].lastAttempt = now
                    if let address { state.targets[index].address = address }
                }
            }
        }
    }

    /// Waits until every resolution queued so far has finished (for tests and orderly shutdown).
    public func waitForPendingResolutions() {
        resolverQueue.sync {}
    }
}

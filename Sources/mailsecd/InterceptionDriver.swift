import ApplianceConfig
import Foundation
import NIOConcurrencyHelpers
import NIOPosix
import PacketLayer
import Telemetry

/// Appliance interception: keeps the netfilter rules in line with the configuration. Thin I/O
/// around `InterceptionReconciler`: each apply runs `nft`/`ip` on a one-thread pool of its own
/// (never on an event loop, one at a time), and failures are logged and shown in
/// `show status mail security`, never fatal.
final class InterceptionDriver: Sendable {
    private struct State {
        var reconciler = InterceptionReconciler()
        /// Rules are touched only once appliance mode has been in force in this run: in external
        /// and off modes the box never runs nft.
        var managesRules = false
        var mode: InterceptionSetting = .off
        var outcome = "starting"
        /// Configuration changes are ignored until the listeners are up (`activate`).
        var active = false
        /// Sessions of a family not intercepted, from the kernel's counter (read on the pool).
        var tally = UninspectedSessionTally()
    }

    /// How often the kernel's count of uninspected sessions is read: often enough that a
    /// bypass shows in `show status` within seconds, rarely enough to cost nothing (one `nft`).
    static let uninspectedPollInterval: UInt64 = 5_000_000_000

    private let startup: InterceptionStartup
    private let smtpListenerPort: UInt16
    private let pop3ListenerPort: UInt16
    private let applier: NetfilterApplier
    private let pool: NIOThreadPool
    private let report: @Sendable (String, SyslogSeverity) -> Void
    /// Told how many mail sessions crossed uninspected since the last call, and over which family.
    private let uninspected: @Sendable (Int, String) -> Void
    private let state = NIOLockedValueBox(State())

    init(startup: InterceptionStartup, smtpListenerPort: UInt16, pop3ListenerPort: UInt16,
         applier: NetfilterApplier = NetfilterApplier(), report: @escaping @Sendable (String, SyslogSeverity) -> Void,
         uninspected: @escaping @Sendable (Int, String) -> Void = { _, _ in }) {
        self.startup = startup
        self.smtpListenerPort = smtpListenerPort
        self.pop3ListenerPort = pop3ListenerPort
        self.applier = applier
        self.report = report
        self.uninspected = uninspected
        self.pool = NIOThreadPool(numberOfThreads: 1)
        pool.start()
    }

    /// Starts following the configuration (once the transparent listeners are up).
    func activate(_ configuration: () -> Configuration) {
        state.withLockedValue { $0.active = true }
        configurationChanged(configuration())
        Task { [self] in
            while state.withLockedValue({ $0.active }) {
                try? await Task.sleep(nanoseconds: Self.uninspectedPollInterval)
                pool.submit { [self] workState in
                    if case .active = workState { pollUninspected() }
                }
            }
        }
    }

    /// Blocking: runs on the pool's thread (so never beside an apply). Reads the counter of
    /// the rules in place and reports what is new.
    private func pollUninspected() {
        guard let installed = state.withLockedValue({ $0.reconciler.installed }),
              let family = RulesetRenderer.uninspectedFamilies(installed).first else { return }
        let packets = try? applier.uninspectedPackets(mode: installed.mode)
        let new = state.withLockedValue { $0.tally.reading(packets) }
        if new > 0 { uninspected(Int(clamping: new), family == .ipv6 ? "IPv6" : "IPv4") }
    }

    /// Called with every configuration change.
    func configurationChanged(_ configuration: Configuration) {
        let mode = startup.effective(configuration)
        let plan = self.plan(for: configuration, mode: mode)
        let action: InterceptionReconciler.Apply? = state.withLockedValue { state in
            guard state.active else { return nil }
            state.mode = mode
            if mode == .appliance { state.managesRules = true }
            guard state.managesRules, let plan else {
                state.outcome = mode == .external ? "rules managed elsewhere" : "nothing intercepted"
                return nil
            }
            return state.reconciler.want(plan)
        }
        if let action { start(action) }
    }

    /// `show status mail security`'s Interception row.
    var statusLine: String {
        state.withLockedValue { state in
            var words = [state.mode.rawValue]
            if let portMap = startup.portMap?.map, state.mode == .appliance {
                words.append("\(portMap.mode.rawValue) \(portMap.lan1)-\(portMap.lan2):")
            } else {
                words[0] += ":"
            }
            words.append(state.outcome)
            return words.joined(separator: " ")
        }
    }

    /// Daemon exit: removes the rules (mail then passes untouched) and waits for it, bounded.
    func shutdown() async {
        let managesRules = state.withLockedValue { state in
            state.active = false   // a console change arriving now must not load them again
            return state.managesRules
        }
        if managesRules, let plan = removalPlan {
            // Retried even if removing failed before: this is the last chance.
            let action = state.withLockedValue { $0.reconciler.want(plan, retryingFailure: true) }
            if let action { start(action) }
            let deadline = Date().addingTimeInterval(applier.timeout * 4)
            while Date() < deadline, !state.withLockedValue({ $0.reconciler.isIdle }) {
                try? await Task.sleep(nanoseconds: 20_000_000)
            }
        }
        try? await pool.shutdownGracefully()
    }

    /// The rules `configuration` wants in `mode` (a disabled plan removes them); nil without a
    /// port map.
    private func plan(for configuration: Configuration, mode: InterceptionSetting) -> InterceptionPlan? {
        guard let portMap = startup.portMap?.map else { return nil }
        return InterceptionPlan(portMap: portMap,
                                smtpPorts: configuration.smtpPorts.compactMap(UInt16.init(exactly:)),
                                pop3Ports: configuration.pop3Ports.compactMap(UInt16.init(exactly:)),
                                smtpListenerPort: smtpListenerPort, pop3ListenerPort: pop3ListenerPort,
                                enabled: mode == .appliance && configuration.mailSecurityEnabled,
                                families: configuration.interceptsIPv6 ? Set(AddressFamily.allCases) : [.ipv4])
    }

    private var removalPlan: InterceptionPlan? {
        startup.portMap.map {
            InterceptionPlan(portMap: $0.map, smtpListenerPort: smtpListenerPort, pop3ListenerPort: pop3ListenerPort,
                             enabled: false)
        }
    }

    private func start(_ action: InterceptionReconciler.Apply) {
        pool.submit { [self] workState in
            var succeeded = false
            if case .active = workState {
                succeeded = run(action)
            }
            let next = state.withLockedValue { $0.reconciler.finished(action.plan, succeeded: succeeded) }
            if let next { start(next) }
        }
    }

    /// Blocking: runs on the pool's thread.
    private func run(_ action: InterceptionReconciler.Apply) -> Bool {
        var plan = action.plan
        do {
            if plan.enabled, plan.mode == .bridge, let bridge = plan.bridge {
                // The bridge's MAC, read now: the bridge may have been created after start.
                guard let mac = try applier.macAddress(of: bridge) else {
                    throw InterceptionPlanError.invalid("bridge \(bridge) does not exist or has no MAC address")
                }
                plan.bridgeMAC = mac
            }
            // What the old table counted, before it is replaced and its counter starts afresh.
            pollUninspected()
            try applier.apply(plan, replacing: action.replacing)
            state.withLockedValue { state in
                state.tally.restarted()
                state.outcome = switch (plan.enabled, state.mode) {
                case (true, _): "rules loaded (SMTP \(Self.ports(plan.smtpPorts)), POP3 \(Self.ports(plan.pop3Ports)))"
                    + (RulesetRenderer.uninspectedFamilies(plan).isEmpty ? "" : ", IPv4 only: IPv6 counted, not inspected")
                case (false, .appliance): "no rules (mail security use off)"
                case (false, .external): "rules managed elsewhere"
                case (false, .off): "nothing intercepted"
                }
            }
            report(plan.enabled ? "interception rules loaded: \(plan.mode.rawValue) \(plan.lan1)-\(plan.lan2), SMTP \(Self.ports(plan.smtpPorts)), POP3 \(Self.ports(plan.pop3Ports))"
                                : "interception rules removed", .info)
            return true
        } catch {
            let what = plan.enabled ? "load" : "remove"
            state.withLockedValue { $0.outcome = "FAILED to \(what) the rules: \(error)" }
            report("interception: cannot \(what) the rules: \(error)", .error)
            return false
        }
    }

    private static func ports(_ ports: [UInt16]) -> String { ports.map(String.init).joined(separator: " ") }
}

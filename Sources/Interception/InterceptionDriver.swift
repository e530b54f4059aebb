import ApplianceConfig
import Foundation
import NIOConcurrencyHelpers
import NIOPosix
import PacketLayer
import Telemetry

/// Appliance interception: keeps the netfilter rules in line with the configuration. Thin I/O
/// around `InterceptionFollower`, which decides: each apply runs `nft`/`ip` on a one-thread
/// pool of its own (never on an event loop, one at a time), and failures are logged and shown
/// in `show status mail security`, never fatal.
public final class InterceptionDriver: Sendable {
    /// How often the kernel's count of uninspected sessions is read: often enough that a
    /// bypass shows in `show status` within seconds, rarely enough to cost nothing (one `nft`).
    static let uninspectedPollInterval: UInt64 = 5_000_000_000

    private let applier: NetfilterApplier
    private let pool: NIOThreadPool
    private let report: @Sendable (String, SyslogSeverity) -> Void
    /// Told how many mail sessions crossed uninspected since the last call, and over which family.
    private let uninspected: @Sendable (Int, String) -> Void
    private let state: NIOLockedValueBox<InterceptionFollower>

    public init(startup: InterceptionStartup, smtpListenerPort: UInt16, pop3ListenerPort: UInt16,
                smtpsListenerPort: UInt16? = nil, pop3sListenerPort: UInt16? = nil,
                applier: NetfilterApplier = NetfilterApplier(), report: @escaping @Sendable (String, SyslogSeverity) -> Void,
                uninspected: @escaping @Sendable (Int, String) -> Void = { _, _ in }) {
        state = NIOLockedValueBox(InterceptionFollower(startup: startup, smtpListenerPort: smtpListenerPort,
                                                       pop3ListenerPort: pop3ListenerPort,
                                                       smtpsListenerPort: smtpsListenerPort, pop3sListenerPort: pop3sListenerPort))
        self.applier = applier
        self.report = report
        self.uninspected = uninspected
        self.pool = NIOThreadPool(numberOfThreads: 1)
        pool.start()
    }

    /// Starts following the configuration (once the transparent listeners are up).
    public func activate(_ configuration: () -> Configuration) {
        let configuration = configuration()
        if let apply = state.withLockedValue({ $0.activate(configuration) }) { start(apply) }
        Task { [self] in
            while state.withLockedValue({ $0.active }) {
                try? await Task.sleep(nanoseconds: Self.uninspectedPollInterval)
                pool.submit { [self] workState in
                    if case .active = workState { pollUninspected() }
                }
            }
        }
    }

    /// Called with every configuration change.
    public func configurationChanged(_ configuration: Configuration) {
        if let apply = state.withLockedValue({ $0.configurationChanged(configuration) }) { start(apply) }
    }

    /// `show status mail security`'s Interception row.
    public var statusLine: String { state.withLockedValue { $0.statusLine } }

    /// Daemon exit: removes the rules (mail then passes untouched) and waits for it, bounded.
    public func shutdown() async {
        if let apply = state.withLockedValue({ $0.shutdown() }) {
            start(apply)
            let deadline = Date().addingTimeInterval(applier.timeout * 4)
            while Date() < deadline, !state.withLockedValue({ $0.reconciler.isIdle }) {
                try? await Task.sleep(nanoseconds: 20_000_000)
            }
        }
        try? await pool.shutdownGracefully()
    }

    /// Blocking: runs on the pool's thread (so never beside an apply). Reads the counter of
    /// the rules in place and reports what is new.
    private func pollUninspected() {
        guard let installed = state.withLockedValue({ $0.reconciler.installed }),
              let family = state.withLockedValue({ $0.uninspectedFamily }) else { return }
        let packets = try? applier.uninspectedPackets(mode: installed.mode)
        let new = state.withLockedValue { $0.uninspectedReading(packets) }
        if new > 0 { uninspected(Int(clamping: new), family == .ipv6 ? "IPv6" : "IPv4") }
    }

    private func start(_ apply: InterceptionReconciler.Apply) {
        pool.submit { [self] workState in
            var failure: String? = "the daemon is stopping"
            if case .active = workState { failure = run(apply) }
            let ended = state.withLockedValue { $0.applyEnded(apply.plan, failure: failure) }
            // A pool already stopping ran nothing: there is nothing to report.
            if case .active = workState { report(ended.report, ended.severity) }
            if let next = ended.next { start(next) }
        }
    }

    /// Blocking: runs on the pool's thread. Returns why the apply failed, nil when it worked.
    private func run(_ apply: InterceptionReconciler.Apply) -> String? {
        var plan = apply.plan
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
            try applier.apply(plan, replacing: apply.replacing)
            return nil
        } catch {
            return "\(error)"
        }
    }
}

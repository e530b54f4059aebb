import ApplianceConfig
import NIOConcurrencyHelpers
import NIOPosix
import PacketLayer
import Telemetry

/// Bridge mode: keeps `WebConsoleGuard`'s table (the web console refused on the LAN2 port) in
/// line with `httpd host`, and says whether the guard for the hosts in force is loaded, which is
/// what lets the web console admit the bridge's networks for `lan1` (fail closed: while it is
/// not loaded, `lan1` admits nobody). `nft` runs on a one-thread pool of its own, never on an
/// event loop; the table is taken out when the daemon stops.
public final class WebConsoleGuardDriver: Sendable {
    private struct State {
        var wanted: WebConsoleGuard?
        var installed: WebConsoleGuard?
        var stopping = false
    }

    private let lan2: String
    private let port: UInt16
    private let applier: NetfilterApplier
    private let pool: NIOThreadPool
    private let report: @Sendable (String, SyslogSeverity) -> Void
    private let state = NIOLockedValueBox(State())

    /// `port`: the port the web console listens on (fixed for the daemon's run).
    public init(lan2: String, port: UInt16, applier: NetfilterApplier = NetfilterApplier(),
                report: @escaping @Sendable (String, SyslogSeverity) -> Void) {
        self.lan2 = lan2
        self.port = port
        self.applier = applier
        self.report = report
        pool = NIOThreadPool(numberOfThreads: 1)
        pool.start()
    }

    /// The driver a daemon needs: in bridge mode, when it manages the netfilter rules (the
    /// firmware) and the web console starts (`port`); nil otherwise.
    public static func needed(by startup: InterceptionStartup, port: Int?,
                              report: @escaping @Sendable (String, SyslogSeverity) -> Void) -> WebConsoleGuardDriver? {
        guard let map = startup.portMap?.map, map.mode == .bridge, startup.mayLoadRules,
              let port, let webPort = UInt16(exactly: port) else { return nil }
        return WebConsoleGuardDriver(lan2: map.lan2, port: webPort, report: report)
    }

    /// The guard `httpd host` asks for: nobody from LAN2 but the ranges named on their own;
    /// `any` refuses nobody.
    public static func wanted(for hosts: [HTTPDHost]?, lan2: String, port: UInt16) -> WebConsoleGuard {
        let hosts = hosts ?? []
        if hosts.contains(.any) { return WebConsoleGuard(lan2: lan2, port: port, admittedFromLAN2: nil) }
        let ranges = hosts.compactMap { host -> WebConsoleGuard.AddressRange? in
            if case .range(let lower, let upper) = host { return .init(lower: lower, upper: upper) }
            return nil
        }
        return WebConsoleGuard(lan2: lan2, port: port, admittedFromLAN2: ranges)
    }

    /// Called with `httpd host` at start and at every configuration change.
    public func follow(_ hosts: [HTTPDHost]?) {
        let target = Self.wanted(for: hosts, lan2: lan2, port: port)
        let changed = state.withLockedValue { state -> Bool in
            guard !state.stopping, state.wanted != target else { return false }
            state.wanted = target
            return true
        }
        if changed { pool.submit { [self] workState in if case .active = workState { loadWanted() } } }
    }

    /// Whether the guard for `hosts` is the one loaded.
    public func isInForce(for hosts: [HTTPDHost]?) -> Bool {
        let target = Self.wanted(for: hosts, lan2: lan2, port: port)
        return state.withLockedValue { $0.installed == target }
    }

    /// Daemon exit: takes the table out (the web console is closing with it).
    public func shutdown() async {
        state.withLockedValue { $0.stopping = true }
        _ = try? await pool.runIfActive { [applier] in try applier.load(nft: WebConsoleGuard.removalScript) }
        try? await pool.shutdownGracefully()
    }

    /// Blocking: on the pool's thread. Loads the latest wish, if it is not loaded yet; a failed
    /// load leaves the previous table (nft's transaction is all or nothing) and is reported.
    private func loadWanted() {
        guard let (target, stopping) = state.withLockedValue({ state in state.wanted.map { ($0, state.stopping) } }),
              !stopping, state.withLockedValue({ $0.installed != target }) else { return }
        do {
            try applier.load(nft: target.nftScript)
            state.withLockedValue { $0.installed = target }
            if target.admittedFromLAN2 == nil {
                report("web console: open to hosts on \(lan2) (LAN2) too (httpd host any)", .info)
            } else {
                report("web console: port \(port) refused to hosts on \(lan2) (LAN2) but those httpd host names", .info)
            }
        } catch {
            report("web console: cannot load the rules that keep LAN2 out (\(error)); 'httpd host lan1' lets nobody in until they load", .error)
        }
    }
}

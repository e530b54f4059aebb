import ApplianceConfig
import PacketLayer
import Telemetry

/// What appliance interception does as the configuration changes, decided without running
/// anything (habit 1 of docs/engineering-habits.md): which apply of the netfilter rules to start
/// (through `InterceptionReconciler`: one at a time, a failed wish not retried until it
/// changes), the `show status mail security` line, and what each finished apply reports.
/// `InterceptionDriver` feeds it under a lock and runs the applies on a pool thread.
public struct InterceptionFollower: Sendable {
    /// What an ended apply reports, and the apply to start next.
    public struct Ended: Sendable, Equatable {
        public var next: InterceptionReconciler.Apply?
        public var report: String
        public var severity: SyslogSeverity

        public init(next: InterceptionReconciler.Apply?, report: String, severity: SyslogSeverity) {
            self.next = next
            self.report = report
            self.severity = severity
        }
    }

    public let startup: InterceptionStartup
    public let smtpListenerPort: UInt16
    public let pop3ListenerPort: UInt16
    /// The implicit-TLS listeners' ports; nil: that listener does not run, so its ports
    /// (`mail security port tls smtp|pop`) are not diverted.
    public let smtpsListenerPort: UInt16?
    public let pop3sListenerPort: UInt16?
    public private(set) var reconciler = InterceptionReconciler()
    /// Rules are touched only once appliance mode has been in force in this run: in external
    /// and off modes the box never runs nft.
    public private(set) var managesRules = false
    public private(set) var mode: InterceptionSetting = .off
    public private(set) var outcome = "starting"
    /// Configuration changes are ignored until the listeners are up (`activate`) and after
    /// the daemon began to stop (`shutdown`).
    public private(set) var active = false
    /// Sessions of a family not intercepted, from the kernel's counter.
    private var tally = UninspectedSessionTally()

    public init(startup: InterceptionStartup, smtpListenerPort: UInt16, pop3ListenerPort: UInt16,
                smtpsListenerPort: UInt16? = nil, pop3sListenerPort: UInt16? = nil) {
        self.startup = startup
        self.smtpListenerPort = smtpListenerPort
        self.pop3ListenerPort = pop3ListenerPort
        self.smtpsListenerPort = smtpsListenerPort
        self.pop3sListenerPort = pop3sListenerPort
    }

    /// The transparent listeners are up: follow `configuration` from now on.
    public mutating func activate(_ configuration: Configuration) -> InterceptionReconciler.Apply? {
        active = true
        return configurationChanged(configuration)
    }

    /// The configuration changed (or was loaded).
    public mutating func configurationChanged(_ configuration: Configuration) -> InterceptionReconciler.Apply? {
        guard active else { return nil }
        mode = startup.effective(configuration)
        if mode == .appliance { managesRules = true }
        guard managesRules, let plan = plan(for: configuration, mode: mode) else {
            outcome = mode == .external ? "rules managed elsewhere" : "nothing intercepted"
            return nil
        }
        return reconciler.want(plan)
    }

    /// The apply of `plan` (as the reconciler handed it out) ended; `failure` says why it failed.
    public mutating func applyEnded(_ plan: InterceptionPlan, failure: String?) -> Ended {
        let report: String
        var severity = SyslogSeverity.info
        if let failure {
            let what = plan.enabled ? "load" : "remove"
            outcome = "FAILED to \(what) the rules: \(failure)"
            report = "interception: cannot \(what) the rules: \(failure)"
            severity = .error
        } else {
            tally.restarted()
            outcome = switch (plan.enabled, mode) {
            case (true, _): "rules loaded (\(Self.ports(plan)))"
                + (RulesetRenderer.uninspectedFamilies(plan).isEmpty ? "" : ", IPv4 only: IPv6 counted, not inspected")
            case (false, .appliance): "no rules (mail security use off)"
            case (false, .external): "rules managed elsewhere"
            case (false, .off): "nothing intercepted"
            }
            report = plan.enabled
                ? "interception rules loaded: \(plan.mode.rawValue) \(plan.lan1)-\(plan.lan2), \(Self.ports(plan))"
                : "interception rules removed"
        }
        return Ended(next: reconciler.finished(plan, succeeded: failure == nil), report: report, severity: severity)
    }

    /// The daemon stops: nothing new is applied, and the rules are removed (retried even if
    /// removing failed before: this is the last chance).
    public mutating func shutdown() -> InterceptionReconciler.Apply? {
        active = false
        guard managesRules, let portMap = startup.portMap?.map else { return nil }
        let removal = InterceptionPlan(portMap: portMap, smtpListenerPort: smtpListenerPort,
                                       pop3ListenerPort: pop3ListenerPort, enabled: false)
            .withImplicitTLSListeners(smtps: smtpsListenerPort, pop3s: pop3sListenerPort)
        return reconciler.want(removal, retryingFailure: true)
    }

    /// The family whose mail crosses uninspected under the rules in place, if any.
    public var uninspectedFamily: AddressFamily? {
        reconciler.installed.flatMap { RulesetRenderer.uninspectedFamilies($0).first }
    }

    /// A reading of the kernel's uninspected-session counter → the sessions new since the last.
    public mutating func uninspectedReading(_ packets: UInt64?) -> UInt64 {
        tally.reading(packets)
    }

    /// `show status mail security`'s Interception row.
    public var statusLine: String {
        var words = [mode.rawValue]
        if let portMap = startup.portMap?.map, mode == .appliance {
            words.append("\(portMap.mode.rawValue) \(portMap.lan1)-\(portMap.lan2):")
        } else {
            words[0] += ":"
        }
        words.append(outcome)
        return words.joined(separator: " ")
    }

    /// The rules `configuration` wants in `mode` (a disabled plan removes them); nil without a
    /// port map.
    private func plan(for configuration: Configuration, mode: InterceptionSetting) -> InterceptionPlan? {
        guard let portMap = startup.portMap?.map else { return nil }
        // The implicit-TLS ports only where their listener runs: diverted elsewhere, such a
        // session would meet a listener expecting plaintext.
        return InterceptionPlan(portMap: portMap,
                                smtpPorts: configuration.smtpPorts.compactMap(UInt16.init(exactly:)),
                                pop3Ports: configuration.pop3Ports.compactMap(UInt16.init(exactly:)),
                                smtpsPorts: smtpsListenerPort == nil ? [] : configuration.smtpsPorts.compactMap(UInt16.init(exactly:)),
                                pop3sPorts: pop3sListenerPort == nil ? [] : configuration.pop3sPorts.compactMap(UInt16.init(exactly:)),
                                smtpListenerPort: smtpListenerPort, pop3ListenerPort: pop3ListenerPort,
                                enabled: mode == .appliance && configuration.mailSecurityEnabled,
                                families: configuration.interceptsIPv6 ? Set(AddressFamily.allCases) : [.ipv4])
            .withImplicitTLSListeners(smtps: smtpsListenerPort, pop3s: pop3sListenerPort)
    }

    /// `SMTP 25 587, POP3 110, SMTP TLS 465, POP3 TLS 995`: the kinds with ports.
    private static func ports(_ plan: InterceptionPlan) -> String {
        plan.routes.filter { !$0.ports.isEmpty }
            .map { "\($0.name) " + $0.ports.map(String.init).joined(separator: " ") }
            .joined(separator: ", ")
    }
}

extension InterceptionPlan {
    /// The plan with the implicit-TLS listeners' ports, where they run.
    fileprivate func withImplicitTLSListeners(smtps: UInt16?, pop3s: UInt16?) -> InterceptionPlan {
        var plan = self
        if let smtps { plan.smtpsListenerPort = smtps }
        if let pop3s { plan.pop3sListenerPort = pop3s }
        return plan
    }
}

import ApplianceConfig
import PacketLayer

/// Decided once at start from the command line: where the interception mode comes from, the
/// port map, and whether the transparent listeners run.
///
/// A daemon given no interception flag follows the configuration's `mail security
/// interception` only when there is a port map: on a machine without the firmware's port map
/// (a development machine, the tests) it never loads netfilter rules unless asked to.
public struct InterceptionStartup: Sendable {
    public enum Source: Sendable, Equatable {
        /// Fixed for the daemon's life; `why` names the flags that fixed it.
        case fixed(InterceptionSetting, why: String)
        /// `mail security interception`, followed live.
        case configuration
    }

    public var source: Source
    public var portMap: (map: PortMap, origin: String)?

    public init(source: Source, portMap: (map: PortMap, origin: String)?) {
        self.source = source
        self.portMap = portMap
    }

    /// - Parameters:
    ///   - flag: `--interception`, when given.
    ///   - transparentListenerGiven: a `--…-transparent` listener was given.
    ///   - explicitProxyGiven: a `--…-listen` proxy was given.
    public static func decide(interception flag: InterceptionSetting?, portMap: (map: PortMap, origin: String)?,
                              transparentListenerGiven: Bool, explicitProxyGiven: Bool) throws(InterceptionStartupError) -> InterceptionStartup {
        let source: Source
        if let flag {
            source = .fixed(flag, why: "--interception")
        } else if transparentListenerGiven {
            source = .fixed(.external, why: "--smtp-transparent/--pop3-transparent without --interception")
        } else if explicitProxyGiven {
            source = .fixed(.off, why: "--smtp-listen/--pop3-listen without --interception")
        } else if portMap == nil {
            source = .fixed(.off, why: "no port map")
        } else {
            source = .configuration
        }
        if case .fixed(.appliance, _) = source, portMap == nil {
            throw InterceptionStartupError(description: "--interception appliance needs a port map: --portmap FILE, the firmware's file, or --lan1 IF --lan2 IF")
        }
        return InterceptionStartup(source: source, portMap: portMap)
    }

    /// The transparent listeners run unless interception is off for good; when the mode
    /// follows the configuration they run all along, so a live switch needs no restart.
    public var runsTransparentListeners: Bool {
        switch source {
        case .fixed(let setting, _): setting != .off
        case .configuration: true
        }
    }

    /// Appliance mode is, or may become (live), the mode in force.
    public var mayLoadRules: Bool {
        switch source {
        case .fixed(let setting, _): setting == .appliance
        case .configuration: true
        }
    }

    /// Where TPROXY delivers: the listeners given; with none given, all at the defaults.
    /// Appliance rules divert every kind, so there a missing one takes its default. No
    /// transparent listener at all when interception is off for good.
    public func transparentListeners(given: TransparentListeners, defaults: TransparentListeners) -> TransparentListeners {
        guard runsTransparentListeners else { return TransparentListeners() }
        let allByDefault = given == TransparentListeners() || mayLoadRules
        func pick(_ listener: KeyPath<TransparentListeners, String?>) -> String? {
            given[keyPath: listener] ?? (allByDefault ? defaults[keyPath: listener] : nil)
        }
        return TransparentListeners(smtp: pick(\.smtp), pop3: pick(\.pop3), smtps: pick(\.smtps), pop3s: pick(\.pop3s))
    }

    /// The mode in force under `configuration`.
    public func effective(_ configuration: Configuration) -> InterceptionSetting {
        switch source {
        case .fixed(let setting, _): setting
        case .configuration: configuration.interception
        }
    }

    public var sourceDescription: String {
        switch source {
        case .fixed(let setting, let why): "\(setting.rawValue) (\(why))"
        case .configuration: "from the configuration ('mail security interception')"
        }
    }

    /// The start-up line: where the mode comes from and which port map is in use.
    public var startupLine: String {
        "interception \(sourceDescription)"
            + (portMap.map { ", port map \($0.origin): \($0.map.mode.rawValue) lan1 \($0.map.lan1) lan2 \($0.map.lan2)" } ?? "")
    }
}

/// The transparent listeners (`ADDR:PORT`, or one per IP version on one port): SMTP, POP3, and
/// the implicit-TLS SMTP and POP3 ports' own (`--smtps-transparent`, `--pop3s-transparent`).
public struct TransparentListeners: Sendable, Equatable {
    public var smtp: String?
    public var pop3: String?
    public var smtps: String?
    public var pop3s: String?

    public init(smtp: String? = nil, pop3: String? = nil, smtps: String? = nil, pop3s: String? = nil) {
        self.smtp = smtp
        self.pop3 = pop3
        self.smtps = smtps
        self.pop3s = pop3s
    }
}

/// Why the daemon cannot intercept as its command line asks; it refuses to start.
public struct InterceptionStartupError: Error, Equatable, CustomStringConvertible {
    public var description: String

    public init(description: String) { self.description = description }
}

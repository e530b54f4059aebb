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
    ///   - transparentListenerGiven: `--smtp-transparent` or `--pop3-transparent` was given.
    ///   - explicitProxyGiven: `--smtp-listen` or `--pop3-listen` was given.
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

    /// Where TPROXY delivers: the listeners given; with none given, both at the defaults.
    /// Appliance rules divert both protocols, so there a missing one takes its default. No
    /// transparent listener at all when interception is off for good.
    public func transparentListeners(smtp: String?, pop3: String?, smtpDefault: String,
                                     pop3Default: String) -> (smtp: String?, pop3: String?) {
        guard runsTransparentListeners else { return (nil, nil) }
        let bothByDefault = (smtp == nil && pop3 == nil) || mayLoadRules
        return (smtp ?? (bothByDefault ? smtpDefault : nil), pop3 ?? (bothByDefault ? pop3Default : nil))
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

/// Why the daemon cannot intercept as its command line asks; it refuses to start.
public struct InterceptionStartupError: Error, Equatable, CustomStringConvertible {
    public var description: String

    public init(description: String) { self.description = description }
}

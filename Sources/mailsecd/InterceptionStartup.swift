import ApplianceConfig
import ArgumentParser
import PacketLayer

/// Decided once at start from the command line: where the interception mode comes from, the
/// port map, and whether the transparent listeners run.
///
/// A daemon given no interception flag follows the configuration's `mail security
/// interception` only when there is a port map: on a machine without the firmware's port map
/// (a development machine, the tests) it never loads netfilter rules unless asked to.
struct InterceptionStartup {
    enum Source: Equatable {
        /// Fixed for the daemon's life; `why` names the flags that fixed it.
        case fixed(InterceptionSetting, why: String)
        /// `mail security interception`, followed live.
        case configuration
    }

    var source: Source
    var portMap: (map: PortMap, origin: String)?

    static func decide(_ options: InterceptionOptions, transparentListenerGiven: Bool,
                       explicitProxyGiven: Bool) throws -> InterceptionStartup {
        let portMap = try options.resolvedPortMap()
        let source: Source
        if let flag = options.interception {
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
            throw ValidationError("--interception appliance needs a port map: --portmap FILE, the firmware's file, or --lan1 IF --lan2 IF")
        }
        return InterceptionStartup(source: source, portMap: portMap)
    }

    /// The transparent listeners run unless interception is off for good; when the mode
    /// follows the configuration they run all along, so a live switch needs no restart.
    var runsTransparentListeners: Bool {
        switch source {
        case .fixed(let setting, _): setting != .off
        case .configuration: true
        }
    }

    /// Appliance mode is, or may become (live), the mode in force.
    var mayLoadRules: Bool {
        switch source {
        case .fixed(let setting, _): setting == .appliance
        case .configuration: true
        }
    }

    /// The mode in force under `configuration`.
    func effective(_ configuration: Configuration) -> InterceptionSetting {
        switch source {
        case .fixed(let setting, _): setting
        case .configuration: configuration.interception
        }
    }

    var sourceDescription: String {
        switch source {
        case .fixed(let setting, let why): "\(setting.rawValue) (\(why))"
        case .configuration: "from the configuration ('mail security interception')"
        }
    }
}

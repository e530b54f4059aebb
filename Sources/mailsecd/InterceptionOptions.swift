import ApplianceConfig
import ArgumentParser
import ControlPlane
import Interception
import PacketLayer

extension InterceptionSetting: ExpressibleByArgument {}
extension InterceptionMode: ExpressibleByArgument {}

/// `mailsecd`'s interception flags: who diverts crossing mail to the transparent listeners,
/// and which interfaces LAN1 and LAN2 are (docs/interception.md).
struct InterceptionOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "appliance|external|off: who diverts mail crossing LAN1 and LAN2 to the transparent proxies.",
        discussion: "Overrides the configuration's 'mail security interception'. Without it: external when a transparent listener (--smtp-transparent, --pop3-transparent, --smtps-transparent, --pop3s-transparent) is given, off when only explicit proxies (--smtp-listen, --pop3-listen, --smtps-listen, --pop3s-listen) are, else the configuration's setting (default appliance), which needs a port map."))
    var interception: InterceptionSetting?

    @Option(help: "Port map: which interfaces are LAN1 and LAN2, router or bridge mode (default: \(FirmwareDefaults.portMapPath)).")
    var portmap: String?

    @Option(help: "The LAN1 interface (overrides the port map).")
    var lan1: String?

    @Option(help: "The LAN2 interface (overrides the port map).")
    var lan2: String?

    @Option(help: "router|bridge (overrides the port map).")
    var mode: InterceptionMode?

    @Option(help: "Bridge mode: the bridge holding LAN1 and LAN2 (overrides the port map).")
    var bridge: String?

    /// The start-up decision; a command line the daemon cannot follow is a usage error.
    func startup(transparentListenerGiven: Bool, explicitProxyGiven: Bool) throws -> InterceptionStartup {
        do {
            let source = PortMapSource(path: portmap, firmwarePath: FirmwareDefaults.portMapPath,
                                       lan1: lan1, lan2: lan2, mode: mode, bridge: bridge)
            return try InterceptionStartup.decide(interception: interception, portMap: try source.resolve(),
                                                  transparentListenerGiven: transparentListenerGiven,
                                                  explicitProxyGiven: explicitProxyGiven)
        } catch {
            throw ValidationError("\(error)")
        }
    }
}

import ApplianceConfig
import ArgumentParser
import ControlPlane
import Foundation
import PacketLayer

extension InterceptionSetting: ExpressibleByArgument {}
extension InterceptionMode: ExpressibleByArgument {}

/// `mailsecd`'s interception flags: who diverts crossing mail to the transparent listeners,
/// and which interfaces LAN1 and LAN2 are (docs/interception.md).
struct InterceptionOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "appliance|external|off: who diverts mail crossing LAN1 and LAN2 to the transparent proxies.",
        discussion: "Overrides the configuration's 'mail security interception'. Without it: external when --smtp-transparent/--pop3-transparent are given, off when only --smtp-listen/--pop3-listen are, else the configuration's setting (default appliance), which needs a port map."))
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

    /// The port map to use: `--portmap`, else the firmware's file if it exists, else the
    /// firmware's default map when an override names an interface or the mode; the overrides
    /// applied on top. nil: there is none (a development machine, a test).
    func resolvedPortMap() throws -> (map: PortMap, origin: String)? {
        var map: PortMap
        var origin: String
        if let portmap {
            map = try Self.read(portmap)
            origin = portmap
        } else if FileManager.default.fileExists(atPath: FirmwareDefaults.portMapPath) {
            map = try Self.read(FirmwareDefaults.portMapPath)
            origin = FirmwareDefaults.portMapPath
        } else if lan1 != nil || lan2 != nil || mode != nil || bridge != nil {
            map = PortMap.default
            origin = "command line"
        } else {
            return nil
        }
        if let lan1 { map.lan1 = lan1 }
        if let lan2 { map.lan2 = lan2 }
        if let mode { map.mode = mode }
        if let bridge { map.bridge = bridge }
        // The same checks as the file's own: a typo in an override must not reach nft.
        let checked = try Self.parse(map.fileText, from: origin + " with overrides")
        return (checked, origin)
    }

    private static func read(_ path: String) throws -> PortMap {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw ValidationError("cannot read the port map \(path): \(error.localizedDescription)")
        }
        return try parse(text, from: path)
    }

    private static func parse(_ text: String, from origin: String) throws -> PortMap {
        do { return try PortMap.parse(text) } catch {
            throw ValidationError("\(origin): \(error)")
        }
    }
}

extension PortMap {
    /// The map as a port map file says it.
    var fileText: String { "mode \(mode.rawValue)\nlan1 \(lan1)\nlan2 \(lan2)\nbridge \(bridge)\n" }
}

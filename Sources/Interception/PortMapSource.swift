import Foundation
import PacketLayer

/// Which port map the daemon uses: a file named on the command line, else the firmware's file
/// if it exists, else the default map when an override names an interface or the mode; the
/// overrides applied on top (docs/interception.md).
public struct PortMapSource: Sendable {
    /// `--portmap`.
    public var path: String?
    /// The firmware's own file, used when it exists and no path is given.
    public var firmwarePath: String
    /// `--lan1`, `--lan2`, `--mode`, `--bridge`.
    public var lan1: String?
    public var lan2: String?
    public var mode: InterceptionMode?
    public var bridge: String?

    public init(path: String?, firmwarePath: String, lan1: String? = nil, lan2: String? = nil,
                mode: InterceptionMode? = nil, bridge: String? = nil) {
        self.path = path
        self.firmwarePath = firmwarePath
        self.lan1 = lan1
        self.lan2 = lan2
        self.mode = mode
        self.bridge = bridge
    }

    /// The map and where it came from; nil: there is none (a development machine, a test).
    public func resolve() throws(InterceptionStartupError) -> (map: PortMap, origin: String)? {
        var map: PortMap
        var origin: String
        if let path {
            map = try Self.read(path)
            origin = path
        } else if FileManager.default.fileExists(atPath: firmwarePath) {
            map = try Self.read(firmwarePath)
            origin = firmwarePath
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

    private static func read(_ path: String) throws(InterceptionStartupError) -> PortMap {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw InterceptionStartupError(description: "cannot read the port map \(path): \(error.localizedDescription)")
        }
        return try parse(text, from: path)
    }

    private static func parse(_ text: String, from origin: String) throws(InterceptionStartupError) -> PortMap {
        do { return try PortMap.parse(text) } catch {
            throw InterceptionStartupError(description: "\(origin): \(error)")
        }
    }
}

extension PortMap {
    /// The map as a port map file says it.
    public var fileText: String { "mode \(mode.rawValue)\nlan1 \(lan1)\nlan2 \(lan2)\nbridge \(bridge)\n" }
}

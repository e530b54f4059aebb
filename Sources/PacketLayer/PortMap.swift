// The firmware's port map (`firmware/portmap`): which network interfaces are LAN1 and LAN2,
// and whether the box routes or bridges between them. Pure parser.
//
//   # comment (also after a value)
//   mode router|bridge
//   lan1 IFNAME
//   lan2 IFNAME
//   bridge IFNAME        (bridge mode; default br0)

public struct PortMap: Sendable, Equatable {
    public var mode: InterceptionMode
    public var lan1: String
    public var lan2: String
    public var bridge: String

    public init(mode: InterceptionMode = .router, lan1: String = "eth0", lan2: String = "eth1", bridge: String = "br0") {
        self.mode = mode
        self.lan1 = lan1
        self.lan2 = lan2
        self.bridge = bridge
    }

    /// The map the firmware ships (`firmware/portmap` holds the same).
    public static let `default` = PortMap()

    public static let defaultFileText = """
        # Port map: which network interfaces are the appliance's ports.
        # mode router: LAN1 and LAN2 are different subnets, the box routes between them.
        # mode bridge: LAN1 and LAN2 are ports of one bridge (one subnet).
        mode router
        lan1 eth0
        lan2 eth1
        bridge br0

        """

    public static func parse(_ text: String) throws(PortMapError) -> PortMap {
        var map = PortMap()
        var seen: [String: Int] = [:]
        var lineNumber = 0
        for rawLine in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
            lineNumber += 1
            var line = Substring(rawLine)
            if let hash = line.firstIndex(of: "#") { line = line[..<hash] }
            let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" }).map(String.init)
            guard let key = words.first else { continue }
            guard words.count == 2 else {
                throw PortMapError(line: lineNumber, message: "expected '\(key) VALUE', found \(words.count - 1) values")
            }
            let value = words[1]
            if let first = seen[key] {
                throw PortMapError(line: lineNumber, message: "'\(key)' already set on line \(first)")
            }
            switch key {
            case "mode":
                guard let mode = InterceptionMode(rawValue: value) else {
                    throw PortMapError(line: lineNumber, message: "mode must be router or bridge, not '\(value)'")
                }
                map.mode = mode
            case "lan1", "lan2", "bridge":
                guard InterceptionPlan.isInterfaceName(value) else {
                    throw PortMapError(line: lineNumber, message: "bad interface name '\(value)'")
                }
                switch key {
                case "lan1": map.lan1 = value
                case "lan2": map.lan2 = value
                default: map.bridge = value
                }
            default:
                throw PortMapError(line: lineNumber, message: "unknown key '\(key)' (mode, lan1, lan2, bridge)")
            }
            seen[key] = lineNumber
        }
        let names = [("lan1", map.lan1), ("lan2", map.lan2), ("bridge", map.bridge)]
        for i in names.indices {
            for j in names.indices where j > i && names[i].1 == names[j].1 {
                let line = max(seen[names[i].0] ?? 0, seen[names[j].0] ?? 0)
                throw PortMapError(line: line, message: "\(names[i].0) and \(names[j].0) are both '\(names[i].1)'")
            }
        }
        return map
    }
}

public struct PortMapError: Error, Equatable, CustomStringConvertible {
    /// 1-based; 0 when no line is to blame.
    public var line: Int
    public var message: String

    public var description: String { line > 0 ? "portmap line \(line): \(message)" : "portmap: \(message)" }
}

extension InterceptionPlan {
    /// The plan for the interfaces of `portMap` (the bridge and its MAC only in bridge mode).
    public init(portMap: PortMap, bridgeMAC: String? = nil,
                smtpPorts: [UInt16] = [25], pop3Ports: [UInt16] = [110],
                smtpsPorts: [UInt16] = [], pop3sPorts: [UInt16] = [],
                smtpListenerPort: UInt16 = 10025, pop3ListenerPort: UInt16 = 10110,
                smtpsListenerPort: UInt16 = 10465, pop3sListenerPort: UInt16 = 10995,
                fwmark: UInt32 = 1, routingTable: UInt32 = 100, enabled: Bool = true,
                families: Set<AddressFamily> = Set(AddressFamily.allCases)) {
        self.init(mode: portMap.mode, lan1: portMap.lan1, lan2: portMap.lan2,
                  bridge: portMap.mode == .bridge ? portMap.bridge : nil,
                  bridgeMAC: portMap.mode == .bridge ? bridgeMAC : nil,
                  smtpPorts: smtpPorts, pop3Ports: pop3Ports, smtpsPorts: smtpsPorts, pop3sPorts: pop3sPorts,
                  smtpListenerPort: smtpListenerPort, pop3ListenerPort: pop3ListenerPort,
                  smtpsListenerPort: smtpsListenerPort, pop3sListenerPort: pop3sListenerPort,
                  fwmark: fwmark, routingTable: routingTable, enabled: enabled, families: families)
    }
}

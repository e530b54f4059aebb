// What the packet layer must do to divert mail traffic crossing LAN1⇔LAN2 into the
// appliance's transparent listeners. Pure value: `RulesetRenderer` turns it into an
// `nft -f` file and policy-routing commands, `NetfilterApplier` runs them.

/// Router mode: LAN1 and LAN2 are different subnets and the box routes between them.
/// Bridge mode: LAN1 and LAN2 are ports of one bridge (one subnet).
public enum InterceptionMode: String, Sendable, Equatable, CaseIterable {
    case router
    case bridge
}

/// The IP versions whose mail is diverted. Both by default: in a dual-stack office clients try
/// IPv6 first (RFC 8305), so IPv4 alone would let most mail pass uninspected.
public enum AddressFamily: String, Sendable, Equatable, Hashable, CaseIterable, Comparable {
    case ipv4
    case ipv6

    public static func < (a: AddressFamily, b: AddressFamily) -> Bool { a.rawValue < b.rawValue }
}

public struct InterceptionPlan: Sendable, Equatable {
    public var mode: InterceptionMode
    /// Interface names of the two ports (in bridge mode: the bridge's ports).
    public var lan1: String
    public var lan2: String
    /// Bridge mode only: the bridge device holding `lan1` and `lan2`, and its own MAC address
    /// (mail frames get this destination MAC so the bridge passes them up to the IP stack).
    public var bridge: String?
    public var bridgeMAC: String?
    /// TCP destination ports diverted to the SMTP and POP3 listeners (1 to 4 each).
    public var smtpPorts: [UInt16]
    public var pop3Ports: [UInt16]
    /// The implicit-TLS ports (RFC 8314: 465, 995), diverted to listeners of their own whose
    /// sessions speak TLS from the first byte (0 to 4 each; none: not diverted).
    public var smtpsPorts: [UInt16]
    public var pop3sPorts: [UInt16]
    /// The transparent (IP_TRANSPARENT) listeners' local ports.
    public var smtpListenerPort: UInt16
    public var pop3ListenerPort: UInt16
    public var smtpsListenerPort: UInt16
    public var pop3sListenerPort: UInt16
    /// Packet mark of diverted packets and the routing table that delivers them locally.
    public var fwmark: UInt32
    public var routingTable: UInt32
    /// False: render the removal of everything an enabled plan installs.
    public var enabled: Bool
    /// The IP versions diverted (one or both). A removal removes both whatever this says.
    public var families: Set<AddressFamily>

    public init(mode: InterceptionMode = .router, lan1: String, lan2: String,
                bridge: String? = nil, bridgeMAC: String? = nil,
                smtpPorts: [UInt16] = [25], pop3Ports: [UInt16] = [110],
                smtpsPorts: [UInt16] = [], pop3sPorts: [UInt16] = [],
                smtpListenerPort: UInt16 = 10025, pop3ListenerPort: UInt16 = 10110,
                smtpsListenerPort: UInt16 = 10465, pop3sListenerPort: UInt16 = 10995,
                fwmark: UInt32 = 1, routingTable: UInt32 = 100, enabled: Bool = true,
                families: Set<AddressFamily> = Set(AddressFamily.allCases)) {
        self.mode = mode
        self.lan1 = lan1
        self.lan2 = lan2
        self.bridge = bridge
        self.bridgeMAC = bridgeMAC
        self.smtpPorts = smtpPorts
        self.pop3Ports = pop3Ports
        self.smtpsPorts = smtpsPorts
        self.pop3sPorts = pop3sPorts
        self.smtpListenerPort = smtpListenerPort
        self.pop3ListenerPort = pop3ListenerPort
        self.smtpsListenerPort = smtpsListenerPort
        self.pop3sListenerPort = pop3sListenerPort
        self.fwmark = fwmark
        self.routingTable = routingTable
        self.enabled = enabled
        self.families = families
    }

    /// The plan that removes what any enabled plan with the same mark and table installed.
    public var disabled: InterceptionPlan {
        var copy = self
        copy.enabled = false
        return copy
    }

    /// Checks everything the renderer writes into nft text or command arguments.
    public func validate() throws(InterceptionPlanError) {
        guard fwmark != 0 else { throw .invalid("fwmark must not be 0") }
        // 0 (unspec), 253 (default), 254 (main), 255 (local) are the kernel's own tables.
        guard ![0, 253, 254, 255].contains(routingTable) else {
            throw .invalid("routing table \(routingTable) is reserved")
        }
        guard enabled else { return }
        guard !families.isEmpty else { throw .invalid("no address family to intercept") }
        for (name, value) in [("lan1", lan1), ("lan2", lan2)] {
            guard Self.isInterfaceName(value) else { throw .invalid("\(name): bad interface name '\(value)'") }
        }
        guard lan1 != lan2 else { throw .invalid("lan1 and lan2 are the same interface '\(lan1)'") }
        for route in routes {
            let (name, ports) = (route.name, route.ports)
            let least = route.implicitTLS ? 0 : 1
            guard (least...4).contains(ports.count) else { throw .invalid("\(name): \(least) to 4 ports, not \(ports.count)") }
            guard !ports.contains(0) else { throw .invalid("\(name): port 0") }
            guard Set(ports).count == ports.count else { throw .invalid("\(name): duplicate port") }
        }
        // A port in two lists would go to whichever rule came first, and two kinds on one listener
        // would be relayed as one protocol.
        let used = routes.filter { !$0.ports.isEmpty }
        for (index, route) in used.enumerated() {
            for other in used[(index + 1)...] {
                if let shared = Set(route.ports).intersection(other.ports).min() {
                    throw .invalid("port \(shared) is both \(route.article) \(route.name) and \(other.article) \(other.name) port")
                }
                guard route.listenerPort != other.listenerPort else {
                    throw .invalid("\(route.name) and \(other.name) listeners share port \(route.listenerPort)")
                }
            }
            guard route.listenerPort != 0 else { throw .invalid("listener port 0") }
        }
        if mode == .bridge {
            guard let bridge, Self.isInterfaceName(bridge) else {
                throw .invalid("bridge mode needs the bridge interface name")
            }
            guard bridge != lan1, bridge != lan2 else { throw .invalid("bridge '\(bridge)' is also a port") }
            guard let bridgeMAC, Self.isMAC(bridgeMAC) else {
                throw .invalid("bridge mode needs the bridge's MAC address (xx:xx:xx:xx:xx:xx)")
            }
        }
    }

    /// One kind of diverted mail: its name (in rule comments and errors), the ports diverted, the
    /// listener they go to, and whether it speaks TLS from the first byte.
    public struct Route: Sendable, Equatable {
        public var name: String
        /// The word of the rules' comments: smtp, pop3, smtps, pop3s.
        public var tag: String
        public var ports: [UInt16]
        public var listenerPort: UInt16
        public var implicitTLS: Bool

        /// "an SMTP", "a POP3".
        var article: String { name.hasPrefix("S") ? "an" : "a" }
    }

    /// SMTP, POP3, then the implicit-TLS SMTP and POP3 ports, in the order the rules list them
    /// (those without ports included).
    public var routes: [Route] {
        [Route(name: "SMTP", tag: "smtp", ports: smtpPorts, listenerPort: smtpListenerPort, implicitTLS: false),
         Route(name: "POP3", tag: "pop3", ports: pop3Ports, listenerPort: pop3ListenerPort, implicitTLS: false),
         Route(name: "SMTP TLS", tag: "smtps", ports: smtpsPorts, listenerPort: smtpsListenerPort, implicitTLS: true),
         Route(name: "POP3 TLS", tag: "pop3s", ports: pop3sPorts, listenerPort: pop3sListenerPort, implicitTLS: true)]
    }

    /// Every port diverted, in the order of `routes`.
    public var allPorts: [UInt16] { routes.flatMap(\.ports) }

    /// Linux interface names: 1–15 bytes, no '/', whitespace, quotes or ':'.
    static func isInterfaceName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard (1...15).contains(bytes.count), name != ".", name != ".." else { return false }
        return bytes.allSatisfy { b in
            (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a)
                || b == UInt8(ascii: "-") || b == UInt8(ascii: "_") || b == UInt8(ascii: ".") || b == UInt8(ascii: "@")
        }
    }

    static func isMAC(_ text: String) -> Bool {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        return parts.count == 6 && parts.allSatisfy { $0.count == 2 && UInt8($0, radix: 16) != nil }
    }
}

public enum InterceptionPlanError: Error, Equatable, CustomStringConvertible {
    case invalid(String)

    public var description: String {
        switch self {
        case .invalid(let why): "invalid interception plan: \(why)"
        }
    }
}

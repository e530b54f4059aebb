// InterceptionPlan → the text of one `nft -f` file and the policy-routing commands. Pure.
//
// The nft file replaces our own tables atomically (one transaction) and touches nothing else.
// nft 1.0.6 (Debian 12) has no `destroy table`, so each table is first declared (a no-op if it
// exists), then deleted, then defined afresh; the same two lines remove a table that may or may
// not exist.
//
// Router mode ("crossing" = entering on one port and routed out of the other):
//   inet prerouting: iifname LAN1 fib daddr oifname LAN2 th dport {ports} → mark + tproxy, one
//   rule per kind of listener (SMTP, POP3, and the implicit-TLS SMTP and POP3 ports),
//   and the mirror rule; the FIB lookup ignores the mark, so it says where the packet would
//   have been routed. Packets addressed to the box itself route to no port and are left alone.
// Bridge mode (a bridged frame never reaches IP prerouting; no broute in this kernel):
//   bridge prerouting: frames entering on LAN1 or LAN2 with TCP to or from a mail port and not
//   already addressed to the bridge get the mark, the bridge's MAC as destination and packet
//   type "host", so the bridge passes them up to its own IP stack; inet prerouting then
//   tproxies the marked ones arriving on the bridge device.
// Both modes: packets of the appliance's own transparent sockets (the accepted client halves,
// and the server's replies to connections made from the client's address) are marked so the
// policy route delivers them locally.

public enum RulesetRenderer {
    public static let tableName = "mailsec"
    /// Bridge mode: how long a MAC learnt behind a port is kept without a frame from it (the
    /// Linux bridge ages its forwarding table after 300 s; longer here, so a quiet mail server
    /// is still known when the next poll comes) and how many each port may learn.
    static let learnedHostTimeout = "30m"
    static let learnedHostLimit = 65536

    /// What `NetfilterApplier` runs: `nftScript` through `nft -f -`, then `commands` in order.
    public struct Ruleset: Sendable, Equatable {
        public var nftScript: String
        public var commands: [SystemCommand]
    }

    public static func render(_ plan: InterceptionPlan) throws(InterceptionPlanError) -> Ruleset {
        try plan.validate()
        return Ruleset(nftScript: nftScript(plan), commands: systemCommands(plan))
    }

    /// The full text of the `nft -f` file (call `render` to validate first).
    public static func nftScript(_ plan: InterceptionPlan) -> String {
        var out: [String] = []
        let modeName = plan.enabled ? "\(plan.mode.rawValue) mode" : "off"
        out.append("# Mail interception (\(modeName)). Generated; replaced as a whole on every change.")
        // Remove both of our tables whatever the mode: switching modes leaves nothing behind.
        for family in ["inet", "bridge"] {
            out.append("table \(family) \(tableName) {}")
            out.append("delete table \(family) \(tableName)")
        }
        guard plan.enabled else { return out.joined(separator: "\n") + "\n" }

        let mark = hex(plan.fwmark)
        let allPorts = plan.allPorts
        // The implicit-TLS ports have listeners of their own (TLS from the first byte); a kind
        // without ports has no rule.
        let routes = plan.routes.filter { !$0.ports.isEmpty }.map { ($0.ports, $0.listenerPort, $0.tag) }
        // One rule serves both families where it can: in the inet table `tproxy to :PORT` takes
        // the packet's own family (kernel 4.18 and later), and `meta l4proto tcp` still matches
        // IPv6 packets with extension headers, where `ip6 nexthdr tcp` would not.
        let family = familyMatch(plan.families), tproxy = tproxyStatement(plan.families)
        var inet: [String] = []
        switch plan.mode {
        case .router:
            inet.append("\(iifnames([plan.lan1, plan.lan2])) \(family)meta l4proto tcp socket transparent 1 meta mark set \(mark) accept comment \"transparent sockets\"")
            for (from, to) in [(plan.lan1, plan.lan2), (plan.lan2, plan.lan1)] {
                for (ports, listener, name) in routes {
                    inet.append("iifname \(quote(from)) fib daddr oifname \(quote(to)) \(family)meta l4proto tcp th dport \(set(ports)) meta mark set \(mark) \(tproxy) :\(listener) accept comment \"\(name) \(from) to \(to)\"")
                }
                for passing in uninspectedFamilies(plan) {
                    inet.append("iifname \(quote(from)) fib daddr oifname \(quote(to)) meta nfproto \(passing.rawValue) meta l4proto tcp th dport \(set(allPorts)) \(newSession) counter name \"\(uninspectedCounter)\" comment \"\(passing.rawValue) mail \(from) to \(to), not intercepted\"")
                }
            }
        case .bridge:
            let bridge = plan.bridge ?? ""
            inet.append("iifname \(quote(bridge)) \(family)meta l4proto tcp socket transparent 1 meta mark set \(mark) accept comment \"transparent sockets\"")
            for (ports, listener, name) in routes {
                inet.append("iifname \(quote(bridge)) meta mark \(mark) \(family)meta l4proto tcp th dport \(set(ports)) \(tproxy) :\(listener) accept comment \"\(name) across \(bridge)\"")
            }
        }
        out.append("table inet \(tableName) {")
        if plan.mode == .router, !uninspectedFamilies(plan).isEmpty { out.append(contentsOf: counterDeclaration) }
        out.append(contentsOf: chain("prerouting", hook: "prerouting", priority: "mangle", rules: inet))
        out.append("}")

        if plan.mode == .bridge {
            let mac = (plan.bridgeMAC ?? "").lowercased()
            let ports = allPorts
            // Only frames that cross: each port learns the source MACs behind it (as the bridge's
            // own forwarding table does), and a mail frame is lifted unless its destination is
            // known to sit behind the port it came in on. A flooded frame between two hosts on
            // the same side (a hub, or a switch that has not learnt the address yet) is left to
            // the bridge, which drops it; a destination not learnt yet is lifted (intercepting
            // is the safe side: the proxy reaches the server either way).
            let sides = [(plan.lan1, "lan1_hosts"), (plan.lan2, "lan2_hosts")]
            var bridgeRules: [String] = []
            for (port, hosts) in sides {
                bridgeRules.append("iifname \(quote(port)) update @\(hosts) { ether saddr } comment \"learn the hosts behind \(port)\"")
            }
            for (field, what) in [("dport", "to"), ("sport", "from")] {
                for (port, hosts) in sides {
                    bridgeRules.append("iifname \(quote(port)) ether daddr != \(mac) ether daddr != @\(hosts) \(etherTypes(plan.families)) meta l4proto tcp th \(field) \(set(ports)) meta mark set \(mark) ether daddr set \(mac) meta pkttype set host comment \"mail \(what) a mail port, crossing from \(port), up to the bridge\"")
                }
            }
            for passing in uninspectedFamilies(plan) {
                for (port, hosts) in sides {
                    bridgeRules.append("iifname \(quote(port)) ether daddr != \(mac) ether daddr != @\(hosts) \(etherTypes([passing])) meta l4proto tcp th dport \(set(ports)) \(newSession) counter name \"\(uninspectedCounter)\" comment \"\(passing.rawValue) mail crossing from \(port), not intercepted\"")
                }
            }
            out.append("table bridge \(tableName) {")
            if !uninspectedFamilies(plan).isEmpty { out.append(contentsOf: counterDeclaration) }
            for (_, hosts) in sides {
                // Bounded and aged like a switch's table: a host silent for longer is forgotten.
                out.append("\tset \(hosts) {")
                out.append("\t\ttype ether_addr; flags dynamic, timeout; timeout \(learnedHostTimeout); size \(learnedHostLimit);")
                out.append("\t}")
            }
            out.append(contentsOf: chain("prerouting", hook: "prerouting", priority: "dstnat", rules: bridgeRules))
            out.append("}")
        }
        return out.joined(separator: "\n") + "\n"
    }

    /// Policy routing: marked packets are delivered locally (`local 0.0.0.0/0 dev lo`, and
    /// `local ::/0 dev lo` through `ip -6` for IPv6), for each family of the plan.
    /// Set-up first deletes any copies of our rule, so applying twice leaves exactly one.
    /// Bridge mode also switches br_netfilter's IP hooks off for bridged frames (the setting
    /// exists only while that module is loaded): with them on, a bridged frame passes IP
    /// prerouting on the port, and the IP hooks are skipped when the bridge later passes it up,
    /// so the frame never meets the tproxy rule on the bridge device.
    public static func systemCommands(_ plan: InterceptionPlan) -> [SystemCommand] {
        let mark = hex(plan.fwmark), table = String(plan.routingTable)
        // A removal takes out both families whatever the plan says: a family switched off
        // must not leave its route behind.
        let families = plan.enabled ? plan.families.sorted() : AddressFamily.allCases
        var commands: [SystemCommand] = []
        for family in families {
            let ip = ipCommand(family), anyAddress = family == .ipv4 ? "0.0.0.0/0" : "::/0"
            commands.append(SystemCommand(ip + ["rule", "del", "fwmark", mark, "lookup", table], .repeatUntilFailure))
            guard plan.enabled else {
                commands.append(SystemCommand(ip + ["route", "del", "local", anyAddress, "dev", "lo", "table", table], .ignoreFailure))
                continue
            }
            commands.append(SystemCommand(ip + ["rule", "add", "fwmark", mark, "lookup", table], .mustSucceed))
            commands.append(SystemCommand(ip + ["route", "replace", "local", anyAddress, "dev", "lo", "table", table], .mustSucceed))
        }
        if plan.enabled, plan.mode == .bridge {
            for family in families {
                let hook = family == .ipv4 ? "iptables" : "ip6tables"
                commands.append(SystemCommand(["sysctl", "-qw", "net.bridge.bridge-nf-call-\(hook)=0"], .ignoreFailure))
            }
        }
        return commands
    }

    /// Mail sessions that cross the box in a family the plan does not intercept are counted
    /// (their first packet only) in this named counter, so the bypass is visible in
    /// `show status mail security` rather than silent. In the inet table in router mode, in
    /// the bridge table in bridge mode (bridged frames of that family never reach IP).
    public static let uninspectedCounter = "uninspected"
    private static let newSession = "tcp flags & (syn | ack) == syn"
    private static let counterDeclaration = ["\tcounter \(uninspectedCounter) {", "\t}"]

    /// The families whose mail crosses without interception under `plan`.
    public static func uninspectedFamilies(_ plan: InterceptionPlan) -> [AddressFamily] {
        plan.enabled ? AddressFamily.allCases.filter { !plan.families.contains($0) } : []
    }

    /// The nft table holding the uninspected counter for `mode`.
    public static func uninspectedCounterFamily(_ mode: InterceptionMode) -> String {
        mode == .router ? "inet" : "bridge"
    }

    private static func ipCommand(_ family: AddressFamily) -> [String] {
        family == .ipv4 ? ["ip"] : ["ip", "-6"]
    }

    /// Empty for both families (the rule serves either), else the one family's match.
    private static func familyMatch(_ families: Set<AddressFamily>) -> String {
        families.count == 1 ? "meta nfproto \(families.first!.rawValue) " : ""
    }

    private static func tproxyStatement(_ families: Set<AddressFamily>) -> String {
        switch families.count == 1 ? families.first : nil {
        case .ipv4?: "tproxy ip to"
        case .ipv6?: "tproxy ip6 to"
        case nil: "tproxy to"
        }
    }

    /// Bridge family: the EtherTypes whose frames are lifted (`ip`, `ip6` or both).
    private static func etherTypes(_ families: Set<AddressFamily>) -> String {
        let names = families.sorted().map { $0 == .ipv4 ? "ip" : "ip6" }
        return names.count == 1 ? "ether type \(names[0])" : "ether type { " + names.joined(separator: ", ") + " }"
    }

    private static func chain(_ name: String, hook: String, priority: String, rules: [String]) -> [String] {
        ["\tchain \(name) {",
         "\t\ttype filter hook \(hook) priority \(priority); policy accept;"]
            + rules.map { "\t\t" + $0 }
            + ["\t}"]
    }

    private static func quote(_ name: String) -> String { "\"\(name)\"" }
    private static func iifnames(_ names: [String]) -> String {
        "iifname { " + names.map(quote).joined(separator: ", ") + " }"
    }
    private static func set(_ ports: [UInt16]) -> String {
        "{ " + ports.map(String.init).joined(separator: ", ") + " }"
    }
    static func hex(_ value: UInt32) -> String { "0x" + String(value, radix: 16) }
}

/// One command (`ip` or `sysctl`, by name) of the set-up, with how its failure is treated.
public struct SystemCommand: Sendable, Equatable, CustomStringConvertible {
    public enum Tolerance: String, Sendable, Equatable {
        /// A failure is an error.
        case mustSucceed = "must-succeed"
        /// Failure is fine (removing what may not exist).
        case ignoreFailure = "ignore-failure"
        /// Run until it fails (bounded): removes every copy of a rule.
        case repeatUntilFailure = "repeat-until-failure"
    }

    public var arguments: [String]
    public var tolerance: Tolerance

    public init(_ arguments: [String], _ tolerance: Tolerance) {
        self.arguments = arguments
        self.tolerance = tolerance
    }

    public var description: String { "\(tolerance.rawValue): " + arguments.joined(separator: " ") }
}

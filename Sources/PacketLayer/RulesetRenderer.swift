// InterceptionPlan → the text of one `nft -f` file and the policy-routing commands. Pure.
//
// The nft file replaces our own tables atomically (one transaction) and touches nothing else.
// nft 1.0.6 (Debian 12) has no `destroy table`, so each table is first declared (a no-op if it
// exists), then deleted, then defined afresh; the same two lines remove a table that may or may
// not exist.
//
// Router mode ("crossing" = entering on one port and routed out of the other):
//   inet prerouting: iifname LAN1 fib daddr oifname LAN2 tcp dport {ports} → mark + tproxy,
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
        let routes = [(plan.smtpPorts, plan.smtpListenerPort, "smtp"),
                      (plan.pop3Ports, plan.pop3ListenerPort, "pop3")]
        var inet: [String] = []
        switch plan.mode {
        case .router:
            inet.append("\(iifnames([plan.lan1, plan.lan2])) meta nfproto ipv4 meta l4proto tcp socket transparent 1 meta mark set \(mark) accept comment \"transparent sockets\"")
            for (from, to) in [(plan.lan1, plan.lan2), (plan.lan2, plan.lan1)] {
                for (ports, listener, name) in routes {
                    inet.append("iifname \(quote(from)) fib daddr oifname \(quote(to)) meta nfproto ipv4 tcp dport \(set(ports)) meta mark set \(mark) tproxy ip to :\(listener) accept comment \"\(name) \(from) to \(to)\"")
                }
            }
        case .bridge:
            let bridge = plan.bridge ?? ""
            inet.append("iifname \(quote(bridge)) meta nfproto ipv4 meta l4proto tcp socket transparent 1 meta mark set \(mark) accept comment \"transparent sockets\"")
            for (ports, listener, name) in routes {
                inet.append("iifname \(quote(bridge)) meta mark \(mark) meta nfproto ipv4 tcp dport \(set(ports)) tproxy ip to :\(listener) accept comment \"\(name) across \(bridge)\"")
            }
        }
        out.append("table inet \(tableName) {")
        out.append(contentsOf: chain("prerouting", hook: "prerouting", priority: "mangle", rules: inet))
        out.append("}")

        if plan.mode == .bridge {
            let mac = (plan.bridgeMAC ?? "").lowercased()
            let ports = plan.smtpPorts + plan.pop3Ports
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
                    bridgeRules.append("iifname \(quote(port)) ether daddr != \(mac) ether daddr != @\(hosts) ether type ip tcp \(field) \(set(ports)) meta mark set \(mark) ether daddr set \(mac) meta pkttype set host comment \"mail \(what) a mail port, crossing from \(port), up to the bridge\"")
                }
            }
            out.append("table bridge \(tableName) {")
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

    /// Policy routing: marked packets are delivered locally (`local 0.0.0.0/0 dev lo`).
    /// Set-up first deletes any copies of our rule, so applying twice leaves exactly one.
    /// Bridge mode also switches br_netfilter's IP hooks off for bridged frames (the setting
    /// exists only while that module is loaded): with them on, a bridged frame passes IP
    /// prerouting on the port, and the IP hooks are skipped when the bridge later passes it up,
    /// so the frame never meets the tproxy rule on the bridge device.
    public static func systemCommands(_ plan: InterceptionPlan) -> [SystemCommand] {
        let mark = hex(plan.fwmark), table = String(plan.routingTable)
        let deleteRule = SystemCommand(["ip", "rule", "del", "fwmark", mark, "lookup", table], .repeatUntilFailure)
        guard plan.enabled else {
            return [deleteRule,
                    SystemCommand(["ip", "route", "del", "local", "0.0.0.0/0", "dev", "lo", "table", table], .ignoreFailure)]
        }
        var commands = [deleteRule,
                        SystemCommand(["ip", "rule", "add", "fwmark", mark, "lookup", table], .mustSucceed),
                        SystemCommand(["ip", "route", "replace", "local", "0.0.0.0/0", "dev", "lo", "table", table], .mustSucceed)]
        if plan.mode == .bridge {
            commands.append(SystemCommand(["sysctl", "-qw", "net.bridge.bridge-nf-call-iptables=0"], .ignoreFailure))
        }
        return commands
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

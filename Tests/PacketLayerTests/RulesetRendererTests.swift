import Testing
@testable import PacketLayer

@Suite struct RulesetRendererTests {
    static let router1 = InterceptionPlan(mode: .router, lan1: "eth0", lan2: "eth1",
                                          smtpPorts: [25], pop3Ports: [110],
                                          smtpListenerPort: 10025, pop3ListenerPort: 10110,
                                          fwmark: 1, routingTable: 100)
    static let router4 = InterceptionPlan(mode: .router, lan1: "lan1", lan2: "wan0",
                                          smtpPorts: [25, 587, 2525, 26], pop3Ports: [110, 1110, 8110, 995],
                                          smtpListenerPort: 20025, pop3ListenerPort: 20110,
                                          fwmark: 0x4d53, routingTable: 4242)
    static let bridge = InterceptionPlan(mode: .bridge, lan1: "eth0", lan2: "eth1",
                                         bridge: "br0", bridgeMAC: "02:00:5E:00:53:01",
                                         smtpPorts: [25, 587], pop3Ports: [110],
                                         fwmark: 1, routingTable: 100)

    /// With the implicit-TLS ports (RFC 8314) as the daemon's defaults divert them.
    static func withTLSPorts(_ plan: InterceptionPlan) -> InterceptionPlan {
        var copy = plan
        copy.smtpsPorts = [465]
        copy.pop3sPorts = [995]
        return copy
    }

    static func only(_ plan: InterceptionPlan, _ family: AddressFamily) -> InterceptionPlan {
        var copy = plan
        copy.families = [family]
        return copy
    }

    /// Each case: the plan, the golden nft file, the golden system commands. The plans without
    /// a suffix divert both families; `-ipv4`/`-ipv6` one.
    static let goldenCases: [(InterceptionPlan, String)] = [
        (router1, "router-1port"),
        (router4, "router-4ports"),
        (bridge, "bridge"),
        (router1.disabled, "off"),
        (only(router1, .ipv4), "router-ipv4"),
        (only(router1, .ipv6), "router-ipv6"),
        (only(bridge, .ipv4), "bridge-ipv4"),
        (only(bridge, .ipv6), "bridge-ipv6"),
        (only(router1, .ipv4).disabled, "off-ipv4"),
        (withTLSPorts(router1), "router-tls"),
        (withTLSPorts(bridge), "bridge-tls"),
        (only(withTLSPorts(router1), .ipv4), "router-tls-ipv4"),
        (only(withTLSPorts(bridge), .ipv4), "bridge-tls-ipv4"),
    ]

    @Test(arguments: 0..<13)
    func golden(_ index: Int) throws {
        let (plan, name) = Self.goldenCases[index]
        let ruleset = try RulesetRenderer.render(plan)
        try RulesetGolden.expect(ruleset.nftScript, name + ".nft")
        try RulesetGolden.expect(ruleset.commands.map(\.description).joined(separator: "\n") + "\n", name + ".cmd")
    }

    @Test func routerModeDivertsOnlyCrossingTrafficToTheConfiguredPorts() throws {
        let script = try RulesetRenderer.render(Self.router4).nftScript
        #expect(script.contains(#"iifname "lan1" fib daddr oifname "wan0" meta l4proto tcp th dport { 25, 587, 2525, 26 } meta mark set 0x4d53 tproxy to :20025 accept"#))
        #expect(script.contains(#"iifname "wan0" fib daddr oifname "lan1" meta l4proto tcp th dport { 110, 1110, 8110, 995 } meta mark set 0x4d53 tproxy to :20110 accept"#))
        #expect(script.contains("meta l4proto tcp socket transparent 1 meta mark set 0x4d53 accept"))
        #expect(!script.contains("table bridge mailsec {\n"))
        // Exactly four diverting rules (two directions × two protocols), each for both families.
        #expect(script.components(separatedBy: "tproxy to").count - 1 == 4)
        #expect(!script.contains("nfproto"))
    }

    /// One family: the rules say which, and the tproxy statement names it.
    @Test(arguments: [(AddressFamily.ipv4, "meta nfproto ipv4 ", "tproxy ip to", "ether type ip "),
                      (AddressFamily.ipv6, "meta nfproto ipv6 ", "tproxy ip6 to", "ether type ip6 ")])
    func oneFamilyIsNamedInEveryDivertingRule(_ family: AddressFamily, _ match: String, _ tproxy: String, _ ether: String) throws {
        let router = try RulesetRenderer.render(Self.only(Self.router4, family)).nftScript
        #expect(router.components(separatedBy: match + "meta l4proto tcp th dport").count - 1 == 4)
        #expect(router.components(separatedBy: tproxy + " :").count - 1 == 4)
        #expect(router.contains(match + "meta l4proto tcp socket transparent 1"))
        let bridge = try RulesetRenderer.render(Self.only(Self.bridge, family)).nftScript
        #expect(bridge.components(separatedBy: ether + "meta l4proto tcp th ").count - 1 == 4)
    }

    @Test func bothFamiliesGetPolicyRoutingAndBothAreRemoved() throws {
        #expect(RulesetRenderer.systemCommands(Self.router1).map(\.description) == [
            "repeat-until-failure: ip rule del fwmark 0x1 lookup 100",
            "must-succeed: ip rule add fwmark 0x1 lookup 100",
            "must-succeed: ip route replace local 0.0.0.0/0 dev lo table 100",
            "repeat-until-failure: ip -6 rule del fwmark 0x1 lookup 100",
            "must-succeed: ip -6 rule add fwmark 0x1 lookup 100",
            "must-succeed: ip -6 route replace local ::/0 dev lo table 100",
        ])
        // IPv6 switched off: its rule and route go, even though the plan names IPv4 alone.
        #expect(RulesetRenderer.systemCommands(Self.only(Self.router1, .ipv4).disabled).map(\.description) == [
            "repeat-until-failure: ip rule del fwmark 0x1 lookup 100",
            "ignore-failure: ip route del local 0.0.0.0/0 dev lo table 100",
            "repeat-until-failure: ip -6 rule del fwmark 0x1 lookup 100",
            "ignore-failure: ip -6 route del local ::/0 dev lo table 100",
        ])
        let ipv6Only = RulesetRenderer.systemCommands(Self.only(Self.router1, .ipv6)).map(\.description)
        #expect(ipv6Only.allSatisfy { $0.contains("ip -6 ") })
    }

    @Test func aPlanWithoutFamiliesIsRejected() {
        var plan = Self.router1
        plan.families = []
        #expect(throws: InterceptionPlanError.self) { try RulesetRenderer.render(plan) }
    }

    @Test func everyScriptFirstRemovesBothOfOurTables() throws {
        for (plan, _) in Self.goldenCases {
            let lines = try RulesetRenderer.render(plan).nftScript.split(separator: "\n").map(String.init)
            #expect(Array(lines[1...4]) == ["table inet mailsec {}", "delete table inet mailsec",
                                             "table bridge mailsec {}", "delete table bridge mailsec"])
            // Nothing outside our own tables.
            #expect(lines.filter { $0.hasPrefix("table ") || $0.hasPrefix("delete ") }
                .allSatisfy { $0.contains(" mailsec") })
        }
    }

    @Test func disabledRendersOnlyTheRemoval() throws {
        let ruleset = try RulesetRenderer.render(Self.router4.disabled)
        #expect(!ruleset.nftScript.contains("chain"))
        #expect(ruleset.commands == [
            SystemCommand(["ip", "rule", "del", "fwmark", "0x4d53", "lookup", "4242"], .repeatUntilFailure),
            SystemCommand(["ip", "route", "del", "local", "0.0.0.0/0", "dev", "lo", "table", "4242"], .ignoreFailure),
            SystemCommand(["ip", "-6", "rule", "del", "fwmark", "0x4d53", "lookup", "4242"], .repeatUntilFailure),
            SystemCommand(["ip", "-6", "route", "del", "local", "::/0", "dev", "lo", "table", "4242"], .ignoreFailure),
        ])
    }

    @Test func enabledRoutingFirstDeletesItsOwnRule() throws {
        #expect(RulesetRenderer.systemCommands(Self.only(Self.router1, .ipv4)).map(\.description) == [
            "repeat-until-failure: ip rule del fwmark 0x1 lookup 100",
            "must-succeed: ip rule add fwmark 0x1 lookup 100",
            "must-succeed: ip route replace local 0.0.0.0/0 dev lo table 100",
        ])
    }

    @Test func bridgeModeRewritesTheDestinationMACOfMailFrames() throws {
        let script = try RulesetRenderer.render(Self.bridge).nftScript
        #expect(script.contains("ether daddr set 02:00:5e:00:53:01 meta pkttype set host"))
        #expect(script.contains(#"iifname "br0" meta mark 0x1 meta l4proto tcp th dport { 25, 587 } tproxy to :10025 accept"#))
        #expect(script.contains("ether type { ip, ip6 } meta l4proto tcp th dport { 25, 587, 110 }"))
        #expect(script.contains("ether type { ip, ip6 } meta l4proto tcp th sport { 25, 587, 110 }"))
    }

    /// The implicit-TLS ports go to listeners of their own, in both directions, and are counted
    /// with the other mail ports when their family is not intercepted.
    @Test func implicitTLSPortsHaveRulesOfTheirOwn() throws {
        var plan = Self.withTLSPorts(Self.router4)
        plan.pop3Ports = [110]
        plan.smtpsPorts = [465, 4465]
        let script = try RulesetRenderer.render(plan).nftScript
        #expect(script.contains(#"iifname "lan1" fib daddr oifname "wan0" meta l4proto tcp th dport { 465, 4465 } meta mark set 0x4d53 tproxy to :10465 accept comment "smtps lan1 to wan0""#))
        #expect(script.contains(#"iifname "wan0" fib daddr oifname "lan1" meta l4proto tcp th dport { 995 } meta mark set 0x4d53 tproxy to :10995 accept comment "pop3s wan0 to lan1""#))
        #expect(script.components(separatedBy: "tproxy to").count - 1 == 8)
        let ipv4 = try RulesetRenderer.render(Self.only(plan, .ipv4)).nftScript
        #expect(ipv4.contains("meta nfproto ipv6 meta l4proto tcp th dport { 25, 587, 2525, 26, 110, 465, 4465, 995 } tcp flags"))
        let bridge = try RulesetRenderer.render(Self.withTLSPorts(Self.bridge)).nftScript
        #expect(bridge.contains(#"iifname "br0" meta mark 0x1 meta l4proto tcp th dport { 465 } tproxy to :10465 accept comment "smtps across br0""#))
        #expect(bridge.contains("ether type { ip, ip6 } meta l4proto tcp th sport { 25, 587, 110, 465, 995 }"))
    }

    /// Without implicit-TLS ports there is no rule for them (an empty set is no nft syntax).
    @Test func noImplicitTLSPortsNoRule() throws {
        let script = try RulesetRenderer.render(Self.router1).nftScript
        #expect(!script.contains("smtps") && !script.contains("pop3s") && !script.contains("{  }"))
    }

    static func broken(_ name: String) -> InterceptionPlan {
        var p = router1
        switch name {
        case "no ports": p.smtpPorts = []
        case "five ports": p.pop3Ports = [110, 111, 112, 113, 114]
        case "port 0": p.smtpPorts = [0]
        case "duplicate": p.smtpPorts = [25, 25]
        case "shared port": p.pop3Ports = [25]
        case "same listeners": p.pop3ListenerPort = p.smtpListenerPort
        case "five TLS ports": p.smtpsPorts = [465, 466, 467, 468, 469]
        case "TLS port 0": p.pop3sPorts = [0]
        case "TLS port shared": p = withTLSPorts(p); p.smtpsPorts = [25]
        case "TLS ports shared": p = withTLSPorts(p); p.pop3sPorts = [465]
        case "TLS listener shared": p = withTLSPorts(p); p.smtpsListenerPort = p.pop3ListenerPort
        case "quote in name": p.lan1 = "eth0\" accept"
        case "long name": p.lan2 = "abcdefghijklmnop"
        case "same ports": p.lan2 = p.lan1
        case "mark 0": p.fwmark = 0
        case "main table": p.routingTable = 254
        case "bridge without MAC": p.mode = .bridge; p.bridge = "br0"
        case "bridge bad MAC": p.mode = .bridge; p.bridge = "br0"; p.bridgeMAC = "02:00:5e:00:53"
        case "bridge without name": p.mode = .bridge; p.bridgeMAC = "02:00:5e:00:53:01"
        case "bridge is a port": p.mode = .bridge; p.bridge = "eth0"; p.bridgeMAC = "02:00:5e:00:53:01"
        default: Issue.record("unknown case \(name)")
        }
        return p
    }

    @Test(arguments: ["no ports", "five ports", "port 0", "duplicate", "shared port", "same listeners",
                      "five TLS ports", "TLS port 0", "TLS port shared", "TLS ports shared", "TLS listener shared",
                      "quote in name", "long name", "same ports", "mark 0", "main table",
                      "bridge without MAC", "bridge bad MAC", "bridge without name", "bridge is a port"])
    func invalidPlansAreRejected(_ name: String) {
        let plan = Self.broken(name)
        #expect(throws: InterceptionPlanError.self, "\(name)") { try RulesetRenderer.render(plan) }
    }

    @Test func theErrorNamesBothKinds() {
        #expect(throws: InterceptionPlanError.invalid("port 25 is both an SMTP and a POP3 TLS port")) {
            var plan = Self.router1
            plan.pop3sPorts = [25]
            _ = try RulesetRenderer.render(plan)
        }
    }

    @Test func aDisabledPlanNeedsNoInterfaces() throws {
        let plan = InterceptionPlan(lan1: "", lan2: "", smtpPorts: [], enabled: false)
        #expect(try RulesetRenderer.render(plan).nftScript.hasSuffix("delete table bridge mailsec\n"))
    }
}

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

    /// Each case: the plan, the golden nft file, the golden system commands.
    static let goldenCases: [(InterceptionPlan, String)] = [
        (router1, "router-1port"),
        (router4, "router-4ports"),
        (bridge, "bridge"),
        (router1.disabled, "off"),
    ]

    @Test(arguments: 0..<4)
    func golden(_ index: Int) throws {
        let (plan, name) = Self.goldenCases[index]
        let ruleset = try RulesetRenderer.render(plan)
        try RulesetGolden.expect(ruleset.nftScript, name + ".nft")
        try RulesetGolden.expect(ruleset.commands.map(\.description).joined(separator: "\n") + "\n", name + ".cmd")
    }

    @Test func routerModeDivertsOnlyCrossingTrafficToTheConfiguredPorts() throws {
        let script = try RulesetRenderer.render(Self.router4).nftScript
        #expect(script.contains(#"iifname "lan1" fib daddr oifname "wan0" meta nfproto ipv4 tcp dport { 25, 587, 2525, 26 } meta mark set 0x4d53 tproxy ip to :20025 accept"#))
        #expect(script.contains(#"iifname "wan0" fib daddr oifname "lan1" meta nfproto ipv4 tcp dport { 110, 1110, 8110, 995 } meta mark set 0x4d53 tproxy ip to :20110 accept"#))
        #expect(script.contains("socket transparent 1 meta mark set 0x4d53 accept"))
        #expect(!script.contains("table bridge mailsec {\n"))
        // Exactly four diverting rules (two directions × two protocols).
        #expect(script.components(separatedBy: "tproxy ip to").count - 1 == 4)
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
        ])
    }

    @Test func enabledRoutingFirstDeletesItsOwnRule() throws {
        #expect(RulesetRenderer.systemCommands(Self.router1).map(\.description) == [
            "repeat-until-failure: ip rule del fwmark 0x1 lookup 100",
            "must-succeed: ip rule add fwmark 0x1 lookup 100",
            "must-succeed: ip route replace local 0.0.0.0/0 dev lo table 100",
        ])
    }

    @Test func bridgeModeRewritesTheDestinationMACOfMailFrames() throws {
        let script = try RulesetRenderer.render(Self.bridge).nftScript
        #expect(script.contains("ether daddr set 02:00:5e:00:53:01 meta pkttype set host"))
        #expect(script.contains(#"iifname "br0" meta mark 0x1 meta nfproto ipv4 tcp dport { 25, 587 } tproxy ip to :10025 accept"#))
        #expect(script.contains("tcp dport { 25, 587, 110 }"))
        #expect(script.contains("tcp sport { 25, 587, 110 }"))
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
                      "quote in name", "long name", "same ports", "mark 0", "main table",
                      "bridge without MAC", "bridge bad MAC", "bridge without name", "bridge is a port"])
    func invalidPlansAreRejected(_ name: String) {
        let plan = Self.broken(name)
        #expect(throws: InterceptionPlanError.self, "\(name)") { try RulesetRenderer.render(plan) }
    }

    @Test func aDisabledPlanNeedsNoInterfaces() throws {
        let plan = InterceptionPlan(lan1: "", lan2: "", smtpPorts: [], enabled: false)
        #expect(try RulesetRenderer.render(plan).nftScript.hasSuffix("delete table bridge mailsec\n"))
    }
}

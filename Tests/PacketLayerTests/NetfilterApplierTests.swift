import Foundation
import Testing
import TestSupport
@testable import PacketLayer

/// A network namespace of the test's own (`msl-` + a random suffix), deleted at the end.
final class TestNamespace: @unchecked Sendable {
    let name: String

    init() throws {
        name = "msl-nf-" + UUID().uuidString.prefix(8).lowercased()
        let result = try runCommand(NetfilterProcess.locate("ip"), ["netns", "add", name])
        guard result.status == 0 else { throw NamespaceError(description: "ip netns add \(name): \(result.stderr)") }
        // As on any running host: the kernel refuses an IPv6 route through a device that is down
        // (`local ::/0 dev lo`: "Nexthop device is not up"), where IPv4 does not mind.
        _ = try runCommand(NetfilterProcess.locate("ip"), ["-n", name, "link", "set", "lo", "up"])
    }

    deinit { _ = try? runCommand(NetfilterProcess.locate("ip"), ["netns", "del", name]) }

    struct NamespaceError: Error, CustomStringConvertible { var description: String }
}

enum NetlabEnvironment {
    static var isRoot: Bool { getuid() == 0 }
    static var hasNft: Bool { access(NetfilterProcess.locate("nft"), X_OK) == 0 }
    static var hasIp: Bool { access(NetfilterProcess.locate("ip"), X_OK) == 0 }
    static var canUseNetfilter: Bool { isRoot && hasNft && hasIp }
}

@Suite(.enabled(if: NetlabEnvironment.canUseNetfilter, "needs root, nft and ip"))
struct NetfilterApplierTests {
    @Test func appliesUpdatesAndRemovesTheRulesetInsideANamespace() throws {
        let namespace = try TestNamespace()
        let applier = NetfilterApplier(namespace: namespace.name)
        func ipRules() throws -> [String] {
            try applier.execute(applier.ipPath, ["rule", "list"]).stdout
                .split(separator: "\n").map(String.init).filter { $0.contains("fwmark") }
        }
        func table100() throws -> String { try applier.execute(applier.ipPath, ["route", "show", "table", "100"]).stdout }
        func ip6Rules() throws -> [String] {
            try applier.execute(applier.ipPath, ["-6", "rule", "list"]).stdout
                .split(separator: "\n").map(String.init).filter { $0.contains("fwmark") }
        }
        func ip6Table100() throws -> String { try applier.execute(applier.ipPath, ["-6", "route", "show", "table", "100"]).stdout }

        // Nothing of ours at first; removing nothing is fine.
        #expect(try applier.listTable() == nil)
        try applier.remove()

        let first = RulesetRendererTests.router1
        try applier.apply(first)
        let listed = try #require(try applier.listTable())
        #expect(listed.contains("chain prerouting"))
        #expect(listed.contains(#"iifname "eth0" fib daddr oifname "eth1""#))
        #expect(listed.contains(#"iifname "eth1" fib daddr oifname "eth0""#))
        // One rule for both families: the tproxy statement names none.
        #expect(listed.contains("tproxy to :10025"))
        #expect(listed.contains("tproxy to :10110"))
        #expect(!listed.contains("nfproto"))
        #expect(listed.contains("socket transparent 1"))
        #expect(try applier.listTable(family: "bridge") == nil)
        #expect(try ipRules().count == 1)
        #expect(try ipRules().first?.contains("fwmark 0x1 lookup 100") == true)
        #expect(try table100().contains("local default dev lo"))
        #expect(try ip6Rules().count == 1)
        #expect(try ip6Rules().first?.contains("fwmark 0x1 lookup 100") == true)
        #expect(try ip6Table100().contains("local default dev lo"))

        // Applying the same plan again changes nothing (no second rule, same table).
        try applier.apply(first)
        #expect(try ipRules().count == 1)
        #expect(try applier.listTable() == listed)

        // Live update: other ports and listeners replace the old rules.
        var second = first
        second.smtpPorts = [25, 587, 2525]
        second.pop3Ports = [110, 1110]
        second.smtpListenerPort = 20025
        second.pop3ListenerPort = 20110
        try applier.apply(second)
        let updated = try #require(try applier.listTable())
        #expect(updated.contains("tproxy to :20025"))
        #expect(updated.contains("tproxy to :20110"))
        #expect(!updated.contains(":10025"))
        #expect(!updated.contains(":10110"))
        #expect(updated.contains("2525"))
        #expect(updated.contains("1110"))
        #expect(try ipRules().count == 1)

        // Switching to bridge mode replaces the inet table and adds the bridge table.
        try applier.apply(RulesetRendererTests.bridge)
        let bridged = try #require(try applier.listTable(family: "bridge"))
        #expect(bridged.contains("ether daddr set 02:00:5e:00:53:01"))
        #expect(bridged.contains("meta pkttype set host"))
        #expect(try #require(try applier.listTable()).contains(#"iifname "br0" meta mark 0x00000001"#))

        // Disabled: both tables and the policy routing are gone; twice is fine.
        try applier.apply(second.disabled)
        #expect(try applier.listTable() == nil)
        #expect(try applier.listTable(family: "bridge") == nil)
        #expect(try ipRules().isEmpty)
        #expect(try table100().isEmpty)
        #expect(try ip6Rules().isEmpty)
        #expect(try ip6Table100().isEmpty)
        try applier.remove()
        #expect(try applier.listTable() == nil)
    }

    @Test func changingTheMarkAndTableReplacesTheOldPolicyRouting() throws {
        let namespace = try TestNamespace()
        let applier = NetfilterApplier(namespace: namespace.name)
        let first = RulesetRendererTests.router1
        var second = first
        second.fwmark = 0x2
        second.routingTable = 200
        try applier.apply(first, replacing: nil)
        try applier.apply(second, replacing: first)
        let rules = try applier.execute(applier.ipPath, ["rule", "list"]).stdout
            .split(separator: "\n").filter { $0.contains("fwmark") }
        #expect(rules.count == 1)
        #expect(rules.first?.contains("fwmark 0x2 lookup 200") == true)
        #expect(try applier.execute(applier.ipPath, ["route", "show", "table", "100"]).stdout.isEmpty)
        #expect(try applier.execute(applier.ipPath, ["route", "show", "table", "200"]).stdout.contains("local default dev lo"))
        #expect(try #require(try applier.listTable()).contains("meta mark set 0x00000002"))
        try applier.remove(fwmark: 2, routingTable: 200)
        #expect(try applier.execute(applier.ipPath, ["rule", "list"]).stdout.contains("fwmark") == false)
        #expect(try applier.listTable() == nil)
    }

    /// Every golden ruleset is one nft accepts as a whole.
    @Test(arguments: RulesetRendererTests.goldenCases.indices)
    func everyGoldenRulesetLoads(_ index: Int) throws {
        let namespace = try TestNamespace()
        let applier = NetfilterApplier(namespace: namespace.name)
        let (plan, _) = RulesetRendererTests.goldenCases[index]
        try applier.apply(plan)
        #expect((try applier.listTable() != nil) == plan.enabled)
        #expect((try applier.listTable(family: "bridge") != nil) == (plan.enabled && plan.mode == .bridge))
    }

    @Test func aRejectedRulesetReportsNftsError() throws {
        let namespace = try TestNamespace()
        let applier = NetfilterApplier(namespace: namespace.name, nftPath: "/bin/false")
        #expect(throws: NetfilterApplyError.self) { try applier.apply(RulesetRendererTests.router1) }
    }
}

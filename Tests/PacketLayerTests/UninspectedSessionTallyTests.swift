import Testing
@testable import PacketLayer

@Suite struct UninspectedSessionTallyTests {
    /// (readings and restarts in order, new sessions reported for each reading)
    @Test(arguments: [
        ([.read(0), .read(3), .read(3), .read(5)], [0, 3, 0, 2]),
        // The table was replaced: the next reading counts from zero.
        ([.read(4), .restart, .read(1)], [4, 1]),
        // A fresh counter nobody announced (lower than before): all of it is new.
        ([.read(7), .read(2)], [7, 2]),
        // No counter (every family intercepted), then one again.
        ([.read(5), .none, .read(2)], [5, 0, 2]),
    ] as [([Step], [UInt64])])
    func readingsBecomeNewSessions(_ steps: [Step], _ expected: [UInt64]) {
        var tally = UninspectedSessionTally()
        var reported: [UInt64] = []
        for step in steps {
            switch step {
            case .read(let packets): reported.append(tally.reading(packets))
            case .none: reported.append(tally.reading(nil))
            case .restart: tally.restarted()
            }
        }
        #expect(reported == expected)
    }

    enum Step: Sendable { case read(UInt64), none, restart }

    @Test func theListingIsParsed() {
        let listing = "table inet mailsec {\n\tcounter uninspected {\n\t\tpackets 12 bytes 880\n\t}\n}\n"
        #expect(UninspectedSessionTally.packets(inListing: listing) == 12)
        #expect(UninspectedSessionTally.packets(inListing: "Error: No such file or directory") == nil)
        #expect(UninspectedSessionTally.packets(inListing: "packets x") == nil)
    }

    @Test func onlyTheFamilyLeftOutIsCounted() throws {
        let ipv4Only = RulesetRendererTests.only(RulesetRendererTests.router1, .ipv4)
        #expect(RulesetRenderer.uninspectedFamilies(ipv4Only) == [.ipv6])
        #expect(RulesetRenderer.uninspectedFamilies(RulesetRendererTests.router1).isEmpty)
        #expect(RulesetRenderer.uninspectedFamilies(ipv4Only.disabled).isEmpty)
        let script = try RulesetRenderer.render(ipv4Only).nftScript
        #expect(script.contains("\tcounter uninspected {"))
        #expect(script.components(separatedBy: "meta nfproto ipv6 meta l4proto tcp th dport { 25, 110 } tcp flags & (syn | ack) == syn counter name \"uninspected\"").count - 1 == 2)
        let bridge = try RulesetRenderer.render(RulesetRendererTests.only(RulesetRendererTests.bridge, .ipv4)).nftScript
        #expect(bridge.components(separatedBy: "ether type ip6 meta l4proto tcp th dport { 25, 587, 110 } tcp flags & (syn | ack) == syn counter name").count - 1 == 2)
        #expect(!(try RulesetRenderer.render(RulesetRendererTests.bridge).nftScript.contains("uninspected")))
    }
}

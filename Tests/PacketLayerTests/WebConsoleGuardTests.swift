import Testing
@testable import PacketLayer

/// The bridge-mode web console guard's `nft -f` text, against golden files, and loaded by nft.
struct WebConsoleGuardTests {
    static let cases: [(WebConsoleGuard, String)] = [
        (WebConsoleGuard(lan2: "eth1", port: 443, admittedFromLAN2: []), "web-guard-lan1.nft"),
        (WebConsoleGuard(lan2: "lan2", port: 8443, admittedFromLAN2: [
            .init(lower: [192, 0, 2, 25], upper: [192, 0, 2, 25]),
            .init(lower: [198, 51, 100, 1], upper: [198, 51, 100, 20]),
            .init(lower: [0x20, 0x01, 0x0d, 0xb8] + [UInt8](repeating: 0, count: 11) + [1],
                  upper: [0x20, 0x01, 0x0d, 0xb8] + [UInt8](repeating: 0, count: 11) + [0x20]),
        ]), "web-guard-ranges.nft"),
        (WebConsoleGuard(lan2: "eth1", port: 443, admittedFromLAN2: nil), "web-guard-any.nft"),
    ]

    @Test(arguments: cases.indices)
    func matchesItsGoldenFile(_ index: Int) throws {
        let (guardTable, name) = Self.cases[index]
        try RulesetGolden.expect(guardTable.nftScript, name)
    }

    @Test func theRemovalIsTheOpenGuardsText() {
        #expect(WebConsoleGuard.removalScript == Self.cases[2].0.nftScript)
    }
}

@Suite(.enabled(if: NetlabEnvironment.canUseNetfilter, "needs root, nft and ip"))
struct WebConsoleGuardLoadTests {
    /// Each golden guard is one nft accepts; loading another replaces it; the removal empties.
    @Test func everyGuardLoadsAndTheRemovalTakesItOut() throws {
        let namespace = try TestNamespace()
        let applier = NetfilterApplier(namespace: namespace.name)
        for (guardTable, name) in WebConsoleGuardTests.cases {
            try applier.load(nft: guardTable.nftScript)
            let listing = try applier.listTable(family: "bridge", name: WebConsoleGuard.tableName)
            #expect((listing != nil) == (guardTable.admittedFromLAN2 != nil), "\(name)")
        }
        try applier.load(nft: WebConsoleGuardTests.cases[1].0.nftScript)
        #expect(try applier.listTable(family: "bridge", name: WebConsoleGuard.tableName)?.contains("198.51.100.1-198.51.100.20") == true)
        try applier.load(nft: WebConsoleGuard.removalScript)
        #expect(try applier.listTable(family: "bridge", name: WebConsoleGuard.tableName) == nil)
        try applier.load(nft: WebConsoleGuard.removalScript)
    }
}

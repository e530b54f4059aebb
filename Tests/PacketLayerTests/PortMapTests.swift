import Foundation
import Testing
@testable import PacketLayer

@Suite struct PortMapTests {
    @Test func parsesAllKeysCommentsAndBlankLines() throws {
        let map = try PortMap.parse("""
            # office and uplink
            mode bridge   # one subnet

            \tlan1  enp1s0
            lan2 enp2s0\r
            bridge  br-mail
            """)
        #expect(map == PortMap(mode: .bridge, lan1: "enp1s0", lan2: "enp2s0", bridge: "br-mail"))
    }

    @Test func missingKeysKeepTheDefaults() throws {
        #expect(try PortMap.parse("lan2 eth7\n") == PortMap(mode: .router, lan1: "eth0", lan2: "eth7", bridge: "br0"))
        #expect(try PortMap.parse("") == PortMap.default)
    }

    @Test func theShippedFileIsTheDefault() throws {
        let text = try String(contentsOfFile: RulesetGolden.repositoryRoot + "/firmware/portmap", encoding: .utf8)
        #expect(text == PortMap.defaultFileText)
        #expect(try PortMap.parse(text) == PortMap.default)
    }

    @Test(arguments: [
        ("mode router\nmode bridge\n", 2, "already set on line 1"),
        ("lan1 eth0\nwan eth1\n", 2, "unknown key 'wan'"),
        ("\n\nmode switch\n", 3, "mode must be router or bridge"),
        ("lan1\n", 1, "expected 'lan1 VALUE', found 0 values"),
        ("lan1 eth0 eth1\n", 1, "found 2 values"),
        ("lan1 eth\"0\n", 1, "bad interface name"),
        ("lan1 eth0123456789abc\n", 1, "bad interface name"),
        ("# x\nlan1 eth5\nlan2 eth5\n", 3, "lan1 and lan2 are both 'eth5'"),
        ("bridge eth1\n", 1, "lan2 and bridge are both 'eth1'"),
    ])
    func errorsNameTheLine(_ text: String, _ line: Int, _ message: String) {
        do {
            _ = try PortMap.parse(text)
            Issue.record("accepted: \(text.debugDescription)")
        } catch {
            #expect(error.line == line)
            #expect(error.message.contains(message), "\(error)")
            #expect(error.description.hasPrefix("portmap line \(line): "))
        }
    }

    @Test func aPortMapMakesAPlan() throws {
        let router = InterceptionPlan(portMap: PortMap.default, bridgeMAC: "02:00:5e:00:53:01")
        #expect(router.mode == .router && router.lan1 == "eth0" && router.lan2 == "eth1")
        #expect(router.bridge == nil && router.bridgeMAC == nil)
        let bridge = InterceptionPlan(portMap: PortMap(mode: .bridge), bridgeMAC: "02:00:5e:00:53:01")
        #expect(bridge.bridge == "br0" && bridge.bridgeMAC == "02:00:5e:00:53:01")
        #expect(try RulesetRenderer.render(bridge).nftScript.contains("table bridge mailsec {\n"))
    }
}

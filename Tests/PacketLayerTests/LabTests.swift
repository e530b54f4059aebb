import Foundation
import Testing
import TestSupport
@testable import PacketLayer

/// Runs `firmware/lab/lab.sh` with a prefix of its own, proves traffic crosses the appliance
/// namespace, and that `down` leaves no namespace or link with the prefix.
@Suite(.enabled(if: NetlabEnvironment.isRoot && NetlabEnvironment.hasIp
                    && access("/usr/bin/ping", X_OK) == 0, "needs root, ip and ping"))
struct LabTests {
    static let script = RulesetGolden.repositoryRoot + "/firmware/lab/lab.sh"

    struct Lab {
        let prefix = "msl-" + UUID().uuidString.prefix(6).lowercased() + "-"
        let state = try! TemporaryDirectory(prefix: "mailsec-lab")

        func run(_ arguments: [String]) throws -> CommandRun {
            let env = "LAB_PREFIX=\(prefix)"
            return try CommandRun.run("/usr/bin/env", [env, "LAB_STATE_DIR=\(state.url.path)", "/bin/bash", LabTests.script] + arguments,
                                      timeout: 60)
        }

        func ping(from host: String, _ address: String) throws -> CommandRun {
            try CommandRun.run(NetfilterProcess.locate("ip"),
                               ["netns", "exec", prefix + host, "/usr/bin/ping", "-c1", "-W1", address], timeout: 10)
        }

        /// Namespaces and links (in our namespace) whose names start with the prefix.
        func leftovers() throws -> [String] {
            let ip = NetfilterProcess.locate("ip")
            let namespaces = try CommandRun.run(ip, ["netns", "list"]).stdout
            let links = try CommandRun.run(ip, ["-o", "link", "show"]).stdout
            return (namespaces + links).split(separator: "\n").map(String.init).filter { $0.contains(prefix) }
        }
    }

    @Test(arguments: [("router", "198.51.100.25"), ("bridge", "192.0.2.25")])
    func upCrossesAndDownLeavesNothing(_ mode: String, _ server: String) throws {
        let lab = Lab()
        defer { _ = try? lab.run(["down"]) }
        let up = try lab.run(["up", mode])
        try #require(up.status == 0, "lab up: \(up.stderr)")
        #expect(try lab.run(["status"]).stdout.contains("mode \(mode)"))

        // Up twice is refused and leaves the lab as it was.
        #expect(try lab.run(["up", mode]).status != 0)

        let crossing = try lab.ping(from: "lan1", server)
        #expect(crossing.status == 0, "pc → server: \(crossing.stdout) \(crossing.stderr)")
        let back = try lab.ping(from: "lan2", "192.0.2.10")
        #expect(back.status == 0, "server → pc: \(back.stdout) \(back.stderr)")
        let cloud = try lab.ping(from: "lan1", "203.0.113.10")
        #expect(cloud.status == 0, "pc → cloud: \(cloud.stdout) \(cloud.stderr)")

        let down = try lab.run(["down"])
        #expect(down.status == 0, "lab down: \(down.stderr)")
        #expect(try lab.leftovers().isEmpty)
        #expect(try lab.run(["down"]).status == 0)
        #expect(try lab.run(["status"]).stdout.contains("down"))
    }

    @Test func anUnknownModeIsRefusedAndMakesNothing() throws {
        let lab = Lab()
        defer { _ = try? lab.run(["down"]) }
        #expect(try lab.run(["up", "switch"]).status != 0)
        #expect(try lab.leftovers().isEmpty)
    }
}

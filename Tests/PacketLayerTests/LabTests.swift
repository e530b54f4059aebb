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

    /// The rendered ruleset, applied in the lab's appliance namespace, diverts crossing mail to
    /// a transparent listener (`probe.py proxy`) that reaches the real server from the client's
    /// own address; mail to the appliance itself and to other ports is left alone.
    @Test(.enabled(if: NetlabEnvironment.hasNft && access("/usr/bin/python3", X_OK) == 0, "needs nft and python3"),
          arguments: [("router", "198.51.100.25"), ("bridge", "192.0.2.25")])
    func theAppliedRulesetInterceptsCrossingMail(_ mode: String, _ server: String) throws {
        let lab = Lab()
        defer { _ = try? lab.run(["down"]) }
        let up = try lab.run(["up", mode])
        try #require(up.status == 0, "lab up: \(up.stderr)")

        let applier = NetfilterApplier(namespace: lab.prefix + "fw")
        let portMap = try PortMap.parse("mode \(mode)\nlan1 lan1\nlan2 lan2\nbridge br0\n")
        var bridgeMAC: String?
        if mode == "bridge" {
            bridgeMAC = try applier.macAddress(of: "br0")
            let state = try lab.run(["status"]).stdout
            #expect(bridgeMAC.map { state.contains("bridge-mac \($0)") } == true, "\(String(describing: bridgeMAC)) vs \(state)")
        }
        #expect(try applier.macAddress(of: "nosuchlink") == nil)
        let plan = InterceptionPlan(portMap: portMap, bridgeMAC: bridgeMAC, smtpPorts: [25, 587], pop3Ports: [110])
        try applier.apply(plan)
        if mode == "bridge" {
            // Bridged frames must not run through the IP hooks (br_netfilter), where it is loaded.
            let hook = try applier.execute(NetfilterProcess.locate("sysctl"), ["-n", "net.bridge.bridge-nf-call-iptables"])
            #expect(hook.status != 0 || hook.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "0")
        }

        let scratch = try TemporaryDirectory(prefix: "mailsec-probe")
        let ip = NetfilterProcess.locate("ip")
        func probe(_ host: String, _ arguments: [String]) throws -> DaemonProcess {
            try DaemonProcess(ip, ["netns", "exec", lab.prefix + host, "/usr/bin/python3", LabTests.probe] + arguments,
                              directory: scratch.url)
        }
        let realServer = try probe("lan2", ["server", "25", "2"])
        let proxy = try probe("fw", ["proxy", "10025", "2"])
        defer {
            proxy.stop(signal: SIGKILL)
            realServer.stop(signal: SIGKILL)
        }
        try #require(waitUntil(timeout: 10) { realServer.standardOutput.contains("ready") && proxy.standardOutput.contains("ready") },
                     "probes not ready: \(realServer.standardError) \(proxy.standardError)")

        func connect(from host: String, _ address: String, _ port: Int) throws -> String {
            try CommandRun.run(ip, ["netns", "exec", lab.prefix + host, "/usr/bin/python3", LabTests.probe,
                                    "connect", address, String(port)], timeout: 15).stdout
                .trimmingCharacters(in: .whitespacesAndNewlines)
        }
        // Crossing LAN1 → LAN2: diverted; the server sees the office PC's address.
        #expect(try connect(from: "lan1", server, 25) == "proxy \(server):25 | server 192.0.2.10")
        // Crossing LAN2 → LAN1 on another SMTP port: diverted too (nobody listens there).
        #expect(try connect(from: "lan2", "192.0.2.10", 587) == "proxy 192.0.2.10:587 | upstream error ConnectionRefusedError")
        // Not diverted: a port not in the plan, and mail to the appliance itself.
        #expect(try connect(from: "lan1", server, 26) == "error ConnectionRefusedError")
        #expect(try connect(from: "lan1", "192.0.2.1", 25) == "error ConnectionRefusedError")

        // Disabled: the same connection reaches the server directly.
        try applier.apply(plan.disabled)
        #expect(try connect(from: "lan1", server, 25) == "server 192.0.2.10")
    }

    static let probe = RulesetGolden.repositoryRoot + "/firmware/lab/probe.py"

    @Test func anUnknownModeIsRefusedAndMakesNothing() throws {
        let lab = Lab()
        defer { _ = try? lab.run(["down"]) }
        #expect(try lab.run(["up", "switch"]).status != 0)
        #expect(try lab.leftovers().isEmpty)
    }
}

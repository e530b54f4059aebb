import Foundation
import Testing
import TestSupport
@testable import PacketLayer

/// The same daemon and lab as `DaemonInterceptionLabTests`, over IPv6: the lab is dual stack
/// (`firmware/lab/lab.sh`), the daemon's default transparent listeners take both families, and
/// one ruleset diverts both. The probe server prints the peer's address, so a line starting
/// with the PC's IPv6 address proves full transparency over IPv6.
@Suite(.serialized,
       .enabled(if: NetlabEnvironment.canUseNetfilter && access("/usr/bin/python3", X_OK) == 0,
                "needs root, nft, ip and python3"))
struct DaemonInterceptionIPv6LabTests {
    static let pc = "2001:db8:1::10"

    @Test(arguments: ["router", "bridge"])
    func mailOverIPv6IsInterceptedFromThePCsOwnAddress(_ mode: String) throws {
        let site = try DaemonInterceptionLabTests.Site(mode: mode)
        defer { site.tearDown() }
        let server = mode == "router" ? "2001:db8:2::25" : "2001:db8:1::25"
        var arguments = ["--interception", "appliance", "--lan1", "lan1", "--lan2", "lan2", "--mode", mode]
        if mode == "bridge" { arguments += ["--bridge", "br0"] }
        let daemon = try site.startDaemon(arguments)
        try #require(site.waitForStatus("rules loaded"), "no rules: \(daemon.standardError)")
        // Policy routing for both families.
        #expect(waitUntil { ((try? site.fwmarkRules()) ?? []).count == 1 })
        #expect(try site.applier.execute(DaemonInterceptionLabTests.ip, ["-6", "rule", "list"]).stdout.contains("fwmark 0x1 lookup 100"))

        let sent = try site.sendCounting(to: 25, subject: "six\(mode)", host: server)
        #expect(sent.line.hasPrefix("message \(Self.pc) 25 "), "\(sent.line) \(daemon.standardError)")
        #expect(sent.intercepted)
        let fetched = try site.fetchCounting(host: server)
        #expect(fetched.client == "fetched mailbox", "\(fetched) \(daemon.standardError)")
        #expect(fetched.server == ["retr \(Self.pc) 110"])
        #expect(fetched.intercepted)
        // IPv4 beside it, through the same rules.
        let four = try site.sendCounting(to: 25, subject: "four\(mode)")
        #expect(four.line.hasPrefix("message 192.0.2.10 25 "), "\(four.line)")
        #expect(four.intercepted)

        // Exit: the IPv6 policy routing goes with the IPv4 one; IPv6 mail then passes untouched.
        #expect(daemon.stop(signal: SIGTERM) == 0)
        #expect(try site.table() == nil)
        #expect(!(try site.applier.execute(DaemonInterceptionLabTests.ip, ["-6", "rule", "list"]).stdout.contains("fwmark")))
        let untouched = try site.send(to: 25, subject: "sixafter\(mode)", host: server)
        #expect(untouched.hasPrefix("message \(Self.pc) 25 "), "\(untouched)")
    }

    /// `mail security ipv6 off`: IPv6 mail crosses uninspected, but never unseen — counted in
    /// `show status mail security` and logged; IPv4 is still intercepted. Back on, live.
    @Test(arguments: ["router", "bridge"])
    func ipv6OffLetsIPv6PassCountedAndLogged(_ mode: String) throws {
        let site = try DaemonInterceptionLabTests.Site(mode: mode)
        defer { site.tearDown() }
        let server = mode == "router" ? "2001:db8:2::25" : "2001:db8:1::25"
        var arguments = ["--interception", "appliance", "--lan1", "lan1", "--lan2", "lan2", "--mode", mode]
        if mode == "bridge" { arguments += ["--bridge", "br0"] }
        let daemon = try site.startDaemon(arguments, configuration: "mail security use on\nmail security inactive transfer pass\nmail security ipv6 off\n")
        try #require(site.waitForStatus("IPv4 only: IPv6 counted, not inspected"), "\(daemon.standardError)")
        #expect(try site.console("show status mail security").contains("Sessions not inspected        0"))

        let passed = try site.sendCounting(to: 25, subject: "bypass\(mode)", host: server)
        #expect(passed.line.hasPrefix("message \(Self.pc) 25 "), "\(passed.line)")
        #expect(!passed.intercepted)
        let fetched = try site.fetchCounting(host: server)
        #expect(fetched.client == "fetched mailbox")
        #expect(!fetched.intercepted)
        // Two sessions (SMTP and POP3) crossed uninspected: counted within the poll interval.
        #expect(waitUntil(timeout: 15) {
            ((try? site.console("show status mail security")) ?? "").contains("Sessions not inspected        2")
        }, "\((try? site.console("show status mail security")) ?? "")")
        let log = try site.console("show log")
        #expect(log.contains("[MAIL_SEC] Not inspected: ") && log.contains(" over IPv6 crossed the box (IPv6 interception off)"), "\(log)")
        // IPv4 is intercepted as ever.
        #expect(try site.sendCounting(to: 25, subject: "four\(mode)").intercepted)

        // On again, live: IPv6 is intercepted, and the count stays what it was.
        _ = try site.console("mail security ipv6 on")
        #expect(waitUntil { !(((try? site.console("show status mail security")) ?? "").contains("IPv4 only")) })
        let six = try site.sendCounting(to: 25, subject: "sixagain\(mode)", host: server)
        #expect(six.line.hasPrefix("message \(Self.pc) 25 "), "\(six.line)")
        #expect(six.intercepted)
        #expect(try site.console("show status mail security").contains("Sessions not inspected        2"))
    }

    /// The loop guard covers the box's own IPv6 addresses: a careless site rule that diverts
    /// mail addressed to the appliance itself gets 421, not a relay to the box.
    @Test func theLoopGuardCoversTheBoxsOwnIPv6Address() throws {
        let site = try DaemonInterceptionLabTests.Site(mode: "router")
        defer { site.tearDown() }
        let daemon = try site.startDaemon(["--interception", "external"])
        #expect(waitUntil { daemon.standardError.contains("started;") }, "\(daemon.standardError)")
        try site.applier.apply(InterceptionPlan(lan1: "lan1", lan2: "lan2"))
        let careless = try site.applier.execute(NetfilterProcess.locate("nft"), [
            "add", "rule", "inet", "mailsec", "prerouting", "iifname", "lan1", "ip6", "daddr", "2001:db8:1::1",
            "tcp", "dport", "25", "meta", "mark", "set", "0x1", "tproxy", "ip6", "to", ":10025", "accept"])
        #expect(careless.status == 0, "\(careless.stderr)")
        let own = try CommandRun.run(DaemonInterceptionLabTests.ip, [
            "netns", "exec", site.lab.prefix + "lan1", "/usr/bin/python3",
            RulesetGolden.repositoryRoot + "/firmware/lab/probe.py", "connect", "2001:db8:1::1", "25"], timeout: 20)
        #expect(own.stdout.hasPrefix("421 "), "\(own.stdout) \(own.stderr) \(daemon.standardError)")
        try site.applier.apply(InterceptionPlan(lan1: "lan1", lan2: "lan2").disabled)
    }
}

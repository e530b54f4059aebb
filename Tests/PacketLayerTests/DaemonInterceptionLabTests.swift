import Foundation
import Testing
import TestSupport
@testable import PacketLayer

/// `mailsecd --interception` in the namespace lab: the daemon itself runs in the appliance
/// namespace, loads the rules, follows the console live, and removes everything on exit.
/// A tiny SMTP server (`firmware/lab/mailprobe.py`) stands in for the mail server in lan2 and
/// prints the address each message came from; the office PC in lan1 sends with smtplib.
@Suite(.serialized,
       .enabled(if: NetlabEnvironment.canUseNetfilter && access("/usr/bin/python3", X_OK) == 0,
                "needs root, nft, ip and python3"))
struct DaemonInterceptionLabTests {
    static let mailProbe = RulesetGolden.repositoryRoot + "/firmware/lab/mailprobe.py"
    static let ip = NetfilterProcess.locate("ip")

    /// A lab with the probe server in lan2 and mailsecd in fw.
    final class Site {
        let lab = LabTests.Lab()
        let scratch: TemporaryDirectory
        let applier: NetfilterApplier
        let server: DaemonProcess
        let pop3Server: DaemonProcess
        var daemon: DaemonProcess?
        let serverAddress: String

        init(mode: String, serverPorts: [Int] = [25, 587]) throws {
            scratch = try TemporaryDirectory(prefix: "mailsec-icpt")
            // The probe and the daemon run as root inside namespaces; their files must be reachable.
            chmod(scratch.url.path, 0o755)
            serverAddress = mode == "router" ? "198.51.100.25" : "192.0.2.25"
            applier = NetfilterApplier(namespace: lab.prefix + "fw")
            let up = try lab.run(["up", mode])
            guard up.status == 0 else {
                _ = try? lab.run(["down"])
                throw LabSetupError("lab up: \(up.stderr)")
            }
            server = try DaemonProcess(Self.ipPath, ["netns", "exec", lab.prefix + "lan2", "/usr/bin/python3",
                                                     DaemonInterceptionLabTests.mailProbe, "server"] + serverPorts.map(String.init),
                                       directory: scratch.url)
            pop3Server = try DaemonProcess(Self.ipPath, ["netns", "exec", lab.prefix + "lan2", "/usr/bin/python3",
                                                         DaemonInterceptionLabTests.mailProbe, "pop3-server", "110"],
                                           directory: scratch.url)
            guard waitUntil({ self.server.standardOutput.contains("ready") && self.pop3Server.standardOutput.contains("ready") }) else {
                throw LabSetupError("probe servers: \(server.standardError) \(pop3Server.standardError)")
            }
        }

        static var ipPath: String { DaemonInterceptionLabTests.ip }

        var control: String { scratch.path("ctl.sock") }

        /// Starts mailsecd inside fw with `arguments` after the common ones; the configuration
        /// relays mail without a scan service (nothing to scan with in this lab).
        func startDaemon(_ arguments: [String], configuration: String = "mail security use on\nmail security inactive transfer pass\n") throws -> DaemonProcess {
            try configuration.write(toFile: scratch.path("mailsec.conf"), atomically: true, encoding: .utf8)
            let daemon = try DaemonProcess(Self.ipPath, ["netns", "exec", lab.prefix + "fw", ProductBinary.path("mailsecd"),
                                                         "--config", scratch.path("mailsec.conf"), "--control", control,
                                                         "--syslog-socket", scratch.path("no-syslog"), "--serial", "LAB-0001",
                                                         "--ysc-ca", scratch.path("no-ca.pem"), "--spool", scratch.path("spool")]
                                           + arguments, directory: scratch.url)
            self.daemon = daemon
            guard waitUntil({ FileManager.default.fileExists(atPath: self.control) }) else {
                throw LabSetupError("mailsecd did not start: \(daemon.standardError)")
            }
            return daemon
        }

        func console(_ command: String) throws -> String {
            let result = try CommandRun.run(ProductBinary.path("mailsec"), ["--control", control, command], timeout: 20)
            guard result.status == 0 else { throw LabSetupError("\(command): \(result.stdout) \(result.stderr)") }
            return result.stdout
        }

        /// Sum of the SMTP (or POP3) counters of `show status mail security`: it grows when a
        /// message went through the proxy.
        func smtpCount(_ prefix: String = "SMTP ") throws -> Int {
            try console("show status mail security").split(separator: "\n")
                .filter { $0.hasPrefix(prefix) }
                .compactMap { $0.split(separator: " ").last.flatMap { Int($0) } }
                .reduce(0, +)
        }

        /// Sends one message from the office PC (to `host`, default the server's IPv4 address);
        /// returns the server's line for it.
        func send(to port: Int, subject: String, host: String? = nil) throws -> String {
            let result = try CommandRun.run(Self.ipPath, ["netns", "exec", lab.prefix + "lan1", "/usr/bin/python3",
                                                          DaemonInterceptionLabTests.mailProbe, "send", host ?? serverAddress,
                                                          String(port), subject], timeout: 60)
            guard result.stdout.hasPrefix("sent") else {
                return "not sent: \(result.stdout) \(result.stderr)"
            }
            var line = ""
            _ = waitUntil(timeout: 10) {
                line = self.server.standardOutput.split(separator: "\n").last { $0.hasSuffix(" " + subject) }.map(String.init) ?? ""
                return !line.isEmpty
            }
            return line
        }

        /// Sends and says whether the proxy counted the session.
        func sendCounting(to port: Int, subject: String, host: String? = nil) throws -> (line: String, intercepted: Bool) {
            let before = try smtpCount()
            let line = try send(to: port, subject: subject, host: host)
            // The counters move when the session ends, just after the server saw the message.
            let intercepted = waitUntil(timeout: 3) { ((try? self.smtpCount()) ?? before) > before }
            return (line, intercepted)
        }

        /// Retrieves message 1 from the office PC over POP3: the client's line, the server's
        /// RETR lines, and whether the proxy counted it.
        func fetchCounting(host: String? = nil) throws -> (client: String, server: [String], intercepted: Bool) {
            let before = try smtpCount("POP3 ")
            let result = try CommandRun.run(Self.ipPath, ["netns", "exec", lab.prefix + "lan1", "/usr/bin/python3",
                                                          DaemonInterceptionLabTests.mailProbe, "fetch", host ?? serverAddress, "110"],
                                            timeout: 60)
            let intercepted = waitUntil(timeout: 3) { ((try? self.smtpCount("POP3 ")) ?? before) > before }
            let retrs = pop3Server.standardOutput.split(separator: "\n").filter { $0.hasPrefix("retr ") }.map(String.init)
            return (result.stdout.trimmingCharacters(in: .whitespacesAndNewlines), retrs, intercepted)
        }

        func table() throws -> String? { try applier.listTable() }

        /// Waits until `show status mail security` holds `text` (the Interception row is set
        /// once an apply has run to its end: nft, then the policy routing).
        func waitForStatus(_ text: String) -> Bool {
            waitUntil { ((try? self.console("show status mail security")) ?? "").contains(text) }
        }

        /// True once `nft list table inet mailsec` says there is none (false when nft failed).
        func tableIsGone() -> Bool {
            do { return try table() == nil } catch { return false }
        }

        func fwmarkRules() throws -> [String] {
            try applier.execute(Self.ipPath, ["rule", "list"]).stdout
                .split(separator: "\n").map(String.init).filter { $0.contains("fwmark") }
        }

        func tearDown() {
            daemon?.stop(signal: SIGKILL)
            server.stop(signal: SIGKILL)
            pop3Server.stop(signal: SIGKILL)
            _ = try? lab.run(["down"])
        }
    }

    struct LabSetupError: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }

    @Test func routerModeFollowsTheConsoleLiveAndCleansUpOnExit() throws {
        let site = try Site(mode: "router")
        defer { site.tearDown() }
        let daemon = try site.startDaemon(["--interception", "appliance", "--lan1", "lan1", "--lan2", "lan2", "--mode", "router"])
        try #require(site.waitForStatus("rules loaded"), "no rules: \(daemon.standardError)")
        #expect(waitUntil {
            ((try? site.console("show status mail security")) ?? "")
                .contains("Interception                  appliance router lan1-lan2: rules loaded (SMTP 25, POP3 110, SMTP TLS 465, POP3 TLS 995)")
        })

        // Intercepted, and the server sees the office PC's own address (full transparency).
        let first = try site.sendCounting(to: 25, subject: "first")
        #expect(first.line.hasPrefix("message 192.0.2.10 25 "), "\(first.line) \(daemon.standardError)")
        #expect(first.intercepted)
        // POP3 too: retrieved through the proxy, the server sees the PC.
        let fetched = try site.fetchCounting()
        #expect(fetched.client == "fetched mailbox", "\(fetched) \(daemon.standardError)")
        #expect(fetched.server == ["retr 192.0.2.10 110"])
        #expect(fetched.intercepted)
        // 587 is not a mail security port yet: it passes untouched.
        let direct = try site.sendCounting(to: 587, subject: "direct587")
        #expect(direct.line.hasPrefix("message 192.0.2.10 587 "), "\(direct.line)")
        #expect(!direct.intercepted)

        // A port change takes effect without a restart.
        _ = try site.console("mail security port smtp 25 587")
        #expect(site.waitForStatus("rules loaded (SMTP 25 587, POP3 110, SMTP TLS 465, POP3 TLS 995)"))
        let diverted = try site.sendCounting(to: 587, subject: "diverted587")
        #expect(diverted.line.hasPrefix("message 192.0.2.10 587 "), "\(diverted.line)")
        #expect(diverted.intercepted)

        // use off: the rules go, and mail passes untouched.
        _ = try site.console("mail security use off")
        #expect(waitUntil { site.tableIsGone() })
        #expect(waitUntil { ((try? site.fwmarkRules()) ?? ["?"]).isEmpty })
        #expect(waitUntil { ((try? site.console("show status mail security")) ?? "").contains("no rules (mail security use off)") })
        let untouched = try site.sendCounting(to: 25, subject: "untouched")
        #expect(untouched.line.hasPrefix("message 192.0.2.10 25 "), "\(untouched.line)")
        #expect(!untouched.intercepted)

        // use on again, then exit: nothing of ours is left in the appliance's namespace.
        _ = try site.console("mail security use on")
        #expect(site.waitForStatus("rules loaded"))
        // The policy routing follows the table (nft first, then ip).
        #expect(waitUntil { ((try? site.fwmarkRules()) ?? []).count == 1 })
        #expect(daemon.stop(signal: SIGTERM) == 0)
        #expect(try site.table() == nil)
        #expect(try site.fwmarkRules().isEmpty)
        #expect(daemon.standardError.contains("interception rules removed"))
        let afterExit = try site.send(to: 25, subject: "afterexit")
        #expect(afterExit.hasPrefix("message 192.0.2.10 25 "), "\(afterExit)")
    }

    @Test func bridgeModeInterceptsWithTheBridgesMAC() throws {
        let site = try Site(mode: "bridge")
        defer { site.tearDown() }
        let daemon = try site.startDaemon(["--interception", "appliance", "--lan1", "lan1", "--lan2", "lan2",
                                           "--mode", "bridge", "--bridge", "br0"])
        try #require(site.waitForStatus("rules loaded"), "no rules: \(daemon.standardError)")
        let mac = try #require(try site.applier.macAddress(of: "br0"))
        #expect(try site.table(family: "bridge")?.contains(mac) == true)

        let first = try site.sendCounting(to: 25, subject: "bridged")
        #expect(first.line.hasPrefix("message 192.0.2.10 25 "), "\(first.line) \(daemon.standardError)")
        #expect(first.intercepted)

        #expect(daemon.stop(signal: SIGTERM) == 0)
        #expect(try site.table() == nil)
        #expect(try site.table(family: "bridge") == nil)
        #expect(try site.fwmarkRules().isEmpty)
        let untouched = try site.send(to: 25, subject: "afterexit")
        #expect(untouched.hasPrefix("message 192.0.2.10 25 "), "\(untouched)")
    }

    /// Bridge mode: LAN1 and LAN2 share the bridge's network, so `httpd host lan1` is told apart
    /// by the port a frame came in on: the office PC on LAN1 gets the web console, the server
    /// behind LAN2 is refused (its SYN dropped, IPv4 and IPv6); `httpd host any` lets it in, a range
    /// naming it does too, and the guard's table goes with the daemon.
    @Test func bridgeModeWebConsoleAdmitsLAN1AndRefusesLAN2() throws {
        let site = try Site(mode: "bridge")
        defer { site.tearDown() }
        let daemon = try site.startDaemon(["--interception", "appliance", "--lan1", "lan1", "--lan2", "lan2",
                                           "--mode", "bridge", "--bridge", "br0", "--state-dir", site.scratch.path("state")],
                                          configuration: "mail security use on\nmail security inactive transfer pass\nhttpd host lan1\nhttpd listen 8443\n")
        func status(from namespace: String, _ host: String = "192.0.2.1") throws -> String {
            let url = host.contains(":") ? "https://[\(host)]:8443/login" : "https://\(host):8443/login"
            let result = try CommandRun.run(Site.ipPath, ["netns", "exec", site.lab.prefix + namespace, "curl", "-sk",
                                                          "--connect-timeout", "3", "--max-time", "10", "-o", "/dev/null", "-w", "%{http_code}", url], timeout: 20)
            return result.status == 0 ? result.stdout : "curl exit \(result.status)"
        }
        // The web console's certificate is made at its first start: wait for it to answer.
        try #require(waitUntil(timeout: 60) { (try? status(from: "lan1")) == "200" },
                     "LAN1: \((try? status(from: "lan1")) ?? "?") \(daemon.standardError)")
        #expect(try status(from: "lan1", "2001:db8:1::1") == "200")
        // Refused before any HTTP (the SYN is dropped: curl's connect timeout, 28), not a 403 page.
        #expect(try status(from: "lan2") == "curl exit 28")
        #expect(try status(from: "lan2", "2001:db8:1::1") == "curl exit 28")
        #expect(try site.applier.listTable(family: "bridge", name: WebConsoleGuard.tableName)?.contains("drop") == true)

        _ = try site.console("httpd host any")
        #expect(waitUntil(timeout: 10) { (try? status(from: "lan2")) == "200" }, "\(daemon.standardError)")
        _ = try site.console("httpd host lan1 192.0.2.25")
        #expect(waitUntil(timeout: 10) { (try? status(from: "lan2", "2001:db8:1::1")) == "curl exit 28" })
        #expect(try status(from: "lan2") == "200")
        #expect(try status(from: "lan1") == "200")

        #expect(daemon.stop(signal: SIGTERM) == 0)
        #expect(try site.applier.listTable(family: "bridge", name: WebConsoleGuard.tableName) == nil)
    }

    /// A plan that cannot be loaded is shown and logged, the daemon keeps serving, and the
    /// rules in place stay until a valid change comes.
    @Test func aFailureIsShownAndLoggedAndNotFatal() throws {
        let site = try Site(mode: "router")
        defer { site.tearDown() }
        let daemon = try site.startDaemon(["--interception", "appliance", "--lan1", "lan1", "--lan2", "lan2", "--mode", "router"])
        try #require(site.waitForStatus("rules loaded"), "no rules: \(daemon.standardError)")

        _ = try site.console("mail security port pop 25")
        #expect(waitUntil {
            ((try? site.console("show status mail security")) ?? "")
                .contains("FAILED to load the rules: invalid interception plan: port 25 is both an SMTP and a POP3 port")
        })
        #expect(daemon.standardError.contains("interception: cannot load the rules: invalid interception plan"))
        #expect(try site.table()?.contains("tproxy to :10025") == true)
        #expect(try site.sendCounting(to: 25, subject: "stillintercepted").intercepted)

        _ = try site.console("mail security port pop 110")
        #expect(waitUntil { ((try? site.console("show status mail security")) ?? "").contains("rules loaded (SMTP 25, POP3 110, SMTP TLS 465, POP3 TLS 995)") })
        #expect(daemon.isRunning)
    }

    /// A bridge that does not exist: the apply fails with the reason, the daemon runs on.
    @Test func aMissingBridgeIsReported() throws {
        let site = try Site(mode: "router")
        defer { site.tearDown() }
        let daemon = try site.startDaemon(["--interception", "appliance", "--lan1", "lan1", "--lan2", "lan2",
                                           "--mode", "bridge", "--bridge", "nosuch0"])
        #expect(waitUntil {
            ((try? site.console("show status mail security")) ?? "").contains("FAILED to load the rules: invalid interception plan: bridge nosuch0 does not exist or has no MAC address")
        }, "\(daemon.standardError)")
        #expect(try site.table() == nil)
        #expect(daemon.isRunning)
    }

    /// With a port map and no --interception flag, the console setting decides, live.
    @Test func theConsoleSettingSwitchesBetweenApplianceAndExternal() throws {
        let site = try Site(mode: "router")
        defer { site.tearDown() }
        let daemon = try site.startDaemon(["--lan1", "lan1", "--lan2", "lan2", "--mode", "router"])
        try #require(site.waitForStatus("rules loaded"), "no rules: \(daemon.standardError)")
        #expect(daemon.standardError.contains("interception from the configuration"))

        _ = try site.console("mail security interception external")
        #expect(waitUntil { site.tableIsGone() })
        #expect(waitUntil { ((try? site.console("show status mail security")) ?? "").contains("external: rules managed elsewhere") })
        #expect(!(try site.sendCounting(to: 25, subject: "notdiverted").intercepted))

        _ = try site.console("mail security interception appliance")
        #expect(site.waitForStatus("rules loaded"))
        #expect(try site.sendCounting(to: 25, subject: "divertedagain").intercepted)
        #expect(daemon.stop(signal: SIGINT) == 0)
        #expect(site.tableIsGone())
    }

    /// External: the site's own rules (loaded here by the test) divert to the daemon's
    /// transparent listeners; the daemon never loads or removes a rule.
    @Test func externalModeLoadsNoRulesAndIsFedByTheSitesOwn() throws {
        let site = try Site(mode: "router")
        defer { site.tearDown() }
        let daemon = try site.startDaemon(["--interception", "external",
                                           "--smtp-transparent", "0.0.0.0:10025", "--pop3-transparent", "0.0.0.0:10110",
                                           "--smtps-transparent", "0.0.0.0:10465"])
        #expect(waitUntil { daemon.standardError.contains("started;") }, "\(daemon.standardError)")
        #expect(try site.table() == nil)
        #expect(try site.console("show status mail security").contains("Interception                  external: rules managed elsewhere"))

        // The site firewall's rules (the same ruleset an appliance would load).
        let plan = InterceptionPlan(lan1: "lan1", lan2: "lan2")
        try site.applier.apply(plan)
        let diverted = try site.sendCounting(to: 25, subject: "external")
        #expect(diverted.line.hasPrefix("message 192.0.2.10 25 "), "\(diverted.line) \(daemon.standardError)")
        #expect(diverted.intercepted)

        // A careless site rule that also diverts mail addressed to the appliance itself: the
        // loop guard refuses the session instead of relaying it to the box's own address.
        let careless = try site.applier.execute(NetfilterProcess.locate("nft"), [
            "add", "rule", "inet", "mailsec", "prerouting", "iifname", "lan1", "ip", "daddr", "192.0.2.1",
            "tcp", "dport", "25", "meta", "mark", "set", "0x1", "tproxy", "ip", "to", ":10025", "accept"])
        #expect(careless.status == 0, "\(careless.stderr)")
        let own = try CommandRun.run(Self.ip, ["netns", "exec", site.lab.prefix + "lan1", "/usr/bin/python3",
                                               RulesetGolden.repositoryRoot + "/firmware/lab/probe.py", "connect", "192.0.2.1", "25"],
                                     timeout: 20)
        #expect(own.stdout.hasPrefix("421 "), "\(own.stdout) \(own.stderr)")
        // The implicit-TLS listener guards the same way: nothing is relayed, the session closes.
        let carelessTLS = try site.applier.execute(NetfilterProcess.locate("nft"), [
            "add", "rule", "inet", "mailsec", "prerouting", "iifname", "lan1", "ip", "daddr", "192.0.2.1",
            "tcp", "dport", "465", "meta", "mark", "set", "0x1", "tproxy", "ip", "to", ":10465", "accept"])
        #expect(carelessTLS.status == 0, "\(carelessTLS.stderr)")
        let ownTLS = try CommandRun.run(Self.ip, ["netns", "exec", site.lab.prefix + "lan1", "/usr/bin/python3",
                                                  RulesetGolden.repositoryRoot + "/firmware/lab/probe.py", "connect", "192.0.2.1", "465"],
                                        timeout: 20)
        #expect(ownTLS.stdout.hasPrefix("421 "), "\(ownTLS.stdout) \(ownTLS.stderr)")

        // Changing the daemon's configuration never touches the site's rules, nor does exit.
        _ = try site.console("mail security use off")
        _ = try site.console("mail security port smtp 26")
        #expect(daemon.stop(signal: SIGTERM) == 0)
        #expect(try site.table() != nil)
        #expect(!daemon.standardError.contains("interception rules"))
        try site.applier.apply(plan.disabled)
    }
}

extension DaemonInterceptionLabTests.Site {
    func table(family: String) throws -> String? { try applier.listTable(family: family) }
}

import Foundation
import Testing
import TestSupport

/// How mailsecd picks its interception mode at start, without touching any netfilter rule:
/// none of these daemons may load rules into the test machine's own namespace.
@Suite struct InterceptionStartupTests {
    let mailsecd = ProductBinary.path("mailsecd")
    let mailsec = ProductBinary.path("mailsec")

    private func start(_ dir: TemporaryDirectory, _ extra: [String]) throws -> ManagedProcess {
        let socket = dir.path("ctl.sock")
        let daemon = try ManagedProcess(mailsecd, ["--config", dir.path("mailsec.conf"), "--control", socket,
                                                   "--syslog-socket", dir.path("no-syslog"), "--spool", dir.path("spool")] + extra,
                                        directory: dir.url)
        #expect(waitUntil { FileManager.default.fileExists(atPath: socket) }, "no socket: \(daemon.standardError)")
        return daemon
    }

    @Test func withoutAPortMapNothingIsIntercepted() throws {
        let dir = try TemporaryDirectory()
        try "mail security use on\n".write(toFile: dir.path("mailsec.conf"), atomically: true, encoding: .utf8)
        let daemon = try start(dir, [])
        defer { daemon.stop() }
        #expect(waitUntil { daemon.standardError.contains("interception off (no port map)") }, "\(daemon.standardError)")
        let status = try runCommand(mailsec, ["--control", dir.path("ctl.sock"), "show status mail security"])
        #expect(status.stdout.contains("Interception                  off: nothing intercepted"), "\(status.stdout)")
        // The console setting alone changes nothing without a port map.
        #expect(try runCommand(mailsec, ["--control", dir.path("ctl.sock"), "mail security interception appliance"]).status == 0)
        #expect(try runCommand(mailsec, ["--control", dir.path("ctl.sock"), "show status mail security"]).stdout
                    .contains("Interception                  off: nothing intercepted"))
    }

    @Test func explicitProxiesAloneMeanOff() throws {
        let dir = try TemporaryDirectory()
        let daemon = try start(dir, ["--smtp-listen", "127.0.0.1:\(TCPPort.free())", "--smtp-upstream", "127.0.0.1:9",
                                     "--lan1", "lo", "--lan2", "nosuch0"])
        defer { daemon.stop() }
        #expect(waitUntil { daemon.standardError.contains("interception off (--smtp-listen/--pop3-listen without --interception)") },
                "\(daemon.standardError)")
    }

    @Test(arguments: [
        (["--interception", "appliance"], "needs a port map"),
        (["--portmap", "/nonexistent/portmap"], "cannot read the port map /nonexistent/portmap"),
        (["--interception", "appliance", "--lan1", "eth0", "--lan2", "eth0"], "lan1 and lan2 are both 'eth0'"),
        (["--interception", "appliance", "--lan1", "bad/name", "--lan2", "eth1"], "bad interface name 'bad/name'"),
    ])
    func aDaemonThatCannotInterceptAsToldRefusesToStart(_ extra: [String], _ message: String) throws {
        let dir = try TemporaryDirectory()
        let daemon = try ManagedProcess(mailsecd, ["--config", dir.path("mailsec.conf"), "--control", dir.path("ctl.sock"),
                                                   "--syslog-socket", dir.path("no-syslog")] + extra, directory: dir.url)
        #expect(waitUntil { !daemon.isRunning }, "still running: \(daemon.standardError)")
        #expect(daemon.terminationStatus != 0)
        #expect(daemon.standardError.contains(message), "\(daemon.standardError)")
    }

    @Test func aBadPortMapFileIsReportedWithItsLine() throws {
        let dir = try TemporaryDirectory()
        try "mode router\nlan1 eth0\nlan2 eth1\nmode switch\n".write(toFile: dir.path("portmap"), atomically: true, encoding: .utf8)
        let daemon = try ManagedProcess(mailsecd, ["--config", dir.path("mailsec.conf"), "--control", dir.path("ctl.sock"),
                                                   "--syslog-socket", dir.path("no-syslog"), "--portmap", dir.path("portmap"),
                                                   "--interception", "off"], directory: dir.url)
        #expect(waitUntil { !daemon.isRunning }, "still running: \(daemon.standardError)")
        #expect(daemon.standardError.contains("portmap line 4: "), "\(daemon.standardError)")
    }
}

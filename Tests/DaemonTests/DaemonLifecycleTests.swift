import Foundation
import Testing
import TestSupport

/// The daemon as a real process: console socket, live commands, save, crash, reload.
@Suite struct DaemonLifecycleTests {
    let mailsecd = ProductBinary.path("mailsecd")
    let mailsec = ProductBinary.path("mailsec")

    private func startDaemon(_ dir: TemporaryDirectory) throws -> ManagedProcess {
        let socket = dir.path("ctl.sock")
        try? FileManager.default.removeItem(atPath: socket)
        let daemon = try ManagedProcess(mailsecd, ["--config", dir.path("mailsec.conf"), "--control", socket, "--syslog-socket", dir.path("no-syslog")], directory: dir.url)
        #expect(waitUntil { FileManager.default.fileExists(atPath: socket) }, "daemon did not open its socket: \(daemon.standardError)")
        return daemon
    }

    private func console(_ dir: TemporaryDirectory, _ command: String) throws -> (status: Int32, stdout: String, stderr: String) {
        try runCommand(mailsec, ["--control", dir.path("ctl.sock"), command])
    }

    @Test func savedSettingsSurviveAKillAndUnsavedOnesDoNot() throws {
        let dir = try TemporaryDirectory()
        var daemon = try startDaemon(dir)
        #expect(try console(dir, "mail security use on").status == 0)
        #expect(try console(dir, "ysc retry 5").status == 0)
        let saved = try console(dir, "save")
        #expect(saved.status == 0, "\(saved)")
        #expect(try console(dir, "mail security spam level 5").status == 0)
        #expect(try console(dir, "show config").stdout == "mail security use on\nmail security spam level 5\nysc retry 5\n")

        daemon.stop(signal: SIGKILL)
        daemon = try startDaemon(dir)
        defer { daemon.stop() }
        #expect(try console(dir, "show config").stdout == "mail security use on\nysc retry 5\n")
    }

    @Test func socketIsPrivateAndRemovedOnStop() throws {
        let dir = try TemporaryDirectory()
        let daemon = try startDaemon(dir)
        let attributes = try FileManager.default.attributesOfItem(atPath: dir.path("ctl.sock"))
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        #expect(daemon.stop(signal: SIGTERM) == 0)
        #expect(!FileManager.default.fileExists(atPath: dir.path("ctl.sock")))
    }

    @Test func errorsComeBackWithExitCodeOne() throws {
        let dir = try TemporaryDirectory()
        let daemon = try startDaemon(dir)
        defer { daemon.stop() }
        let result = try console(dir, "mail security max size 101")
        #expect(result.status == 1)
        #expect(result.stdout == "Error: Parameter out of range\n")
        let tooLong = try console(dir, "mail security prefix spam " + String(repeating: "x", count: 20_000))
        #expect(tooLong.status == 1)
        #expect(tooLong.stdout.hasPrefix("Error: "))
        // The daemon is still serving after both.
        #expect(try console(dir, "show config").status == 0)
    }

    @Test func aBadLineIsReportedWithItsNumberAndTheRestApplied() throws {
        let dir = try TemporaryDirectory()
        try "mail security use on\nmail security spam level 9\nysc retry 2\n".write(toFile: dir.path("mailsec.conf"), atomically: true, encoding: .utf8)
        let daemon = try startDaemon(dir)
        defer { daemon.stop() }
        #expect(try console(dir, "show config").stdout == "mail security use on\nysc retry 2\n")
        #expect(daemon.standardError.contains("line 2: 'mail security spam level 9': Error: Parameter out of range"))
    }

    @Test func sighupReloadsTheFile() throws {
        let dir = try TemporaryDirectory()
        let daemon = try startDaemon(dir)
        defer { daemon.stop() }
        #expect(try console(dir, "mail security spam level 2").status == 0)
        try "ysc request timeout 30\n".write(toFile: dir.path("mailsec.conf"), atomically: true, encoding: .utf8)
        kill(daemon.pid, SIGHUP)
        #expect(waitUntil { (try? console(dir, "show config").stdout) == "ysc request timeout 30\n" })
    }

    @Test func consoleWithoutDaemonSaysSo() throws {
        let dir = try TemporaryDirectory()
        let result = try console(dir, "show config")
        #expect(result.status == 1)
        #expect(result.stderr.contains("Cannot reach the daemon"))
    }
}

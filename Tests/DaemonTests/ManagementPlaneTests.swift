import Foundation
import Testing
import TestSupport

/// The management plane as a real process: who may reach the console socket, and what the
/// administrator password guards (docs/reliability.md, Management plane).
@Suite struct ManagementPlaneTests {
    let mailsecd = ProductBinary.path("mailsecd")
    let mailsec = ProductBinary.path("mailsec")
    static let setpriv = "/usr/bin/setpriv"

    private func startDaemon(_ dir: TemporaryDirectory) throws -> ManagedProcess {
        let socket = dir.path("ctl.sock")
        let daemon = try ManagedProcess(mailsecd, ["--config", dir.path("mailsec.conf"), "--control", socket,
                                                   "--syslog-socket", dir.path("no-syslog")], directory: dir.url)
        #expect(waitUntil { FileManager.default.fileExists(atPath: socket) }, "daemon did not open its socket: \(daemon.standardError)")
        return daemon
    }

    private func console(_ dir: TemporaryDirectory, _ arguments: [String], input: String? = nil) throws -> (status: Int32, stdout: String, stderr: String) {
        try runCommand(mailsec, ["--control", dir.path("ctl.sock")] + arguments, input: input)
    }

    /// `mailsec` run as `nobody` (a real unprivileged process: setuid through util-linux).
    private func consoleAsNobody(_ dir: TemporaryDirectory, _ command: String) throws -> (status: Int32, stdout: String, stderr: String) {
        try runCommand(Self.setpriv, ["--reuid", "nobody", "--regid", "nogroup", "--clear-groups",
                                      mailsec, "--control", dir.path("ctl.sock"), command])
    }

    @Test func anotherUserCannotUseTheConsole() throws {
        let dir = try TemporaryDirectory()
        let daemon = try startDaemon(dir)
        defer { daemon.stop() }
        // The file's mode stops nobody at connect().
        let blocked = try consoleAsNobody(dir, "mail security use on")
        #expect(blocked.status != 0)
        #expect(blocked.stderr.contains("Permission denied"), "\(blocked)")

        // With the file's mode loosened (a mistake, or a directory bind-mounted elsewhere), the
        // daemon's own check of the peer (SO_PEERCRED) still refuses, and says why.
        #expect(chmod(dir.path("ctl.sock"), 0o666) == 0)
        let refused = try consoleAsNobody(dir, "mail security use on")
        #expect(refused.status == 1, "\(refused)")
        #expect(refused.stdout == "Error: Permission denied: the console is for root only\n", "\(refused)")

        // Nothing changed; root is still served.
        let config = try console(dir, ["show config"])
        #expect(config.status == 0)
        #expect(config.stdout == "")
    }

    @Test func administratorPasswordGuardsChangesAndIsNeverStoredInClear() throws {
        let dir = try TemporaryDirectory()
        let daemon = try startDaemon(dir)
        defer { daemon.stop() }
        let secret = "Tr0ub4dor&3 horse"
        try (secret + "\n").write(toFile: dir.path("admin.pw"), atomically: true, encoding: .utf8)
        try "wrong\n".write(toFile: dir.path("wrong.pw"), atomically: true, encoding: .utf8)

        // No password yet: changes need none (a fresh box), setting one included.
        #expect(try console(dir, ["administrator password \"\(secret)\""]).status == 0)

        // From now on a change needs administrator mode …
        let refused = try console(dir, ["mail security use on"])
        #expect(refused.status == 1)
        #expect(refused.stdout.contains("Administrator mode needed"), "\(refused)")
        #expect(try console(dir, ["save"]).status == 1)
        // … reading does not.
        #expect(try console(dir, ["show status mail security"]).status == 0)

        let wrong = try console(dir, ["--administrator-password-file", dir.path("wrong.pw"), "mail security use on"])
        #expect(wrong.status == 1)
        #expect(wrong.stdout == "Error: Password incorrect\n")

        let granted = try console(dir, ["--administrator-password-file", dir.path("admin.pw"), "mail security use on"])
        #expect(granted.status == 0, "\(granted)")
        #expect(try console(dir, ["--administrator-password-file", dir.path("admin.pw"), "save"]).status == 0)

        // The interactive console asks for it with `administrator`.
        let session = try console(dir, [], input: "administrator\n\(secret)\nysc retry 4\nshow config\nexit\n")
        #expect(session.stdout.contains("Password: "))
        #expect(session.stdout.contains("ysc retry 4\n"), "\(session.stdout)")
        let unprivileged = try console(dir, [], input: "ysc retry 5\nexit\n")
        #expect(unprivileged.stdout.contains("Administrator mode needed"))

        // Stored hashed: not in `show config`, not in the saved file, not in the daemon's log.
        let shown = try console(dir, ["show config"]).stdout
        #expect(shown.contains("administrator password encrypted $pbkdf2-sha256$"))
        #expect(!shown.contains("Tr0ub4dor"))
        let saved = try String(contentsOfFile: dir.path("mailsec.conf"), encoding: .utf8)
        #expect(saved.contains("administrator password encrypted $pbkdf2-sha256$"))
        #expect(!saved.contains("Tr0ub4dor"))
        daemon.stop()
        #expect(!daemon.standardError.contains("Tr0ub4dor"))
        #expect(!daemon.standardOutput.contains("Tr0ub4dor"))
    }

    @Test func wrongPasswordsAreLimitedPerSession() throws {
        let dir = try TemporaryDirectory()
        let daemon = try startDaemon(dir)
        defer { daemon.stop() }
        #expect(try console(dir, ["administrator password right"]).status == 0)
        let guesses = try console(dir, [], input: "administrator\na\nadministrator\nb\nadministrator\nc\nadministrator\nright\nysc retry 4\nexit\n")
        #expect(guesses.stdout.components(separatedBy: "Error: Password incorrect").count - 1 == 3)
        #expect(guesses.stdout.contains("Error: Too many password failures on this session"))
        #expect(guesses.stdout.contains("Administrator mode needed"))
        #expect(!(try console(dir, ["show config"]).stdout.contains("ysc retry 4")))
    }
}

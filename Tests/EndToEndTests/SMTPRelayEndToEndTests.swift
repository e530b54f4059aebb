import Foundation
import Testing
import TestSupport

/// The SMTP path end to end on loopback: swaks (the client) → mailsecd in explicit mode (the
/// appliance) → the mail server, with the real bundled scan service (yscd) judging every message.
///
/// The server is Postfix's `smtp-sink`, dumping every message it accepts to a file (a real SMTP
/// server from the Postfix distribution; a full private Postfix instance can take its place).
@Suite(.serialized) struct SMTPRelayEndToEndTests {
    static let gtube = "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X"
    static let eicar = #"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"#

    static func message(subject: String, body: String, from: String = "alice@example.com") -> String {
        "From: Alice <\(from)>\r\nTo: bob@example.net\r\nSubject: \(subject)\r\nMessage-ID: <e2e@example.com>\r\n\r\n\(body)\r\n"
    }

    @Test func cleanMessageArrivesByteIdenticalToADirectDelivery() throws {
        let lab = try SMTPLab()
        defer { lab.stop() }
        var body = ""
        // Over the buffer's memory threshold: the message goes through a spill file.
        for i in 0..<60000 { body += i % 7 == 0 ? ".leading dot \(i)\r\n" : "line \(i) of a clean message\r\n" }
        let file = try lab.write("clean.eml", Self.message(subject: "clean", body: body))

        let viaAppliance = try lab.swaks(file, port: lab.proxyPort)
        #expect(viaAppliance.status == 0, "\(viaAppliance.stdout)")
        let relayed = try #require(lab.takeDelivered().first)
        let direct = try lab.swaks(file, port: lab.serverPort)
        #expect(direct.status == 0)
        let straight = try #require(lab.takeDelivered().first)
        #expect(SMTPLab.original(relayed) == SMTPLab.original(straight))
        #expect(SMTPLab.original(relayed).contains("\n.leading dot 0\n"))
        #expect(try lab.console("show status mail security").contains("SMTP clean                    1"))
    }

    @Test func gtubeGetsTheSpamPrefix() throws {
        let lab = try SMTPLab()
        defer { lab.stop() }
        let file = try lab.write("gtube.eml", Self.message(subject: "offer", body: Self.gtube))
        let result = try lab.swaks(file, port: lab.proxyPort)
        #expect(result.status == 0, "\(result.stdout)")
        let delivered = try #require(lab.takeDelivered().first)
        #expect(delivered.contains("\nSubject: [SPAM] offer\n"))
        #expect(try lab.console("show log").contains("[MAIL_SEC] Detect spam mail (100)"))
    }

    @Test func eicarUnderRejectIs554AndNothingIsDelivered() throws {
        let lab = try SMTPLab()
        defer { lab.stop() }
        try lab.console("mail security smtp detect illegal mail reject")
        let file = try lab.write("eicar.eml", Self.message(subject: "virus", body: Self.eicar))
        let result = try lab.swaks(file, port: lab.proxyPort)
        #expect(result.status != 0)
        #expect(result.stdout.contains("554 5.7.1 "))
        #expect(lab.takeDelivered().isEmpty)
        #expect(try lab.console("show status mail security history").contains("reject"))
    }

    @Test func whiteListedSenderGetsTheHeaderInsteadOfThePrefix() throws {
        let lab = try SMTPLab()
        defer { lab.stop() }
        try lab.console("mail security white-list pattern 1 from=*@example.com")
        try lab.console("mail security white-list set 1 1")
        try lab.console("mail security white-list set enable 1")
        let file = try lab.write("white.eml", Self.message(subject: "offer", body: Self.gtube))
        let result = try lab.swaks(file, port: lab.proxyPort)
        #expect(result.status == 0, "\(result.stdout)")
        let delivered = try #require(lab.takeDelivered().first)
        #expect(delivered.contains("X-Yamaha-Mail-Security: operation=send; result=spam; match=white\n"))
        #expect(delivered.contains("\nSubject: offer\n"))
        #expect(try lab.console("show log").contains("[MAIL_SEC] Match white-list pattern (1)"))
    }

    @Test func scanServiceDownUnderInactiveRejectIs451() throws {
        let lab = try SMTPLab()
        defer { lab.stop() }
        try lab.console("ysc retry 0")
        try lab.console("mail security inactive transfer reject")
        lab.stopScanService()
        let file = try lab.write("clean.eml", Self.message(subject: "hello", body: "hi"))
        let result = try lab.swaks(file, port: lab.proxyPort)
        #expect(result.status != 0)
        #expect(result.stdout.contains("451 4.7.1 "))
        #expect(lab.takeDelivered().isEmpty)
        #expect(try lab.console("show log").contains("[MAIL_SEC] Reject mail transfer for failure to access YSC"))
    }
}

/// yscd + mailsecd (explicit SMTP mode) + a mail server, each on its own loopback port.
final class SMTPLab {
    let dir: TemporaryDirectory
    let scanPort = TCPPort.free()
    let proxyPort = TCPPort.free()
    let serverPort = TCPPort.free()
    let control: String
    private var yscd: ManagedProcess?
    private var mailsecd: ManagedProcess?
    private let sink: ManagedProcess
    private let dumpDirectory: URL

    init() throws {
        dir = try TemporaryDirectory(prefix: "smtp-e2e")
        control = dir.path("ctl.sock")
        let pki = dir.path("pki")
        let made = try runCommand(ProductBinary.repositoryRoot().appendingPathComponent("firmware/make-pki.sh").path, [pki])
        guard made.status == 0 else { throw LabError.setup("make-pki: \(made.stderr)") }

        yscd = try ManagedProcess(ProductBinary.path("yscd"),
                                  ["--listen", "127.0.0.1:\(scanPort)", "--cert", pki + "/server.pem", "--key", pki + "/server.key"],
                                  directory: dir.url)
        dumpDirectory = dir.url.appendingPathComponent("delivered")
        try FileManager.default.createDirectory(at: dumpDirectory, withIntermediateDirectories: true)
        // smtp-sink: -d writes each message to a file (strftime template + a unique suffix).
        sink = try ManagedProcess("/usr/sbin/smtp-sink",
                                  ["-u", NSUserName(), "-d", dumpDirectory.path + "/%H%M%S.", "127.0.0.1:\(serverPort)", "64"],
                                  directory: dir.url)

        let config = dir.path("mailsec.conf")
        for command in ["mail security use on", "ysc url https://127.0.0.1:\(scanPort)/", "save"] {
            let result = try runCommand(ProductBinary.path("mailsec"), ["--config", config, command])
            guard result.status == 0 else { throw LabError.setup("mailsec \(command): \(result.stdout)\(result.stderr)") }
        }
        let scanPort = scanPort, serverPort = serverPort, proxyPort = proxyPort
        guard waitUntil({ TCPPort.isListening(scanPort) && TCPPort.isListening(serverPort) }) else {
            throw LabError.setup("yscd or the mail server did not start")
        }
        let daemon = try ManagedProcess(ProductBinary.path("mailsecd"), [
            "--config", config, "--control", control, "--syslog-socket", dir.path("no-syslog"),
            "--ysc-ca", pki + "/ca.pem", "--serial", "E2E-0001", "--spool", dir.path("spool"),
            "--smtp-listen", "127.0.0.1:\(proxyPort)", "--smtp-upstream", "127.0.0.1:\(serverPort)",
        ], directory: dir.url)
        mailsecd = daemon
        guard waitUntil({ TCPPort.isListening(proxyPort) }) else {
            throw LabError.setup("mailsecd did not start: \(daemon.standardError)")
        }
        // The licence is activated in the background at start.
        guard waitUntil({ ((try? self.console("show status mail security")) ?? "").contains("License                       active") }) else {
            throw LabError.setup("the licence did not become active")
        }
    }

    enum LabError: Error { case setup(String) }

    func stop() {
        mailsecd?.stop()
        yscd?.stop()
        sink.stop()
    }

    func stopScanService() {
        yscd?.stop()
        yscd = nil
    }

    @discardableResult
    func console(_ command: String) throws -> String {
        let result = try runCommand(ProductBinary.path("mailsec"), ["--control", control, command])
        guard result.status == 0 else { throw LabError.setup("\(command): \(result.stdout)\(result.stderr)") }
        return result.stdout
    }

    func write(_ name: String, _ text: String) throws -> String {
        let path = dir.path(name)
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    func swaks(_ file: String, port: Int) throws -> (status: Int32, stdout: String) {
        let result = try runCommand("/usr/bin/swaks", [
            "--server", "127.0.0.1:\(port)", "--from", "alice@example.com", "--to", "bob@example.net",
            "--data", "@" + file, "--timeout", "60",
        ], timeout: 120)
        return (result.status, result.stdout + result.stderr)
    }

    /// The messages the server accepted since the last call (and removes them).
    func takeDelivered() -> [String] {
        // smtp-sink writes the file before it replies to the final dot; swaks has that reply.
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: dumpDirectory.path)) ?? []).sorted()
        return files.compactMap { name in
            let url = dumpDirectory.appendingPathComponent(name)
            defer { try? FileManager.default.removeItem(at: url) }
            return try? String(contentsOf: url, encoding: .utf8)
        }
    }

    /// The message as the client sent it: what the server itself prepended (its trace fields,
    /// which name the connecting address and the time) cut off.
    static func original(_ dumped: String) -> String {
        guard let start = dumped.range(of: "From: Alice") else { return dumped }
        return String(dumped[start.lowerBound...])
    }
}

import Foundation
import Testing
import TestSupport

/// The SMTP path end to end on loopback: swaks (the client) → mailsecd in explicit mode (the
/// appliance) → a private Postfix (the server), with the real bundled scan service (yscd)
/// judging every message.
@Suite(.serialized, .privatePostfix())
struct SMTPRelayEndToEndTests {
    static let gtube = "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X"
    static let eicar = #"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"#
    static let recipient = "bob@example.com"

    static func message(subject: String, body: String, from: String = "alice@example.com") -> Data {
        Data("From: Alice <\(from)>\r\nTo: Bob <\(recipient)>\r\nSubject: \(subject)\r\nMessage-ID: <e2e@example.com>\r\n\r\n\(body)\r\n".utf8)
    }

    static func send(_ data: Data, port: Int) throws -> Swaks.Result {
        try Swaks.send(port: port, from: "alice@example.com", to: [recipient], data: data, timeout: 60)
    }

    /// Runs `send` and returns the one message it added to the recipient's Maildir (as stored,
    /// below the fields Postfix adds), nil when it added none. "None" is proven by a marker
    /// message sent straight to Postfix afterwards: once that arrived, nothing else is pending.
    /// `arrives` says whether the message is expected in the Maildir (default: when accepted).
    static func delivered(arrives: Bool? = nil,
                          by send: () throws -> Swaks.Result) throws -> (result: Swaks.Result, content: String?) {
        let postfix = try PrivatePostfix.instance
        let mailbox = postfix.mailbox(recipient)
        let before = Set(mailbox.messages())
        let result = try send()
        let marker = try Self.send(message(subject: "marker", body: "marker"), port: postfix.port)
        guard marker.accepted else { throw MailServerError.setupFailed("marker: \(marker.transcript)") }
        let files = try postfix.waitForMessages(for: recipient, count: before.count + ((arrives ?? result.accepted) ? 2 : 1))
        let contents = try files.filter { !before.contains($0) }
            .map { String(decoding: PostfixInstance.splitDelivered(try postfix.readMessage($0)).content, as: UTF8.self) }
            .filter { !$0.contains("Subject: marker") }
        #expect(contents.count <= 1)
        return (result, contents.first)
    }

    @Test func cleanMessageArrivesByteIdenticalToADirectDelivery() throws {
        let postfix = try PrivatePostfix.instance
        let lab = try SMTPLab(serverPort: postfix.port)
        defer { lab.stop() }
        var body = ""
        // Over the buffer's memory threshold: the message goes through a spill file.
        for i in 0..<40000 { body += i % 7 == 0 ? ".leading dot \(i)\r\n" : "line \(i) of a clean message\r\n" }
        let message = Self.message(subject: "clean", body: body)

        let relayed = try Self.delivered { try Self.send(message, port: lab.proxyPort) }
        #expect(relayed.result.accepted, "\(relayed.result.transcript)")
        let straight = try Self.delivered { try Self.send(message, port: postfix.port) }
        #expect(straight.result.accepted)
        let content = try #require(relayed.content)
        #expect(content == straight.content)
        #expect(content.contains("\n.leading dot 0\n"))
        #expect(try lab.console("show status mail security").contains("SMTP clean                    1"))
    }

    @Test func gtubeGetsTheSpamPrefix() throws {
        let lab = try SMTPLab(serverPort: try PrivatePostfix.instance.port)
        defer { lab.stop() }
        let relayed = try Self.delivered { try Self.send(Self.message(subject: "offer", body: Self.gtube), port: lab.proxyPort) }
        #expect(relayed.result.accepted, "\(relayed.result.transcript)")
        let content = try #require(relayed.content)
        #expect(content.contains("\nSubject: [SPAM] offer\n"))
        #expect(try lab.console("show log").contains("[MAIL_SEC] Detect spam mail (100)"))
    }

    @Test func spamIsTaggedWhileVirusesAreRefusedAtTheSameTime() throws {
        let lab = try SMTPLab(serverPort: try PrivatePostfix.instance.port)
        defer { lab.stop() }
        try lab.console("mail security smtp detect spam mail pass")
        try lab.console("mail security smtp detect virus mail reject")
        #expect(try lab.console("show config").contains(
            "mail security smtp detect spam mail pass\nmail security smtp detect virus mail reject\n"))
        let spam = try Self.delivered { try Self.send(Self.message(subject: "offer", body: Self.gtube), port: lab.proxyPort) }
        #expect(spam.result.accepted, "\(spam.result.transcript)")
        #expect(try #require(spam.content).contains("\nSubject: [SPAM] offer\n"))
        let virus = try Self.delivered { try Self.send(Self.message(subject: "virus", body: Self.eicar), port: lab.proxyPort) }
        #expect(!virus.result.accepted)
        #expect(virus.result.transcript.contains("554 5.7.1 Message rejected by mail security (virus)"))
        #expect(virus.content == nil)
        let status = try lab.console("show status mail security")
        #expect(status.contains("SMTP tagged                   1"), "\(status)")
        #expect(status.contains("SMTP rejected                 1"), "\(status)")
    }

    @Test func eicarUnderRejectIs554AndNothingIsDelivered() throws {
        let lab = try SMTPLab(serverPort: try PrivatePostfix.instance.port)
        defer { lab.stop() }
        try lab.console("mail security smtp detect illegal mail reject")
        let relayed = try Self.delivered { try Self.send(Self.message(subject: "virus", body: Self.eicar), port: lab.proxyPort) }
        #expect(!relayed.result.accepted)
        #expect(relayed.result.replyCodes.contains(554))
        #expect(relayed.result.transcript.contains("554 5.7.1 "))
        #expect(relayed.content == nil)
        #expect(try lab.console("show status mail security history").contains("reject"))
    }

    @Test func whiteListedSenderGetsTheHeaderInsteadOfThePrefix() throws {
        let lab = try SMTPLab(serverPort: try PrivatePostfix.instance.port)
        defer { lab.stop() }
        try lab.console("mail security white-list pattern 1 from=*@example.com")
        try lab.console("mail security white-list set 1 1")
        try lab.console("mail security white-list set enable 1")
        let relayed = try Self.delivered { try Self.send(Self.message(subject: "offer", body: Self.gtube), port: lab.proxyPort) }
        #expect(relayed.result.accepted, "\(relayed.result.transcript)")
        let content = try #require(relayed.content)
        #expect(content.hasPrefix("X-Yamaha-Mail-Security: operation=send; result=spam; match=white\n"))
        #expect(content.contains("\nSubject: offer\n"))
        #expect(try lab.console("show log").contains("[MAIL_SEC] Match white-list pattern (1)"))
    }

    @Test func detectedUnderTransferNotifiesTheSenderInstead() throws {
        let postfix = try PrivatePostfix.instance
        let lab = try SMTPLab(serverPort: postfix.port)
        defer { lab.stop() }
        try lab.console("mail security smtp detect illegal mail transfer")
        let sender = postfix.mailbox("alice@example.com")
        let before = Set(sender.messages())
        let relayed = try Self.delivered(arrives: false) {
            try Self.send(Self.message(subject: "offer", body: Self.gtube), port: lab.proxyPort)
        }
        #expect(relayed.result.accepted, "\(relayed.result.transcript)")  // the server's reply to the notification
        #expect(relayed.content == nil)  // the original did not reach its recipient
        let files = try postfix.waitForMessages(for: "alice@example.com", count: before.count + 1)
        let notification = try #require(files.first { !before.contains($0) })
        let delivered = PostfixInstance.splitDelivered(try postfix.readMessage(notification))
        let text = String(decoding: delivered.content, as: UTF8.self)
        #expect(delivered.addedFields.first == "Return-Path: <mail-security@example.com>\n")
        #expect(text.contains("Subject: [MAIL SECURITY] Illegal mail detected"))
        #expect(text.contains("Content-Type: message/rfc822"))
        #expect(text.contains(Self.gtube))
        #expect(try lab.console("show status mail security").contains("SMTP transferred              1"))
    }

    @Test func overSizeUnderRejectIs552() throws {
        let lab = try SMTPLab(serverPort: try PrivatePostfix.instance.port)
        defer { lab.stop() }
        try lab.console("mail security max size 1")
        try lab.console("mail security smtp size overflow reject")
        let body = String(repeating: "x", count: 76) + "\r\n"
        let message = Self.message(subject: "big", body: String(repeating: body, count: 15_000))
        let relayed = try Self.delivered { try Self.send(message, port: lab.proxyPort) }
        #expect(!relayed.result.accepted)
        #expect(relayed.result.transcript.contains("552 5.3.4 "))
        #expect(relayed.content == nil)
        #expect(try lab.console("show log").contains("[MAIL_SEC] SMTP: Mail size is over ("))
    }

    @Test func scanServiceDownUnderInactiveRejectIs451() throws {
        let lab = try SMTPLab(serverPort: try PrivatePostfix.instance.port)
        defer { lab.stop() }
        try lab.console("ysc retry 0")
        try lab.console("mail security inactive transfer reject")
        lab.stopScanService()
        let relayed = try Self.delivered { try Self.send(Self.message(subject: "hello", body: "hi"), port: lab.proxyPort) }
        #expect(!relayed.result.accepted)
        #expect(relayed.result.transcript.contains("451 4.7.1 "))
        #expect(relayed.content == nil)
        #expect(try lab.console("show log").contains("[MAIL_SEC] Reject mail transfer for failure to access YSC"))
    }
}

extension SMTPRelayEndToEndTests {
    @Test func overSizeUnderPassIsDeliveredUnscanned() throws {
        let postfix = try PrivatePostfix.instance
        let lab = try SMTPLab(serverPort: postfix.port)
        defer { lab.stop() }
        try lab.console("mail security max size 1")
        // GTUBE inside proves the message was not scanned: it arrives without a prefix.
        let line = String(repeating: "y", count: 76) + "\r\n"
        let message = Self.message(subject: "big", body: Self.gtube + "\r\n" + String(repeating: line, count: 15_000))
        let relayed = try Self.delivered { try Self.send(message, port: lab.proxyPort) }
        #expect(relayed.result.accepted, "\(relayed.result.transcript)")
        let straight = try Self.delivered { try Self.send(message, port: postfix.port) }
        #expect(relayed.content == straight.content)
        #expect(relayed.content?.contains("\nSubject: big\n") == true)
        #expect(try lab.console("show log").contains("[MAIL_SEC] SMTP: Mail size is over ("))
        #expect(try lab.console("show status mail security").contains("SMTP over size                1"))
    }

    @Test func scanServiceDownUnderInactivePassIsDeliveredUntouched() throws {
        let postfix = try PrivatePostfix.instance
        let lab = try SMTPLab(serverPort: postfix.port)
        defer { lab.stop() }
        try lab.console("ysc retry 0")
        try lab.console("mail security inactive transfer pass")
        lab.stopScanService()
        let message = Self.message(subject: "offer", body: Self.gtube)
        let relayed = try Self.delivered { try Self.send(message, port: lab.proxyPort) }
        #expect(relayed.result.accepted, "\(relayed.result.transcript)")
        let straight = try Self.delivered { try Self.send(message, port: postfix.port) }
        #expect(relayed.content == straight.content)
        #expect(try lab.console("show log").contains("[MAIL_SEC] SMTP: can't scan mail"))
        #expect(try lab.console("show status mail security").contains("SMTP could not scan           1"))
    }

    /// Three messages through one appliance: the counters say exactly what happened.
    @Test func countersMatchWhatHappened() throws {
        let lab = try SMTPLab(serverPort: try PrivatePostfix.instance.port)
        defer { lab.stop() }
        for (subject, body) in [("clean", "hello"), ("offer", Self.gtube), ("virus", Self.eicar)] {
            let relayed = try Self.delivered { try Self.send(Self.message(subject: subject, body: body), port: lab.proxyPort) }
            #expect(relayed.result.accepted, "\(relayed.result.transcript)")
        }
        let status = try lab.console("show status mail security")
        for row in ["SMTP inspected                3", "SMTP clean                    1", "SMTP spam                     1",
                    "SMTP virus                    1", "SMTP tagged                   2", "SMTP rejected                 0",
                    "POP3 inspected                0"] {
            #expect(status.contains(row + "\n"), "\(row) in\n\(status)")
        }
        let history = try lab.console("show status mail security history")
        #expect(history.contains("virus") && history.contains("spam"), "\(history)")
    }
}

extension SMTPRelayEndToEndTests {
    /// A client that dies in the middle of a large DATA leaves nothing behind: no file in the
    /// spool, no spill file held open by the daemon, nothing delivered.
    @Test func aSessionKilledMidDataLeavesNoSpillFile() throws {
        let lab = try SMTPLab(serverPort: try PrivatePostfix.instance.port)
        defer { lab.stop() }
        let pid = try #require(lab.daemonPID)
        func spillFilesOpen() -> Int {
            let fds = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd")) ?? []
            return fds.filter { fd in
                ((try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/fd/\(fd)")) ?? "")
                    .contains(lab.dir.path("spool"))
            }.count
        }
        // 3 MB of content is well over the buffer's memory threshold: it is spilling when the
        // client vanishes (the script checks it got 354 before sending, then just closes).
        let relayed = try Self.delivered(arrives: false) {
            let script = try runCommand("/usr/bin/python3", ["-c", """
                import socket
                s = socket.create_connection(("127.0.0.1", \(lab.proxyPort)), timeout=30)
                f = s.makefile("rb")
                def reply():
                    line = f.readline()
                    while line[3:4] == b"-":
                        line = f.readline()
                    return line
                reply()
                for command in [b"EHLO e2e.example.com", b"MAIL FROM:<alice@example.com>", b"RCPT TO:<bob@example.com>", b"DATA"]:
                    s.sendall(command + b"\\r\\n")
                    code = reply()[:3]
                print(code.decode())
                s.sendall(b"Subject: cut\\r\\n\\r\\n" + b"z" * 78 + b"\\r\\n")
                for _ in range(3 * 1024 * 1024 // 80):
                    s.sendall(b"z" * 78 + b"\\r\\n")
                s.close()
                """], timeout: 60)
            #expect(script.stdout == "354\n", "\(script)")
            return Swaks.Result(status: 1, transcript: script.stdout, standardError: script.stderr, replyCodes: [])
        }
        #expect(relayed.content == nil)
        #expect(waitUntil(timeout: 10) { spillFilesOpen() == 0 })
        #expect(try FileManager.default.contentsOfDirectory(atPath: lab.dir.path("spool")).isEmpty)
    }
}

/// yscd + mailsecd (explicit SMTP mode, or explicit POP3 mode with `pop3: true`) in front of a
/// mail server, each on its own loopback port.
final class SMTPLab {
    let dir: TemporaryDirectory
    let scanPort = TCPPort.free()
    let proxyPort = TCPPort.free()
    let serverPort: Int
    let control: String
    private var yscd: ManagedProcess?
    private var mailsecd: ManagedProcess?

    /// `daemonArguments`: more mailsecd options (e.g. `--time-divisor`, `--ysc-api-key-file`).
    /// The daemon's state (the site CA of docs/tls.md) goes to `dir/state`.
    init(serverPort: Int, pop3: Bool = false, daemonArguments: [String] = []) throws {
        self.serverPort = serverPort
        dir = try TemporaryDirectory(prefix: "smtp-e2e")
        control = dir.path("ctl.sock")
        let pki = dir.path("pki")
        let made = try runCommand(ProductBinary.repositoryRoot().appendingPathComponent("firmware/make-pki.sh").path, [pki])
        guard made.status == 0 else { throw LabError.setup("make-pki: \(made.stderr)") }

        yscd = try startScanService()

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
            "--ysc-ca", pki + "/ca.pem", "--serial", "E2E-0001", "--spool", dir.path("spool"), "--state-dir", dir.path("state"),
            pop3 ? "--pop3-listen" : "--smtp-listen", "127.0.0.1:\(proxyPort)",
            pop3 ? "--pop3-upstream" : "--smtp-upstream", "127.0.0.1:\(serverPort)",
        ] + daemonArguments, directory: dir.url)
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
    }

    /// The daemon's PID, to look at its open files.
    var daemonPID: pid_t? { mailsecd?.pid }

    func stopScanService() {
        yscd?.stop()
        yscd = nil
    }

    private func startScanService(_ extra: [String] = []) throws -> ManagedProcess {
        let pki = dir.path("pki")
        return try ManagedProcess(ProductBinary.path("yscd"),
                                  ["--listen", "127.0.0.1:\(scanPort)", "--cert", pki + "/server.pem", "--key", pki + "/server.key"] + extra,
                                  directory: dir.url)
    }

    /// Starts yscd again on the same port with `extra` arguments (e.g. `--inject-latency`), once
    /// the licence is active (activation goes through yscd too, and should not wait for them).
    func restartScanService(_ extra: [String]) throws {
        stopScanService()
        yscd = try startScanService(extra)
        let scanPort = scanPort
        guard waitUntil({ TCPPort.isListening(scanPort) }) else { throw LabError.setup("yscd did not start again") }
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
}

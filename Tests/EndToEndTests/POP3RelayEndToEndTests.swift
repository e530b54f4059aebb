import Foundation
import Testing
import TestSupport

/// The POP3 path end to end on loopback: a POP3 client (the test's own `POP3Client`, and
/// Python's poplib) → mailsecd in explicit POP3 mode (the appliance) → a private Dovecot (the
/// server), with the real bundled scan service (yscd) judging every retrieved message.
/// Whatever comes through the appliance is compared with what the same client gets from
/// Dovecot directly.
@Suite(.serialized)
struct POP3RelayEndToEndTests {
    static let gtube = "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X"
    static let eicar = #"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"#

    static func message(subject: String, body: String, from: String = "sender@example.org") -> Data {
        Data("From: Sender <\(from)>\r\nTo: Alice <alice@example.com>\r\nSubject: \(subject)\r\nMessage-ID: <\(subject)@example.org>\r\n\r\n\(body)\r\n".utf8)
    }

    /// Over the buffer's memory threshold (it goes through a spill file), with stuffed lines.
    static let cleanMessage: Data = {
        var body = ""
        for i in 0..<40000 { body += i % 7 == 0 ? ".leading dot \(i)\r\n" : "line \(i) of a clean message\r\n" }
        return message(subject: "clean", body: body)
    }()

    /// A private Dovecot holding `messages` for alice, started.
    static func dovecot(_ messages: [Data]) throws -> DovecotInstance {
        let dovecot = try DovecotInstance(users: ["alice": "secret"])
        for message in messages { _ = try dovecot.deliver(user: "alice", message: message) }
        try dovecot.start()
        return dovecot
    }

    /// Every message, by its Subject, as the client gets it (not deleted).
    static func fetch(port: Int) throws -> [String: POP3Client.Retrieved] {
        var bySubject: [String: POP3Client.Retrieved] = [:]
        for retrieved in try POP3Client.fetchAll(port: port, user: "alice", password: "secret") {
            let text = String(decoding: retrieved.message, as: UTF8.self)
            let subject = text.components(separatedBy: "\r\n").first { $0.hasPrefix("Subject: ") } ?? ""
            bySubject[String(subject.dropFirst("Subject: ".count))] = retrieved
        }
        return bySubject
    }

    /// poplib: for each message, the RETR status line, the Subject and a digest of the content.
    static func poplib(port: Int) throws -> [String] {
        let run = try runCommand("/usr/bin/python3", ["-c", """
            import hashlib, poplib
            p = poplib.POP3("127.0.0.1", \(port), timeout=60)
            p.user("alice")
            p.pass_("secret")
            for n in range(1, len(p.list()[1]) + 1):
                resp, lines, octets = p.retr(n)
                subject = next(l for l in lines if l.startswith(b"Subject: ")).decode()
                digest = hashlib.sha256(b"\\r\\n".join(lines) + b"\\r\\n").hexdigest()
                print(resp.decode(), "|", subject, "|", digest)
            p.quit()
            """], timeout: 120)
        guard run.status == 0 else { throw SMTPLab.LabError.setup("poplib: \(run.stdout)\(run.stderr)") }
        return run.stdout.split(separator: "\n").map(String.init)
    }

    @Test func cleanSpamAndVirusThroughTheAppliance() throws {
        let dovecot = try Self.dovecot([Self.cleanMessage, Self.message(subject: "offer", body: Self.gtube),
                                        Self.message(subject: "virus", body: Self.eicar)])
        defer { dovecot.stop() }
        let lab = try SMTPLab(serverPort: dovecot.port, pop3: true)
        defer { lab.stop() }

        let straight = try Self.fetch(port: dovecot.port)
        let relayed = try Self.fetch(port: lab.proxyPort)
        // Clean: byte for byte, on the wire too.
        let clean = try #require(relayed["clean"])
        #expect(clean.message == Self.cleanMessage)
        #expect(clean.message == straight["clean"]?.message)
        #expect(clean.wire == straight["clean"]?.wire)
        // GTUBE and EICAR: the prefix, and nothing else changed.
        let spam = try #require(relayed["[SPAM] offer"], "\(relayed.keys)")
        let straightSpam = String(decoding: try #require(straight["offer"]).message, as: UTF8.self)
        #expect(String(decoding: spam.message, as: UTF8.self)
                == straightSpam.replacingOccurrences(of: "Subject: offer", with: "Subject: [SPAM] offer"))
        let virus = try #require(relayed["[VIRUS] virus"], "\(relayed.keys)")
        #expect(String(decoding: virus.message, as: UTF8.self).contains(Self.eicar))

        let status = try lab.console("show status mail security")
        for row in ["POP3 inspected                3", "POP3 clean                    1", "POP3 spam                     1",
                    "POP3 virus                    1", "POP3 tagged                   2", "SMTP inspected                0"] {
            #expect(status.contains(row + "\n"), "\(row) in\n\(status)")
        }
        let log = try lab.console("show log")
        #expect(log.contains("[MAIL_SEC] Detect spam mail (100)"))
        #expect(log.contains("[MAIL_SEC] Detect virus mail ("))
        let history = try lab.console("show status mail security history")
        #expect(history.contains("POP3 (receive)"), "\(history)")
    }

    @Test func poplibGetsTheSameMessagesWithCorrectedOctetCounts() throws {
        let dovecot = try Self.dovecot([Self.cleanMessage, Self.message(subject: "offer", body: Self.gtube)])
        defer { dovecot.stop() }
        let lab = try SMTPLab(serverPort: dovecot.port, pop3: true)
        defer { lab.stop() }
        let straight = try Self.poplib(port: dovecot.port)
        let relayed = try Self.poplib(port: lab.proxyPort)
        try #require(straight.count == 2 && relayed.count == 2, "\(straight) \(relayed)")
        // The same numbering both ways (the server's); find the clean one and the spam one.
        let clean = try #require(straight.firstIndex { $0.contains("| Subject: clean |") })
        let spam = 1 - clean
        #expect(relayed[clean] == straight[clean])  // clean: status line and content identical
        #expect(relayed[spam].contains("| Subject: [SPAM] offer |"), "\(relayed)")
        let octets = { (line: String) -> Int? in Int(line.split(separator: " ")[1]) }
        #expect(octets(relayed[spam]) == octets(straight[spam]).map { $0 + "[SPAM] ".utf8.count })
    }

    /// curl as a third real client: `pop3://` RETR of each message and the LIST it sends.
    @Test func curlRetrievesTheSameCleanMessageAndATaggedSpam() throws {
        let dovecot = try Self.dovecot([Self.cleanMessage, Self.message(subject: "offer", body: Self.gtube)])
        defer { dovecot.stop() }
        let lab = try SMTPLab(serverPort: dovecot.port, pop3: true)
        defer { lab.stop() }
        func curl(_ port: Int, _ path: String) throws -> String {
            let run = try runCommand("/usr/bin/curl", ["--silent", "--show-error", "--max-time", "60",
                                                       "--user", "alice:secret", "pop3://127.0.0.1:\(port)/\(path)"], timeout: 90)
            guard run.status == 0 else { throw SMTPLab.LabError.setup("curl \(path): \(run.stderr)") }
            return run.stdout
        }
        #expect(try curl(lab.proxyPort, "") == (try curl(dovecot.port, "")))  // LIST as the server gave it
        let straight = try [curl(dovecot.port, "1"), curl(dovecot.port, "2")]
        let relayed = try [curl(lab.proxyPort, "1"), curl(lab.proxyPort, "2")]
        let clean = try #require(straight.firstIndex { $0.contains("Subject: clean\r\n") })
        #expect(relayed[clean] == straight[clean])
        #expect(relayed[1 - clean].contains("\r\nSubject: [SPAM] offer\r\n"))
        #expect(relayed[1 - clean].hasSuffix(Self.gtube + "\r\n"))
    }

    @Test func listingCommandsAndDeleteBehaveAsWithoutTheAppliance() throws {
        let dovecot = try Self.dovecot([Self.message(subject: "one", body: "first"), Self.message(subject: "two", body: "second"),
                                        Self.message(subject: "three", body: "third")])
        defer { dovecot.stop() }
        let lab = try SMTPLab(serverPort: dovecot.port, pop3: true)
        defer { lab.stop() }
        let direct = try POP3Client(port: dovecot.port)
        try direct.login(user: "alice", password: "secret")
        let through = try POP3Client(port: lab.proxyPort)
        #expect(through.greeting == direct.greeting)
        try through.login(user: "alice", password: "secret")
        #expect(try through.multiline("UIDL") == direct.multiline("UIDL"))
        #expect(try through.multiline("LIST") == direct.multiline("LIST"))
        #expect(try through.command("STAT") == direct.command("STAT"))
        let top = try direct.multiline("TOP 2 0")
        #expect(try through.multiline("TOP 2 0") == top)
        let second = try #require(top.first { $0.hasPrefix("Subject: ") }).dropFirst("Subject: ".count)
        #expect(try through.multiline("TOP 3 1") == direct.multiline("TOP 3 1"))
        #expect(throws: POP3Client.Failure.self) { try through.command("RETR 9") }
        try direct.quit()
        try through.delete(2)
        try through.quit()
        #expect(waitUntil(timeout: 5) { dovecot.messages(of: "alice").count == 2 })
        let left = try Self.fetch(port: dovecot.port)
        #expect(Set(left.keys) == Set(["one", "two", "three"]).subtracting([String(second)]))
    }

    @Test func whiteListedSenderGetsTheReceiveHeader() throws {
        let dovecot = try Self.dovecot([Self.message(subject: "offer", body: Self.gtube)])
        defer { dovecot.stop() }
        let lab = try SMTPLab(serverPort: dovecot.port, pop3: true)
        defer { lab.stop() }
        try lab.console("mail security white-list pattern 1 from=*@example.org")
        try lab.console("mail security white-list set 1 1")
        try lab.console("mail security white-list set enable 1")
        let relayed = try #require(try Self.fetch(port: lab.proxyPort)["offer"])
        let text = String(decoding: relayed.message, as: UTF8.self)
        #expect(text.contains("X-Yamaha-Mail-Security: operation=receive; result=spam; match=white\r\n"), "\(text)")
        #expect(!text.contains("[SPAM]"))
        #expect(try lab.console("show log").contains("[MAIL_SEC] Match white-list pattern (1)"))
        #expect(try lab.console("show status mail security").contains("POP3 white-listed             1"))
    }

    @Test func scanServiceDownUnderInactiveRejectIsATempfailAndTheMessageStays() throws {
        let dovecot = try Self.dovecot([Self.message(subject: "hello", body: "hi")])
        defer { dovecot.stop() }
        let lab = try SMTPLab(serverPort: dovecot.port, pop3: true)
        defer { lab.stop() }
        try lab.console("ysc retry 0")
        try lab.console("mail security inactive transfer reject")
        lab.stopScanService()
        let client = try POP3Client(port: lab.proxyPort)
        try client.login(user: "alice", password: "secret")
        do {
            _ = try client.retrieve(1)
            Issue.record("RETR succeeded with the scan service down")
        } catch POP3Client.Failure.negative(_, let reply) {
            #expect(reply.hasPrefix("-ERR [SYS/TEMP] "), "\(reply)")
        }
        try client.quit()
        #expect(dovecot.messages(of: "alice").count == 1)
        #expect(try Self.fetch(port: dovecot.port)["hello"] != nil)
        #expect(try lab.console("show log").contains("[MAIL_SEC] POP3: can't scan mail"))
        let status = try lab.console("show status mail security")
        #expect(status.contains("POP3 could not scan           1\n"), "\(status)")
        #expect(status.contains("POP3 rejected, YSC failure    1\n"), "\(status)")
    }

    @Test func overSizeIsDeliveredUnscannedAndCounted() throws {
        let line = String(repeating: "y", count: 76) + "\r\n"
        let big = Self.message(subject: "big", body: Self.gtube + "\r\n" + String(repeating: line, count: 15_000))
        let dovecot = try Self.dovecot([big])
        defer { dovecot.stop() }
        let lab = try SMTPLab(serverPort: dovecot.port, pop3: true)
        defer { lab.stop() }
        try lab.console("mail security max size 1")
        let relayed = try #require(try Self.fetch(port: lab.proxyPort)["big"])
        #expect(relayed.message == big)
        #expect(try lab.console("show log").contains("[MAIL_SEC] POP3: Mail size is over ("))
        #expect(try lab.console("show status mail security").contains("POP3 over size                1\n"))
    }
}

extension POP3RelayEndToEndTests {
    /// A client that goes away in the middle of a large RETR leaves nothing behind: no spill
    /// file held open by the daemon, nothing in the spool, and (no QUIT reached the server) the
    /// message still on the server.
    @Test func aClientGoneMidRetrLeavesNoSpillFileAndTheMessageStays() throws {
        let line = String(repeating: "z", count: 78) + "\r\n"
        let big = Self.message(subject: "cut", body: String(repeating: line, count: 3 * 1024 * 1024 / 80))
        let dovecot = try Self.dovecot([big])
        defer { dovecot.stop() }
        let lab = try SMTPLab(serverPort: dovecot.port, pop3: true)
        defer { lab.stop() }
        let pid = try #require(lab.daemonPID)
        func spillFilesOpen() -> Int {
            let fds = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd")) ?? []
            return fds.filter { fd in
                ((try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/fd/\(fd)")) ?? "")
                    .contains(lab.dir.path("spool"))
            }.count
        }
        let script = try runCommand("/usr/bin/python3", ["-c", """
            import socket
            s = socket.create_connection(("127.0.0.1", \(lab.proxyPort)), timeout=30)
            f = s.makefile("rb")
            print(f.readline()[:3].decode())
            for command in [b"USER alice", b"PASS secret"]:
                s.sendall(command + b"\\r\\n")
                print(f.readline()[:3].decode())
            s.sendall(b"RETR 1\\r\\n")
            s.close()
            """], timeout: 60)
        #expect(script.stdout == "+OK\n+OK\n+OK\n", "\(script)")
        #expect(waitUntil(timeout: 10) { spillFilesOpen() == 0 })
        #expect(try FileManager.default.contentsOfDirectory(atPath: lab.dir.path("spool")).isEmpty)
        #expect(dovecot.messages(of: "alice").count == 1)
        // The session is over on both sides: a new one retrieves the message whole.
        #expect(try Self.fetch(port: lab.proxyPort)["cut"]?.message == big)
    }
}

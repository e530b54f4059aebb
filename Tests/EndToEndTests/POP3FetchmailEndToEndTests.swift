import Foundation
import Testing
import TestSupport

/// fetchmail as a real client of the appliance's POP3 proxy: the same run control, once
/// straight to a private Dovecot and once through mailsecd (explicit mode, real yscd). What
/// fetchmail hands its MDA (one file per message) must be the same both ways for clean mail,
/// tagged for spam and viruses, with the X- header when white-listed; `keep` with `uidl`
/// (client-side "seen" tracking) and deletion (DELE, then QUIT) must behave as without the
/// appliance.
///
/// How fetchmail 6.4 retrieves (seen in its `-v` trace): with `keep` it tracks seen messages
/// by UIDL itself and uses RETR; with `nokeep` and no `fetchall`, or with the `uidl` server
/// option, it fetches whole messages with `TOP n 99999999` instead. Such a TOP is a retrieval
/// (docs/pop3-top-retrieval.md): scanned, tagged and counted exactly as RETR, so both ways are
/// run and must give the same result.
@Suite(.serialized)
struct POP3FetchmailEndToEndTests {
    typealias Lab = POP3RelayEndToEndTests

    /// One fetchmail set-up: run control (mode 0600), MDA script, id file and output directory.
    struct Fetchmail {
        let dir: TemporaryDirectory
        let port: Int
        var outbox: String { dir.path("delivered") }

        /// `server` and `user` are fetchmail's server and user options (`uidl`; `keep`, `fetchall`).
        init(port: Int, server: String = "", user: String) throws {
            self.port = port
            dir = try TemporaryDirectory(prefix: "fetchmail")
            try FileManager.default.createDirectory(atPath: outbox, withIntermediateDirectories: true)
            // The MDA: each message into the next numbered file (fetchmail delivers one at a time).
            let mda = dir.path("deliver.sh")
            try Data("#!/bin/sh\nn=$(ls '\(outbox)' | wc -l)\nexec cat > '\(outbox)'/$(printf %03d \"$n\").eml\n".utf8)
                .write(to: URL(fileURLWithPath: mda))
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: mda)
            let rc = """
            set no bouncemail
            set no syslog
            set invisible
            poll 127.0.0.1 with protocol pop3 service \(port) auth password timeout 60 \(server)
              user "alice" there with password "secret" is "root" here
              options no rewrite \(user) sslproto '' mda "\(mda)"

            """
            try Data(rc.utf8).write(to: URL(fileURLWithPath: dir.path("fetchmailrc")))
            // fetchmail refuses a run control that others can read.
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: dir.path("fetchmailrc"))
        }

        /// One poll, in the foreground: fetchmail's exit status (0 mail fetched, 1 none) and
        /// its verbose protocol trace.
        func run() throws -> (status: Int32, trace: String) {
            let result = try runCommand("/usr/bin/fetchmail", [
                "--fetchmailrc", dir.path("fetchmailrc"), "--idfile", dir.path("fetchids"),
                "--pidfile", dir.path("fetchmail.pid"), "--nodetach", "--nosyslog", "-v", "-v",
            ], timeout: 120)
            return (result.status, result.stdout + result.stderr)
        }

        /// What the MDA got so far, in delivery order.
        func delivered() throws -> [String] {
            try FileManager.default.contentsOfDirectory(atPath: outbox).sorted().map {
                try String(contentsOfFile: outbox + "/" + $0, encoding: .utf8)
            }
        }
    }

    static func subject(_ message: String) -> String {
        let line = message.split(separator: "\n").first { $0.hasPrefix("Subject: ") } ?? ""
        return String(line.dropFirst("Subject: ".count)).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func bySubject(_ messages: [String]) -> [String: String] {
        Dictionary(messages.map { (subject($0), $0) }, uniquingKeysWith: { first, _ in first })
    }

    @Test func keepWithUIDLFetchesTheSameMessagesOnceAndLeavesThemOnTheServer() throws {
        let dovecot = try Lab.dovecot([Lab.cleanMessage, Lab.message(subject: "offer", body: Lab.gtube),
                                       Lab.message(subject: "virus", body: Lab.eicar)])
        defer { dovecot.stop() }
        let lab = try SMTPLab(serverPort: dovecot.port, pop3: true)
        defer { lab.stop() }
        let direct = try Fetchmail(port: dovecot.port, user: "keep")
        let through = try Fetchmail(port: lab.proxyPort, user: "keep")

        let first = (direct: try direct.run(), through: try through.run())
        #expect(first.direct.status == 0, "\(first.direct.trace)")
        #expect(first.through.status == 0, "\(first.through.trace)")
        // With keep, fetchmail tracks by UIDL and retrieves with RETR: every message is scanned.
        #expect(first.through.trace.contains("> UIDL"), "\(first.through.trace)")
        #expect(first.through.trace.contains("> RETR 1"), "\(first.through.trace)")
        #expect(!first.through.trace.contains("> TOP "), "\(first.through.trace)")
        let straight = Self.bySubject(try direct.delivered())
        let relayed = Self.bySubject(try through.delivered())
        try #require(straight.count == 3 && relayed.count == 3, "\(straight.keys) \(relayed.keys)")
        // Clean: what the MDA got is the same byte for byte.
        #expect(relayed["clean"] == straight["clean"])
        #expect(relayed["clean"]?.contains("\n.leading dot 7\nline 8 of a clean message\n") == true)
        // Spam and virus: the prefixes, nothing else changed.
        let spam = try #require(relayed["[SPAM] offer"], "\(relayed.keys)")
        #expect(spam == straight["offer"]?.replacingOccurrences(of: "Subject: offer", with: "Subject: [SPAM] offer"))
        let virus = try #require(relayed["[VIRUS] virus"], "\(relayed.keys)")
        #expect(virus == straight["virus"]?.replacingOccurrences(of: "Subject: virus", with: "Subject: [VIRUS] virus"))

        // The second poll: UIDL says every message was seen; nothing is fetched either way.
        let second = (direct: try direct.run(), through: try through.run())
        #expect(second.direct.status == 1, "\(second.direct.trace)")
        #expect(second.through.status == 1, "\(second.through.trace)")
        #expect(try through.delivered().count == 3)

        // A new message: only it is fetched, the same way.
        _ = try dovecot.deliver(user: "alice", message: Lab.message(subject: "later", body: "a new one"))
        let third = (direct: try direct.run(), through: try through.run())
        #expect(third.direct.status == 0 && third.through.status == 0, "\(third.through.trace)")
        #expect(try direct.delivered().count == 4 && through.delivered().count == 4)
        #expect(Self.bySubject(try through.delivered())["later"] == Self.bySubject(try direct.delivered())["later"])
        // Kept: all four still on the server.
        #expect(dovecot.messages(of: "alice").count == 4)
        #expect(try lab.console("show status mail security").contains("POP3 inspected                4\n"))
    }

    /// What every TOP-retrieval run must show: clean mail byte for byte as fetched straight,
    /// spam and viruses with their prefixes and nothing else changed.
    static func expectTaggedAsWithRETR(straight: [String: String], relayed: [String: String],
                                       sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(straight.count == 3 && relayed.count == 3, "\(straight.keys) \(relayed.keys)", sourceLocation: sourceLocation)
        #expect(relayed["hello"] != nil && relayed["hello"] == straight["hello"], sourceLocation: sourceLocation)
        #expect(relayed["[SPAM] offer"] != nil && relayed["[SPAM] offer"]
                    == straight["offer"]?.replacingOccurrences(of: "Subject: offer", with: "Subject: [SPAM] offer"),
                "\(relayed.keys)", sourceLocation: sourceLocation)
        #expect(relayed["[VIRUS] virus"] != nil && relayed["[VIRUS] virus"]
                    == straight["virus"]?.replacingOccurrences(of: "Subject: virus", with: "Subject: [VIRUS] virus"),
                "\(relayed.keys)", sourceLocation: sourceLocation)
    }

    static let topMessages = [Lab.message(subject: "hello", body: "plain\r\n..with a stuffed dot"),
                              Lab.message(subject: "offer", body: Lab.gtube),
                              Lab.message(subject: "virus", body: Lab.eicar)]

    static func expectCounted(_ lab: SMTPLab, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let status = try lab.console("show status mail security")
        for row in ["POP3 inspected                3", "POP3 clean                    1", "POP3 spam                     1",
                    "POP3 virus                    1", "POP3 tagged                   2"] {
            #expect(status.contains(row + "\n"), "\(row) in\n\(status)", sourceLocation: sourceLocation)
        }
    }

    /// With the `uidl` option fetchmail downloads with `TOP n 99999999`: a retrieval, scanned
    /// like RETR — spam and viruses arrive tagged and are counted. UIDL tracking is unaffected:
    /// each message once, none twice, all left on the server.
    @Test func forcedUIDLFetchesWithTOPWhichIsScannedLikeRETRAndTrackedTheSame() throws {
        let dovecot = try Lab.dovecot(Self.topMessages)
        defer { dovecot.stop() }
        let lab = try SMTPLab(serverPort: dovecot.port, pop3: true)
        defer { lab.stop() }
        let direct = try Fetchmail(port: dovecot.port, server: "uidl", user: "keep")
        let through = try Fetchmail(port: lab.proxyPort, server: "uidl", user: "keep")
        let first = (direct: try direct.run(), through: try through.run())
        #expect(first.direct.status == 0 && first.through.status == 0, "\(first.through.trace)")
        #expect(first.through.trace.contains("> TOP 1 99999999"), "\(first.through.trace)")
        #expect(!first.through.trace.contains("> RETR "), "\(first.through.trace)")
        Self.expectTaggedAsWithRETR(straight: Self.bySubject(try direct.delivered()), relayed: Self.bySubject(try through.delivered()))
        #expect(try direct.run().status == 1)
        #expect(try through.run().status == 1)
        #expect(try through.delivered().count == 3)
        #expect(dovecot.messages(of: "alice").count == 3)
        try Self.expectCounted(lab)
    }

    /// fetchmail's default (`nokeep`, no `fetchall`): TOP to download, then DELE, then QUIT.
    /// Scanned and tagged like RETR; the mailbox ends empty, as without the appliance.
    @Test func defaultNokeepFetchesWithTOPScansTagsAndDeletes() throws {
        let plain = try Lab.dovecot(Self.topMessages)
        defer { plain.stop() }
        let dovecot = try Lab.dovecot(Self.topMessages)
        defer { dovecot.stop() }
        let lab = try SMTPLab(serverPort: dovecot.port, pop3: true)
        defer { lab.stop() }
        let direct = try Fetchmail(port: plain.port, user: "nokeep")
        let through = try Fetchmail(port: lab.proxyPort, user: "nokeep")
        let runs = (direct: try direct.run(), through: try through.run())
        #expect(runs.direct.status == 0, "\(runs.direct.trace)")
        #expect(runs.through.status == 0, "\(runs.through.trace)")
        #expect(runs.through.trace.contains("> TOP 1 99999999"), "\(runs.through.trace)")
        for number in 1...3 { #expect(runs.through.trace.contains("> DELE \(number)"), "\(runs.through.trace)") }
        #expect(waitUntil(timeout: 5) { dovecot.messages(of: "alice").isEmpty && plain.messages(of: "alice").isEmpty })
        Self.expectTaggedAsWithRETR(straight: Self.bySubject(try direct.delivered()), relayed: Self.bySubject(try through.delivered()))
        try Self.expectCounted(lab)
        #expect(try through.run().status == 1)
    }

    @Test func deletionRunEmptiesTheMailboxAsWithoutTheApplianceAndTagsAsItGoes() throws {
        let messages = [Lab.message(subject: "hello", body: "plain text\r\n..with a stuffed dot"),
                        Lab.message(subject: "offer", body: Lab.gtube),
                        Lab.message(subject: "friendly offer", body: Lab.gtube, from: "friend@trusted.example")]
        // Two identical servers: one polled straight, one through the appliance.
        let plain = try Lab.dovecot(messages)
        defer { plain.stop() }
        let dovecot = try Lab.dovecot(messages)
        defer { dovecot.stop() }
        let lab = try SMTPLab(serverPort: dovecot.port, pop3: true)
        defer { lab.stop() }
        try lab.console("mail security white-list pattern 1 from=*@trusted.example")
        try lab.console("mail security white-list set 1 1")
        try lab.console("mail security white-list set enable 1")
        let direct = try Fetchmail(port: plain.port, user: "nokeep fetchall")
        let through = try Fetchmail(port: lab.proxyPort, user: "nokeep fetchall")

        let runs = (direct: try direct.run(), through: try through.run())
        #expect(runs.direct.status == 0, "\(runs.direct.trace)")
        #expect(runs.through.status == 0, "\(runs.through.trace)")
        // DELE for each message, then QUIT: the server's UPDATE state deletes them.
        for number in 1...3 { #expect(runs.through.trace.contains("> DELE \(number)"), "\(runs.through.trace)") }
        #expect(runs.through.trace.contains("> QUIT"))
        #expect(waitUntil(timeout: 5) { dovecot.messages(of: "alice").isEmpty && plain.messages(of: "alice").isEmpty })

        let straight = Self.bySubject(try direct.delivered())
        let relayed = Self.bySubject(try through.delivered())
        let hello = try #require(relayed["hello"], "\(relayed.keys)")
        #expect(hello == straight["hello"])
        #expect(hello.hasSuffix("\nplain text\n..with a stuffed dot\n"), "\(hello)")
        #expect(relayed["[SPAM] offer"] == straight["offer"]?.replacingOccurrences(of: "Subject: offer", with: "Subject: [SPAM] offer"))
        let friendly = try #require(relayed["friendly offer"], "\(relayed.keys)")
        #expect(friendly.contains("X-Yamaha-Mail-Security: operation=receive; result=spam; match=white\n"), "\(friendly)")
        #expect(!friendly.contains("[SPAM]"))
        // A second poll finds nothing either way.
        #expect(try direct.run().status == 1)
        #expect(try through.run().status == 1)
    }
}

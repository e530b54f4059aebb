import Foundation
import Testing
import TestSupport

/// Hostile clients against mailsecd with a real Postfix behind it (docs/reliability.md, Protocol
/// abuse). The Postfix here is lenient about errors on purpose (its own error and junk limits
/// raised), so what ends a flood is the appliance's limit, not the server's. The daemon runs with
/// `--time-divisor 60`: every RFC 5321 §4.5.3.2 minute is a second.
@Suite(.serialized, .privatePostfix { configuration in
    configuration.extraSettings = [
        "smtpd_soft_error_limit": "1000", "smtpd_hard_error_limit": "1000",
        "smtpd_junk_command_limit": "100000", "smtpd_error_sleep_time": "0",
        "smtpd_recipient_limit": "5000",
    ]
})
struct SMTPAbuseEndToEndTests {
    typealias D = SMTPDialogue
    static let divisor = 60
    static let envelope = ["EHLO abuse.example.com\r\n", "MAIL FROM:<alice@example.com>\r\n", "RCPT TO:<bob@example.com>\r\n"]

    static func lab() throws -> SMTPLab {
        try SMTPLab(serverPort: try PrivatePostfix.instance.port, daemonArguments: ["--time-divisor", "\(divisor)"])
    }

    /// Waits until Postfix has nothing more in flight for `address`: a marker sent straight to
    /// it has arrived. Returns the messages (content below Postfix's own fields) added since
    /// `before`, the marker left out.
    static func settled(_ address: String, before: Set<URL>) throws -> [String] {
        let postfix = try PrivatePostfix.instance
        let marker = try Swaks.send(port: postfix.port, from: "alice@example.com", to: [address],
                                    data: Data("Subject: marker\r\n\r\nmarker\r\n".utf8), timeout: 60)
        guard marker.accepted else { throw MailServerError.setupFailed("marker: \(marker.transcript)") }
        let mailbox = postfix.mailbox(address)
        guard waitUntil(timeout: 20, { mailbox.messages().contains { !before.contains($0) && ((try? String(contentsOf: $0, encoding: .utf8)) ?? "").contains("Subject: marker") } }) else {
            throw MailServerError.setupFailed("marker for \(address) did not arrive")
        }
        return try mailbox.messages().filter { !before.contains($0) }
            .map { String(decoding: PostfixInstance.splitDelivered(try postfix.readMessage($0)).content, as: UTF8.self) }
            .filter { !$0.contains("Subject: marker") }
    }

    // MARK: end-of-data smuggling

    /// Every published variant of a premature end of data (SMTP smuggling): the server must see
    /// one message whose content holds the smuggled commands as text, never a second message.
    static let smugglingVariants: [(name: String, bytes: [UInt8])] = [
        ("LF.LF", Array("\n.\n".utf8)),
        ("LF.CRLF", Array("\n.\r\n".utf8)),
        ("CR.CR", Array("\r.\r".utf8)),
        ("CRLF.CR", Array("\r\n.\r".utf8)),
        ("CR.CRLF", Array("\r.\r\n".utf8)),
        ("CRLF.LF", Array("\r\n.\n".utf8)),
        ("CRLF NUL.CRLF", [13, 10, 0, 46, 13, 10]),
        ("CRLF.NUL CRLF", [13, 10, 46, 0, 13, 10]),
    ]

    @Test func noSmugglingVariantReachesTheServerAsASecondMessage() throws {
        let postfix = try PrivatePostfix.instance
        let lab = try Self.lab()
        defer { lab.stop() }
        let bobBefore = Set(postfix.mailbox("bob@example.com").messages())
        let carolBefore = Set(postfix.mailbox("carol@example.net").messages())
        for (index, variant) in Self.smugglingVariants.enumerated() {
            var content = Array("Subject: carrier \(index)\r\n\r\nfirst part\r\n".utf8)
            content += Array("tail".utf8) + variant.bytes
            content += Array("MAIL FROM:<alice@example.com>\r\nRCPT TO:<carol@example.net>\r\nDATA\r\nSubject: smuggled \(index)\r\n\r\nsmuggled body\r\n".utf8)
            content += Array("\r\n.\r\n".utf8)
            let outcome = try D.run(port: lab.proxyPort, steps: Self.envelope.map { D.step($0) } + [
                D.step("DATA\r\n"), D.step(bytes: content), D.step("QUIT\r\n"),
            ])
            // One message, one final reply: 250 for the carrier, then 221 for QUIT.
            #expect(outcome.codes == [220, 250, 250, 250, 354, 250, 221], "\(variant.name): \(outcome.lines)")
        }
        let bob = try Self.settled("bob@example.com", before: bobBefore)
        let carol = try Self.settled("carol@example.net", before: carolBefore)
        #expect(bob.count == Self.smugglingVariants.count, "\(bob)")
        #expect(carol.isEmpty, "smuggled: \(carol)")
        // The smuggled commands arrived as text inside the carriers, and nowhere as a message.
        #expect(bob.allSatisfy { $0.contains("RCPT TO:<carol@example.net>") })
        #expect(!bob.contains { $0.hasPrefix("Subject: smuggled") })
        // Postfix delivered to carol once: the marker (its log line may trail the mailbox).
        #expect(waitUntil(timeout: 10) { Self.deliveries(to: "carol@example.net", in: postfix.log) >= 1 })
        #expect(Self.deliveries(to: "carol@example.net", in: postfix.log) == 1)
    }

    /// Postfix's delivery lines (`status=sent`) for `address`.
    static func deliveries(to address: String, in log: String) -> Int {
        log.split(separator: "\n").filter { $0.contains("to=<\(address)>") && $0.contains("status=sent") }.count
    }

    // MARK: never an open relay

    @Test func recipientsAreForwardedUnchangedAndRelayingIsTheServersDecision() throws {
        let postfix = try PrivatePostfix.instance
        let lab = try Self.lab()
        defer { lab.stop() }
        let boxes = ["alice@example.com", "bob@example.com", "carol@example.net"]
        var before: [String: Set<URL>] = [:]
        for box in boxes { before[box] = Set(postfix.mailbox(box).messages()) }
        let outcome = try D.run(port: lab.proxyPort, steps: [
            D.step("EHLO relay.example.com\r\n"), D.step("MAIL FROM:<alice@example.com>\r\n"),
            D.step("RCPT TO:<bob@example.com>\r\n"), D.step("RCPT TO:<dave@elsewhere.example>\r\n"),
            D.step("RCPT TO:<carol@example.net>\r\n"), D.step("DATA\r\n"),
            D.step("Subject: two of three\r\n\r\nhello\r\n.\r\n"), D.step("QUIT\r\n"),
        ])
        // The foreign recipient is refused by Postfix, in Postfix's own words, through the appliance.
        let refusal = try #require(outcome.lines.first { $0.hasPrefix("554") })
        #expect(refusal.contains("Relay access denied"), "\(outcome.lines)")
        #expect(outcome.codes == [220, 250, 250, 250, 554, 250, 354, 250, 221], "\(outcome.lines)")
        // Exactly the accepted recipients got the message; nobody else.
        let bob = try Self.settled("bob@example.com", before: before["bob@example.com"]!)
        let carol = try Self.settled("carol@example.net", before: before["carol@example.net"]!)
        let alice = try Self.settled("alice@example.com", before: before["alice@example.com"]!)
        #expect(bob.count == 1 && carol.count == 1 && alice.isEmpty)
        // Postfix saw the same envelope the client sent: its log names exactly these recipients.
        #expect(Self.deliveries(to: "bob@example.com", in: postfix.log) >= 1)
        #expect(Self.deliveries(to: "carol@example.net", in: postfix.log) >= 1)
        #expect(Self.deliveries(to: "dave@elsewhere.example", in: postfix.log) == 0)
        #expect(postfix.log.contains("RCPT from") && postfix.log.contains("<dave@elsewhere.example>: Relay access denied"))
    }

    // MARK: over-long lines, recipients

    @Test func overLongCommandsGet500AndTheSessionGoesOn() throws {
        let lab = try Self.lab()
        defer { lab.stop() }
        let long = "MAIL FROM:<" + String(repeating: "a", count: 600) + "@example.com>\r\n"
        let huge = "NOOP " + String(repeating: "b", count: 20_000) + "\r\n"  // past the framer's own bound
        let outcome = try D.run(port: lab.proxyPort, steps: [
            D.step("EHLO long.example.com\r\n"), D.step(long), D.step(huge), D.step("NOOP\r\n"), D.step("QUIT\r\n"),
        ])
        #expect(outcome.codes == [220, 250, 500, 500, 250, 221], "\(outcome.lines)")
        #expect(outcome.lines.filter { $0 == "500 5.5.2 Line too long" }.count == 2)
    }

    @Test func thousandsOfRecipientsStopAtTheLimitWith452() throws {
        let postfix = try PrivatePostfix.instance
        let lab = try Self.lab()
        defer { lab.stop() }
        let before = Set(postfix.mailbox("bob@example.com").messages())
        let count = 3000
        // Pipelined in one burst, as a hostile client would; the appliance serves them one by one.
        let rcpts = (0..<count).map { _ in "RCPT TO:<bob@example.com>\r\n" }.joined()
        let outcome = try D.run(port: lab.proxyPort, steps: [
            D.step("EHLO many.example.com\r\n"), D.step("MAIL FROM:<alice@example.com>\r\n"),
            D.step(rcpts, replies: count), D.step("DATA\r\n"), D.step("Subject: many\r\n\r\nhi\r\n.\r\n"), D.step("QUIT\r\n"),
        ], timeout: 120)
        let codes = outcome.codes
        #expect(codes.filter { $0 == 452 }.count == count - 1000, "limit: SMTPLimits.maximumRecipients")
        #expect(outcome.lines.filter { $0 == "452 4.5.3 Too many recipients" }.count == count - 1000)
        #expect(codes.suffix(3) == [354, 250, 221], "\(outcome.lines.suffix(5))")
        #expect(try Self.settled("bob@example.com", before: before).count == 1)
    }

    // MARK: floods

    @Test func aNoopFloodEndsWith421AfterTheJunkLimit() throws {
        let lab = try Self.lab()
        defer { lab.stop() }
        let flood = String(repeating: "NOOP\r\n", count: 500)
        let outcome = try D.run(port: lab.proxyPort, steps: [D.step("EHLO flood.example.com\r\n"), D.step(flood, replies: 500)])
        #expect(outcome.closed)
        // 100 junk commands free, then each counts as an error: 19 more relayed, the 20th ends it.
        #expect(outcome.codes.filter { $0 == 250 }.count == 1 + 100 + 19, "\(outcome.codes.count)")
        #expect(outcome.lines.last == "421 4.7.0 Too many errors, closing connection")
        #expect(try lab.console("show log").contains("[MAIL_SEC] SMTP: Too many errors from 127.0.0.1, session closed"))
    }

    @Test func invalidCommandsEndWith421AfterTheErrorLimit() throws {
        let lab = try Self.lab()
        defer { lab.stop() }
        let flood = String(repeating: "XYZZY plugh\r\n", count: 200)
        let outcome = try D.run(port: lab.proxyPort, steps: [D.step("EHLO flood.example.com\r\n"), D.step(flood, replies: 200)])
        #expect(outcome.closed)
        // Postfix's own refusals (502) are relayed; the 20th is followed by the appliance's 421.
        #expect(outcome.codes.filter { $0 >= 500 }.count == 20, "\(outcome.lines.suffix(3))")
        #expect(outcome.lines.last == "421 4.7.0 Too many errors, closing connection")
    }

    // MARK: time

    @Test func anIdleClientIsClosedWith421() throws {
        let lab = try Self.lab()
        defer { lab.stop() }
        let outcome = try D.run(port: lab.proxyPort, steps: [D.step("EHLO idle.example.com\r\n")], drain: true)
        #expect(outcome.closed)
        #expect(outcome.lines.last == "421 4.4.2 Timeout waiting for client input")
        // RFC 5321 §4.5.3.2.7's 5 minutes, divided by 60.
        #expect(outcome.seconds >= 4.5 && outcome.seconds < 15, "\(outcome.seconds)")
        #expect(try lab.console("show log").contains("[MAIL_SEC] SMTP: Timeout waiting for 127.0.0.1, session closed"))
    }

    @Test func aCommandDrippedInIsCutOffAtTheCommandLimit() throws {
        let lab = try Self.lab()
        defer { lab.stop() }
        // A byte every 0.5 s: each read would restart a naive idle timer forever.
        let outcome = try D.run(port: lab.proxyPort, steps: [
            D.step("EHLO a-client-that-takes-its-time.example.com\r\n", drip: 0.5),
        ], drain: true)
        #expect(outcome.closed)
        #expect(outcome.lines.last == "421 4.4.2 Timeout waiting for client input")
        #expect(outcome.seconds >= 4.5 && outcome.seconds < 15, "\(outcome.seconds)")
    }

    @Test func contentDrippedInIsCutOffAtTheOverallDataLimit() throws {
        let postfix = try PrivatePostfix.instance
        let lab = try Self.lab()
        defer { lab.stop() }
        let before = Set(postfix.mailbox("bob@example.com").messages())
        // A byte every second stays under the 3 s block timeout (3 minutes / 60) every time;
        // the whole DATA phase still ends at 30 s (SMTPLimits.maximumDataDuration / 60).
        let content = "Subject: drip\r\n\r\n" + String(repeating: "x", count: 200) + "\r\n.\r\n"
        let outcome = try D.run(port: lab.proxyPort, steps: Self.envelope.map { D.step($0) } + [
            D.step("DATA\r\n"), D.step(content, drip: 1.0),
        ], drain: true, timeout: 90)
        #expect(outcome.closed)
        #expect(outcome.lines.last == "421 4.4.2 Timeout waiting for client input")
        #expect(outcome.seconds >= 29 && outcome.seconds < 50, "\(outcome.seconds)")
        #expect(try Self.settled("bob@example.com", before: before).isEmpty)
    }

    // MARK: sessions per client

    @Test func oneAddressGetsAtMostItsShareOfSessions() throws {
        // Real time here: with minutes as seconds the first sessions could time out (and free
        // their places) while a loaded machine is still opening the last ones.
        let lab = try SMTPLab(serverPort: try PrivatePostfix.instance.port)
        defer { lab.stop() }
        let limit = 32
        try lab.console("mail security max client sessions \(limit)")
        var sockets: [Int32] = []
        defer { sockets.forEach { close($0) } }
        func open() -> (Int32, String) { D.connect(port: lab.proxyPort) }
        for _ in 0..<limit {
            let (fd, greeting) = open()
            sockets.append(fd)
            #expect(greeting.hasPrefix("220 "), "\(greeting)")
        }
        let (refusedFD, refusal) = open()
        close(refusedFD)
        #expect(refusal.hasPrefix("421 4.7.0 ") && refusal.contains("Too many connections"), "\(refusal)")
        #expect(try lab.console("show log").contains("[MAIL_SEC] SMTP: Too many connections from 127.0.0.1"))
        // One session ends: its place is free again.
        close(sockets.removeLast())
        var admitted = false
        for _ in 0..<50 where !admitted {
            let (fd, greeting) = open()
            if greeting.hasPrefix("220 ") { admitted = true; sockets.append(fd) } else { close(fd); usleep(100_000) }
        }
        #expect(admitted)
    }

    @Test func byDefaultAnOfficeServersParallelDeliveriesAreNotThrottled() throws {
        // An office Postfix sends through the appliance from one address with many delivery
        // processes at once: more than the old fixed cap of 32, all greeted by the server.
        let lab = try SMTPLab(serverPort: try PrivatePostfix.instance.port)
        defer { lab.stop() }
        var sockets: [Int32] = []
        defer { sockets.forEach { close($0) } }
        for _ in 0..<48 {
            let (fd, greeting) = D.connect(port: lab.proxyPort)
            sockets.append(fd)
            #expect(greeting.hasPrefix("220 "), "\(greeting)")
        }
        #expect(try !lab.console("show log").contains("Too many connections"))
        // A cap set now applies to the next session; `off` lifts it again.
        try lab.console("mail security max client sessions 48")
        let (refusedFD, refusal) = D.connect(port: lab.proxyPort)
        close(refusedFD)
        #expect(refusal.hasPrefix("421 4.7.0 "), "\(refusal)")
        try lab.console("mail security max client sessions off")
        let (fd, greeting) = D.connect(port: lab.proxyPort)
        sockets.append(fd)
        #expect(greeting.hasPrefix("220 "), "\(greeting)")
    }
}

import Testing
@testable import PacketLayer

let clientEnd = TCPEndpoint(address: IPAddress(bytes: [192, 0, 2, 1]), port: 40000)
let serverEnd = TCPEndpoint(address: IPAddress(bytes: [198, 51, 100, 7]), port: 25)

enum Turn {
    case c(String)
    case s(String)
}

func smtp(_ turns: [Turn]) -> [ReplayedMessage] {
    var m = SMTPStreamMachine(client: clientEnd, server: serverEnd)
    for (i, turn) in turns.enumerated() {
        let t = CaptureTime(seconds: Int64(i), microseconds: 0)
        switch turn {
        case .c(let text): m.clientData(Array(text.utf8), time: t)
        case .s(let text): m.serverData(Array(text.utf8), time: t)
        }
    }
    m.finish()
    return m.messages
}

func pop3(_ turns: [Turn]) -> [ReplayedMessage] {
    var m = POP3StreamMachine(client: clientEnd, server: serverEnd)
    for (i, turn) in turns.enumerated() {
        let t = CaptureTime(seconds: Int64(i), microseconds: 0)
        switch turn {
        case .c(let text): m.clientData(Array(text.utf8), time: t)
        case .s(let text): m.serverData(Array(text.utf8), time: t)
        }
    }
    m.finish()
    return m.messages
}

@Suite struct SMTPStreamTests {
    @Test func pipelinedTransactionWithDotStuffing() throws {
        let messages = smtp([
            .s("220 mx ESMTP\r\n"), .c("EHLO c\r\n"), .s("250-mx\r\n250 PIPELINING\r\n"),
            .c("MAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.com>\r\nRCPT TO:<x@example.com>\r\nDATA\r\n"),
            .c("Subject: =?utf-8?q?caf=C3=A9?=\r\n\r\n..dot\r\n.\r\nQUIT\r\n"),
            .s("250 ok\r\n250 ok\r\n550 no such user\r\n354 go\r\n"),
            .s("250 queued\r\n221 bye\r\n"),
        ])
        let m = try #require(messages.first)
        #expect(messages.count == 1)
        #expect(m.from == ["a@example.com"])
        #expect(m.to == ["b@example.com"])
        #expect(m.subject == "café")
        #expect(m.size == "Subject: =?utf-8?q?caf=C3=A9?=\r\n\r\n.dot\r\n".utf8.count)
        #expect(m.time.seconds == 5)  // the 354 let the held content through
        #expect(m.status == .complete)
    }

    @Test func rejectedDataDoesNotSwallowTheNextCommands() {
        let messages = smtp([
            .s("220 mx\r\n"), .c("DATA\r\n"), .s("503 need MAIL\r\n"),
            .c("MAIL FROM:<a@example.com>\r\n"), .s("250 ok\r\n"),
            .c("RCPT TO:<b@example.com>\r\n"), .s("250 ok\r\n"),
            .c("DATA\r\n"), .s("354 go\r\n"), .c("Subject: hi\r\n\r\nbody\r\n.\r\n"), .s("250 ok\r\n"),
        ])
        #expect(messages.map(\.from) == [["a@example.com"]])
        #expect(messages.map(\.subject) == ["hi"])
    }

    @Test func withoutServerRepliesEverythingIsTakenAsAccepted() {
        let messages = smtp([
            .c("HELO c\r\nMAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.com>\r\nDATA\r\nSubject: one\r\n\r\nx\r\n.\r\n"),
            .c("MAIL FROM:<c@example.com>\r\nRCPT TO:<d@example.com>\r\nDATA\r\nSubject: two\r\n\r\ny\r\n.\r\nQUIT\r\n"),
        ])
        #expect(messages.map(\.subject) == ["one", "two"])
        #expect(messages.map(\.to) == [["b@example.com"], ["d@example.com"]])
    }

    @Test func aCaptureStartedAfterTheGreetingStillMatchesReplies() {
        let messages = smtp([
            .c("MAIL FROM:<a@b>\r\n"), .s("250 ok\r\n"), .c("RCPT TO:<c@d>\r\n"), .s("250 ok\r\n"),
            .c("RCPT TO:<e@f>\r\n"), .s("550 unknown\r\n"),
            .c("DATA\r\n"), .s("354 go\r\n"), .c("Subject: late\r\n\r\n.\r\n"), .s("250 ok\r\n"),
        ])
        #expect(messages.map(\.subject) == ["late"])
        #expect(messages.map(\.to) == [["c@d"]])
    }

    @Test func bdatChunksAreNotUnstuffed() throws {
        let messages = smtp([
            .s("220 mx\r\n"), .c("EHLO c\r\n"), .s("250 CHUNKING\r\n"),
            .c("MAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.com>\r\nBDAT 10\r\nSubject: "),
            .c("x\r\nBDAT 6 LAST\r\n\r\n..\r\n"),
            .s("250 ok\r\n250 ok\r\n250 ok\r\n250 ok\r\n"),
        ])
        let m = try #require(messages.first)
        #expect(m.size == 16)
        #expect(m.subject == "x")
    }

    @Test func startTLSIsReportedAndNotFollowed() {
        let messages = smtp([
            .s("220 mx\r\n"), .c("EHLO c\r\n"), .s("250 STARTTLS\r\n"), .c("STARTTLS\r\n"),
            .s("220 go ahead\r\n"), .c("\u{16}\u{03}\u{01}garbage DATA\r\n.\r\n"),
        ])
        #expect(messages.map(\.status) == [.encrypted])
    }

    @Test func aDecryptedSessionAfterStartTLSIsFollowed() {
        let messages = smtp([
            .s("220 mx\r\n"), .c("EHLO c\r\n"), .s("250 STARTTLS\r\n"), .c("STARTTLS\r\n"),
            .s("220 go ahead\r\n"), .c("EHLO c\r\n"), .s("250 ok\r\n"),
            .c("MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\n"), .s("250 ok\r\n250 ok\r\n354 go\r\n"),
            .c("Subject: inside\r\n\r\n.\r\n"),
        ])
        #expect(messages.map(\.subject) == ["inside"])
    }

    @Test func aRefusedNestedMailKeepsTheOpenTransaction() {
        let messages = smtp([
            .s("220 mx\r\n"), .c("MAIL FROM:<a@b>\r\n"), .s("250 ok\r\n"), .c("RCPT TO:<c@d>\r\n"), .s("250 ok\r\n"),
            .c("MAIL FROM:<evil@b>\r\n"), .s("503 nested MAIL\r\n"),
            .c("DATA\r\n"), .s("354 go\r\n"), .c("\r\nx\r\n.\r\n"),
        ])
        #expect(messages.map(\.from) == [["a@b"]])
        #expect(messages.map(\.to) == [["c@d"]])
    }

    @Test func refusedStartTLSContinuesInClear() {
        let messages = smtp([
            .s("220 mx\r\n"), .c("STARTTLS\r\n"), .s("454 not now\r\n"),
            .c("MAIL FROM:<>\r\nRCPT TO:<b@example.com>\r\nDATA\r\n"), .s("250 ok\r\n250 ok\r\n354 go\r\n"),
            .c("From: Someone <s@example.com>\r\n\r\n.\r\n"),
        ])
        #expect(messages.map(\.status) == [.complete])
        #expect(messages.first?.from == [""])
    }

    @Test func aMessageCutByTheCaptureIsIncomplete() {
        let messages = smtp([.c("MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\nSubject: cut\r\n\r\npartial")])
        #expect(messages.map(\.status) == [.incomplete])
        #expect(messages.first?.size == "Subject: cut\r\n\r\npartial".utf8.count)
    }

    @Test func aServerAnswerEndsContentThatHadNoValidTerminator() {
        let messages = smtp([
            .s("220 mx\n"), .c("MAIL FROM:<a@b>\nRCPT TO:<c@d>\nDATA\n"), .s("250 ok\n250 ok\n354 go\n"),
            .c("Subject: one\n\nx\n.\n"), .s("250 queued\n"),
            .c("MAIL FROM:<e@f>\nRCPT TO:<g@h>\nDATA\n"), .s("250 ok\n250 ok\n354 go\n"),
            .c("Subject: two\r\n\r\n.\r\n"), .s("250 queued\n"),
        ])
        #expect(messages.map(\.subject) == ["one", "two"])
        #expect(messages.map(\.status) == [.incomplete, .complete])
        #expect(messages.map(\.from) == [["a@b"], ["e@f"]])
    }

    @Test func aHoleInTheContentIsMarked() {
        var m = SMTPStreamMachine(client: clientEnd, server: serverEnd)
        let t = CaptureTime(seconds: 1, microseconds: 0)
        m.clientData(Array("MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\nSubject: s\r\n\r\nab".utf8), time: t)
        m.clientGap(100)
        m.clientData(Array("cd\r\n.\r\n".utf8), time: t)
        m.finish()
        #expect(m.messages.map(\.status) == [.gap])
    }
}

@Suite struct POP3StreamTests {
    @Test func retrIsUnstuffedAndOtherMultiLineResponsesAreSkipped() throws {
        let messages = pop3([
            .s("+OK ready\r\n"), .c("CAPA\r\n"), .s("+OK\r\nUSER\r\nUIDL\r\n.\r\n"),
            .c("USER u\r\n"), .s("+OK\r\n"), .c("PASS p\r\n"), .s("+OK\r\n"),
            .c("LIST\r\n"), .s("+OK 1 msg\r\n1 42\r\n.\r\n"),
            .c("TOP 1 0\r\n"), .s("+OK\r\nSubject: top\r\n\r\n.\r\n"),
            .c("RETR 1\r\n"), .s("+OK 42 octets\r\nFrom: A <a@example.com>\r\nTo: b@example.com, c@example.com\r\n"),
            .s("Subject: =?iso-8859-1?q?r=E9sum=E9?=\r\n\r\n..hidden\r\n.\r\n"),
            .c("RETR 2\r\n"), .s("-ERR no such message\r\n"), .c("QUIT\r\n"), .s("+OK bye\r\n"),
        ])
        let m = try #require(messages.first)
        #expect(messages.count == 1)
        #expect(m.mailProtocol == .pop3)
        #expect(m.from == ["a@example.com"])
        #expect(m.to == ["b@example.com", "c@example.com"])
        #expect(m.subject == "résumé")
        #expect(m.size == "From: A <a@example.com>\r\nTo: b@example.com, c@example.com\r\nSubject: =?iso-8859-1?q?r=E9sum=E9?=\r\n\r\n.hidden\r\n".utf8.count)
        #expect(m.time.seconds == 13)
    }

    @Test func aListingWithoutItsDotEndsAtTheNextAnswer() {
        let messages = pop3([
            .s("+OK\r\n"), .c("LIST\r\n"), .s("+OK 1 message\r\n1 20\r\n"), .c("RETR 1\r\n"),
            .s("+OK follows\r\nSubject: found\r\n\r\n.\r\n"),
        ])
        #expect(messages.map(\.subject) == ["found"])
        #expect(messages.map(\.status) == [.complete])
    }

    @Test func stlsIsReported() {
        let messages = pop3([.s("+OK\r\n"), .c("STLS\r\n"), .s("+OK begin TLS\r\n"), .s("\u{16}\u{03}junk\r\n")])
        #expect(messages.map(\.status) == [.encrypted])
    }

    @Test func garbageLinesDoNotAnswerCommands() {
        let messages = pop3([
            .s("+OK\r\n"), .c("RETR 1\r\n"), .s("garbage\r\n+OK\r\nSubject: s\r\n\r\n.\r\n"),
        ])
        #expect(messages.map(\.subject) == ["s"])
    }
}

@Suite struct ReplayReportTests {
    @Test func timestamps() {
        #expect(ReplayReport.timestamp(CaptureTime(seconds: 0, microseconds: 0)) == "1970-01-01 00:00:00")
        #expect(ReplayReport.timestamp(CaptureTime(seconds: 951_782_400, microseconds: 0)) == "2000-02-29 00:00:00")
        #expect(ReplayReport.timestamp(CaptureTime(seconds: 1_254_722_770, microseconds: 999_999)) == "2009-10-05 06:06:10")
        #expect(ReplayReport.timestamp(CaptureTime(seconds: -1, microseconds: 0)) == "1969-12-31 23:59:59")
    }

    @Test func lineFormat() {
        let m = ReplayedMessage(time: CaptureTime(seconds: 86_399, microseconds: 0), mailProtocol: .smtp,
                                client: clientEnd, server: serverEnd, from: ["a@example.com"],
                                to: ["b@example.com", "c@example.com"], subject: "say \"hi\" \\ \u{1}",
                                size: 12, status: .gap)
        #expect(ReplayReport.line(m) == #"1970-01-01 23:59:59 SMTP from=<a@example.com> to=<b@example.com>,<c@example.com> size=12 subject="say \"hi\" \\ �" gap"#)
        var e = m
        e.status = .encrypted
        #expect(ReplayReport.line(e) == "1970-01-01 23:59:59 SMTP encrypted client=192.0.2.1:40000 server=198.51.100.7:25")
    }
}

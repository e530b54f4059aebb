import Foundation
import Testing
import TestSupport

/// The harnesses used together, as relay tests will: a message goes in over SMTP to the
/// private Postfix, the stored file is handed to the private Dovecot, and a POP3 client
/// fetches it. What comes out is what went in, seen through each server's own conventions.
@Suite struct MailServersTogetherTests {
    @Test func smtpInPop3OutPreservesTheMessage() throws {
        let file = Data("""
        From: sender@example.org\r
        To: alice@example.com\r
        Subject: round trip\r
        \r
        .leading dot\r
        ..\r
        body\r

        """.utf8)
        let postfix = try PostfixInstance()
        defer { postfix.stop() }
        try postfix.start()
        let sent = try Swaks.send(port: postfix.port, from: "sender@example.org", to: ["alice@example.com"], data: file)
        #expect(sent.accepted, "\(sent.transcript)")
        let stored = try postfix.readMessage(try postfix.waitForMessages(for: "alice@example.com", count: 1)[0])

        let dovecot = try DovecotInstance(users: ["alice": "secret"])
        defer { dovecot.stop() }
        try dovecot.deliver(user: "alice", message: stored)
        try dovecot.start()
        let client = try POP3Client(port: dovecot.port)
        try client.login(user: "alice", password: "secret")
        #expect(try client.uniqueIDs().count == 1)
        let top = try client.multiline("TOP 1 0")
        #expect(top.first == "Return-Path: <sender@example.org>")
        let fetched = try client.retrieve(1)
        try client.quit()

        // Dovecot serves the LF file with CRLF line endings; below Postfix's fields it is the
        // message swaks sent.
        #expect(fetched.message == MailText.crlfLineEndings(stored))
        let delivered = PostfixInstance.splitDelivered(MailText.lfLineEndings(fetched.message))
        #expect(delivered.content == MailText.lfLineEndings(Swaks.messageAsSent(file: file)))
        #expect(dovecot.messages(of: "alice").count == 1)  // retrieved, not deleted
    }
}

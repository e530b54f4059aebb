import Foundation
import Testing
import TestSupport

/// The Postfix harness itself: what swaks sends reaches the Maildir unchanged below the
/// fields Postfix adds, and the refusals tests will rely on happen with the expected codes.
@Suite(.privatePostfix {
    $0.messageSizeLimit = 20_000
    $0.mailboxes = ["alice@example.com", "bob@example.com", "carol@example.net", "dave@example.com"]
    $0.recipientRules = [
        "refused@example.com": "550 5.7.1 refused by test policy",
        "busy@example.com": "450 4.2.0 mailbox busy, try later",
    ]
})
struct PostfixHarnessTests {
    static let message = Data("""
    From: Sender <sender@example.org>\r
    To: Alice <alice@example.com>\r
    Subject: harness check\r
    Message-ID: <harness-1@example.org>\r
    MIME-Version: 1.0\r
    Content-Type: text/plain; charset=utf-8\r
    Content-Transfer-Encoding: 8bit\r
    \r
    First line.\r
    .a line that starts with a dot\r
    ..two dots\r
    .\r
    trailing spaces   \r
    \ttab-indented\r
    caf\u{E9} na\u{EF}ve\r
    last line\r

    """.utf8)

    @Test func swaksMessageLandsInMaildirUnchangedBelowPostfixFields() throws {
        let postfix = try PrivatePostfix.instance
        let result = try Swaks.send(port: postfix.port, from: "sender@example.org",
                                    to: ["alice@example.com"], data: Self.message)
        #expect(result.accepted, "\(result.transcript)\(result.standardError)")
        #expect(result.replyCodes == [220, 250, 250, 250, 354, 250, 221])
        let queueID = try #require(result.queueID)

        let files = try postfix.waitForMessages(for: "alice@example.com", count: 1)
        #expect(files.count == 1)
        let stored = try postfix.readMessage(files[0])
        let delivered = PostfixInstance.splitDelivered(stored)

        #expect(delivered.addedFields.map { String($0.prefix { $0 != ":" }) }
                == ["Return-Path", "X-Original-To", "Delivered-To", "Received"])
        #expect(delivered.addedFields[0] == "Return-Path: <sender@example.org>\n")
        #expect(delivered.addedFields[2] == "Delivered-To: alice@example.com\n")
        #expect(delivered.addedFields[3].contains("by mail.example.org (Postfix) with ESMTP id \(queueID)"))
        // Postfix stores LF line endings; apart from that the message is what swaks sent.
        #expect(delivered.content == MailText.lfLineEndings(Swaks.messageAsSent(file: Self.message)))
        #expect(postfix.waitForLog(containing: "\(queueID): removed"))
    }

    @Test func sameMessageWithBareLFArrivesIdentically() throws {
        // swaks turns every line ending into CRLF, so a bare-LF file stores the same bytes.
        let postfix = try PrivatePostfix.instance
        let lfFile = MailText.lfLineEndings(Self.message)
        let result = try Swaks.send(port: postfix.port, from: "sender@example.org",
                                    to: ["carol@example.net"], data: lfFile)
        #expect(result.accepted, "\(result.transcript)")
        let files = try postfix.waitForMessages(for: "carol@example.net", count: 1)
        let delivered = PostfixInstance.splitDelivered(try postfix.readMessage(files[0]))
        #expect(delivered.content == MailText.lfLineEndings(Swaks.messageAsSent(file: Self.message)))
    }

    @Test func messageOverSizeLimitIsRefusedWith552() throws {
        let postfix = try PrivatePostfix.instance
        var big = Data("From: sender@example.org\r\nTo: bob@example.com\r\nSubject: too big\r\n\r\n".utf8)
        let line = Data((String(repeating: "x", count: 76) + "\r\n").utf8)
        while big.count <= 30_000 { big.append(line) }

        let result = try Swaks.send(port: postfix.port, from: "sender@example.org",
                                    to: ["bob@example.com"], data: big)
        #expect(!result.accepted)
        #expect(result.replyCodes == [220, 250, 250, 250, 354, 552, 221])
        #expect(result.transcript.contains("<** 552 5.3.4 Error: message file too big"))
        #expect(postfix.mailbox("bob@example.com").messages().isEmpty)
    }

    @Test func configuredRecipientRulesRefuseAtRCPT() throws {
        let postfix = try PrivatePostfix.instance
        let refused = try Swaks.send(port: postfix.port, from: "sender@example.org",
                                     to: ["refused@example.com"], data: Self.message)
        #expect(refused.replyCodes == [220, 250, 250, 550, 221])
        #expect(refused.transcript.contains("550 5.7.1 <refused@example.com>: Recipient address rejected: refused by test policy"))

        let busy = try Swaks.send(port: postfix.port, from: "sender@example.org",
                                  to: ["busy@example.com"], data: Self.message)
        #expect(busy.replyCodes == [220, 250, 250, 450, 221])

        let unknown = try Swaks.send(port: postfix.port, from: "sender@example.org",
                                     to: ["nobody-here@example.com"], data: Self.message)
        #expect(unknown.replyCodes == [220, 250, 250, 550, 221])
        #expect(unknown.transcript.contains("5.1.1"))
    }

    @Test func oneRefusedRecipientDoesNotStopTheOthers() throws {
        let postfix = try PrivatePostfix.instance
        let result = try Swaks.send(port: postfix.port, from: "sender@example.org",
                                    to: ["refused@example.com", "dave@example.com"], data: Self.message)
        // swaks reports the partial refusal in its exit status but still sends the message.
        #expect(result.replyCodes == [220, 250, 250, 550, 250, 354, 250, 221])
        let files = try postfix.waitForMessages(for: "dave@example.com", count: 1)
        #expect(files.count == 1)
    }
}

/// A private Postfix can be started and stopped on its own, leaving nothing behind.
@Suite struct PostfixLifecycleTests {
    @Test func stopEndsMasterAndWorkersAndFreesThePort() throws {
        var postfix: PostfixInstance? = try PostfixInstance()
        let started = Date()
        try postfix!.start()
        let startup = Date().timeIntervalSince(started)
        #expect(startup < 5, "startup took \(startup) s")
        let port = postfix!.port
        let directory = postfix!.directory.url
        #expect(postfix!.isRunning)
        #expect(postfix!.waitForLog(containing: "daemon started"))

        let master = try #require(postfix!.pid)
        let signals = try #require(DaemonProcess.signalState(of: master))
        #expect(signals.blocked & (1 << (SIGTERM - 1)) == 0, "SIGTERM blocked in the master")

        let workers = postfix!.workerPIDs
        #expect(!workers.isEmpty)
        let stopping = Date()
        postfix!.stop()
        #expect(Date().timeIntervalSince(stopping) < 3, "stop took \(Date().timeIntervalSince(stopping)) s")
        #expect(!postfix!.isRunning)
        #expect(!TCPPort.isListening(port))
        #expect(workers.allSatisfy { !ProcessTable.isAlive($0) })
        postfix = nil
        #expect(!FileManager.default.fileExists(atPath: directory.path))
    }
}

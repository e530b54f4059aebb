import MessageInspection
import NIOCore
import Testing
import Telemetry

struct TransferNotificationTests {
    static let date = "Wed, 25 Nov 2026 22:30:00 +0000"
    static let messageID = "<20261125223000.1@mail-security.invalid>"

    func input(_ result: DetectionResult = .spam, score: Int? = 95, viruses: [String] = [],
               from: NotificationAddress = .auto, to: NotificationAddress = .auto, envelopeSender: String? = nil) -> TransferNotificationInput {
        TransferNotificationInput(result: result, score: score, virusNames: viruses, from: from, to: to,
                                  date: Self.date, messageID: Self.messageID, envelopeSender: envelopeSender)
    }

    @Test(arguments: [
        ("mailgem__japanese_iso_2022.eml", DetectionResult.spam, [String]()),
        ("mimekit__japanese.txt", DetectionResult.virus, ["Eicar-Test-Signature"]),
        ("spamassassin__mime-subject.txt", DetectionResult.spamAndVirus, ["Eicar-Test-Signature"]),
    ])
    func golden(name: String, result: DetectionResult, viruses: [String]) throws {
        let original = try Fixture.buffer(name)
        let notification = try TransferNotification(original: original, input: input(result, viruses: viruses))
        let bytes = notification.assembled().bytes
        try Fixture.expectGolden(bytes, name + ".transfer.expected")

        // The original is carried unchanged between our head and tail, and not copied.
        #expect(notification.original == original)
        #expect(Array(bytes[notification.head.readableBytes..<(notification.head.readableBytes + original.readableBytes)]) == original.bytes)
        // Our own lines end in CRLF.
        let head = notification.head.bytes
        for (index, byte) in head.enumerated() where byte == 0x0A { #expect(index > 0 && head[index - 1] == 0x0D) }
        for (index, byte) in head.enumerated() where byte == 0x0D { #expect(index + 1 < head.count && head[index + 1] == 0x0A) }
        // The boundary appears only as our delimiters (three lines).
        #expect(bytes.occurrences(of: Array(notification.boundary.utf8)) == 4)
        // The header block parses and says multipart/mixed with that boundary.
        let block = HeaderBlock(parsing: notification.head)
        let contentType = block.fields(named: "Content-Type", in: notification.head)
        #expect(contentType.count == 1)
        #expect(String(decoding: block.unfoldedValue(of: contentType[0], in: notification.head), as: UTF8.self)
                == " multipart/mixed; boundary=\"\(notification.boundary)\"")
    }

    @Test func textPartShowsDecodedHeaders() throws {
        let original = try Fixture.buffer("mailgem__japanese_iso_2022.eml")
        let notification = try TransferNotification(original: original, input: input())
        let text = String(decoding: notification.head.bytes, as: UTF8.self)
        #expect(text.contains("Subject: まみむめも\r\n"))
        #expect(text.contains("To:      みける <raasdnil@gmail.com>\r\n"))
        #expect(text.contains("Result:  spam\r\n"))
        #expect(text.contains("Score:   95\r\n"))
        #expect(text.contains("Content-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: 8bit\r\n"))
    }

    @Test(arguments: [
        (NotificationAddress.auto, NotificationAddress.auto, "mail-security@example.com", "Sender@Example.com"),
        (.address("admin@firewall.example"), .address("abuse@isp.example"), "admin@firewall.example", "abuse@isp.example"),
        (.account("postmaster"), .account("security"), "postmaster@example.com", "security@example.com"),
    ])
    func addressRules(from: NotificationAddress, to: NotificationAddress, expectedFrom: String, expectedTo: String) throws {
        let original = ByteBuffer(string: "From: \"A Sender\" <Sender@Example.com>\r\nTo: r@x.example\r\nSubject: s\r\n\r\nbody\r\n")
        let notification = try TransferNotification(original: original, input: input(from: from, to: to))
        #expect(notification.envelopeFrom == expectedFrom)
        #expect(notification.envelopeTo == expectedTo)
        let text = String(decoding: notification.head.bytes, as: UTF8.self)
        #expect(text.hasPrefix("From: \(expectedFrom)\r\nTo: \(expectedTo)\r\nSubject: [MAIL SECURITY] Illegal mail detected (spam)\r\n"))
    }

    @Test func envelopeSenderIsTheFallbackForTheDomain() throws {
        let original = ByteBuffer(string: "Subject: no from\r\n\r\nbody\r\n")
        let notification = try TransferNotification(original: original, input: input(envelopeSender: "bounce@lists.example"))
        #expect(notification.envelopeFrom == "mail-security@lists.example")
        #expect(notification.envelopeTo == "bounce@lists.example")
    }

    @Test func noSenderAtAll() throws {
        let original = ByteBuffer(string: "Subject: no from\r\n\r\nbody\r\n")
        #expect(throws: TransferNotificationError.noOriginalSender) {
            try TransferNotification(original: original, input: input())
        }
        #expect(throws: TransferNotificationError.noOriginalSender) {
            try TransferNotification(original: original, input: input(from: .address("a@b.example"), to: .account("x")))
        }
        let fixed = try TransferNotification(original: original, input: input(from: .address("a@b.example"), to: .address("c@d.example")))
        #expect(fixed.envelopeTo == "c@d.example")
        #expect(String(decoding: fixed.head.bytes, as: UTF8.self).contains("From:    (none)\r\n"))
    }

    @Test func boundaryNeverOccursInTheOriginal() throws {
        let original = ByteBuffer(string: "From: a@b.example\r\n\r\n--=_MailSecurity_Notification_0\r\n=_MailSecurity_Notification_1\r\n")
        let notification = try TransferNotification(original: original, input: input())
        #expect(notification.boundary == "=_MailSecurity_Notification_2")
        #expect(String(decoding: notification.tail.bytes, as: UTF8.self) == "\r\n--=_MailSecurity_Notification_2--\r\n")
    }

    @Test func sevenBitOriginalIsDeclaredSevenBit() throws {
        let original = ByteBuffer(string: "From: a@b.example\r\nSubject: plain\r\n\r\nbody\r\n")
        let text = String(decoding: try TransferNotification(original: original, input: input()).head.bytes, as: UTF8.self)
        #expect(text.contains("Content-Transfer-Encoding: 7bit\r\n\r\nThis is a multi-part"))
        #expect(text.hasSuffix("Content-Type: message/rfc822\r\nContent-Disposition: attachment\r\nContent-Transfer-Encoding: 7bit\r\n\r\n"))
    }

    @Test func longValuesAreShortened() throws {
        let subject = String(repeating: "x", count: 5000)
        let original = ByteBuffer(string: "From: a@b.example\r\nSubject: \(subject)\r\n\r\n")
        let text = String(decoding: try TransferNotification(original: original, input: input()).head.bytes, as: UTF8.self)
        for line in text.split(separator: "\r\n") { #expect(line.utf8.count <= 998) }
        #expect(text.contains("Subject: " + String(repeating: "x", count: 897) + "...\r\n"))
    }
}

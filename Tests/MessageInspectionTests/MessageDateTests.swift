import MessageInspection
import NIOCore
import Testing

struct MessageDateTests {
    @Test(arguments: [
        (Int64(0), 0, "Thu, 1 Jan 1970 00:00:00 +0000"),
        (Int64(1_795_645_800), 0, "Wed, 25 Nov 2026 22:30:00 +0000"),
        (Int64(1_795_645_800), 540, "Thu, 26 Nov 2026 07:30:00 +0900"),
        (Int64(1_795_645_800), -330, "Wed, 25 Nov 2026 17:00:00 -0530"),
        (Int64(951_782_400), 0, "Tue, 29 Feb 2000 00:00:00 +0000"),
        (Int64(-1), 0, "Wed, 31 Dec 1969 23:59:59 +0000"),
        (Int64(4_133_980_799), 0, "Fri, 31 Dec 2100 23:59:59 +0000"), (Int64(4_107_542_399), 0, "Sun, 28 Feb 2100 23:59:59 +0000"),
    ])
    func formats(seconds: Int64, offset: Int, text: String) {
        #expect(MessageDate.format(secondsSince1970: seconds, utcOffsetMinutes: offset) == text)
    }

    @Test func rewrittenSize() {
        let message = ByteBuffer(string: "Subject: a\r\n\r\nbody")
        let rewritten = HeaderRewriter.rewrite(message, edits: HeaderEdits(subjectPrefixes: ["[SPAM]"]))
        #expect(rewritten.octets(of: message) == "Subject: [SPAM] a\r\n\r\nbody".utf8.count)
    }
}

import NIOCore
import Testing
@testable import SMTPRelay

@Test func appliancesOwnReplyIsEncodedWithTheRightSeparators() {
    #expect(SMTPReply(code: 250, text: "a", "b", "c").encoded().string == "250-a\r\n250-b\r\n250 c\r\n")
    #expect(SMTPReply(code: 554, text: "5.7.1 no").encoded().string == "554 5.7.1 no\r\n")
}

@Test func replyTextAndClassesAreReadFromTheLines() throws {
    let reply = SMTPReply(code: 550, text: "5.1.1 first", "second")
    #expect(reply.text(ofLine: 0).string == "5.1.1 first")
    #expect(reply.text(ofLine: 1).string == "second")
    #expect(reply.isNegative && !reply.isPositiveCompletion && !reply.isPositiveIntermediate)
    #expect(SMTPReply(code: 354, text: "go").isPositiveIntermediate)
    #expect(reply.enhancedStatusCode == EnhancedStatusCode(statusClass: 5, subject: 1, detail: 1))
}

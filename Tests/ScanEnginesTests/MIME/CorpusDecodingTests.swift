import Testing
@testable import ScanEngines

/// Real-world messages (checked in under Fixtures/ with their original names) must decode
/// without crashing, and the well-formed ones to the structure they have.
@Suite struct CorpusDecodingTests {
    @Test(arguments: try TestMessages.fixtureNames())
    func decodesWithoutCrashing(name: String) throws {
        let bytes = try TestMessages.fixture(name)
        let tree = MIMEDecoder.decode(bytes)
        #expect(tree.allEntities.count >= 1)
        #expect(tree.allEntities.count <= MIMELimits.maxEntities + 1)
    }

    @Test func anMboxDigestInsideAMessageHasItsParts() throws {
        // mbox "From " line, message/rfc822 around multipart/digest whose parts are messages.
        let tree = MIMEDecoder.decode(try TestMessages.fixture("mimekit__multipart-digest.txt"))
        #expect(tree.contentType == "message/rfc822")
        let digest = try #require(tree.children.first)
        #expect(digest.contentType == "multipart/digest")
        #expect(digest.children.count >= 2)
        #expect(digest.children.allSatisfy { $0.contentType == "message/rfc822" })
        #expect(String(decoding: digest.children[0].leaves[0].body, as: UTF8.self).hasPrefix("m1 body"))
    }

    @Test func anEmptyMultipartIsNotAnError() throws {
        let tree = MIMEDecoder.decode(try TestMessages.fixture("mimekit__empty-multipart.txt"))
        #expect(tree.contentType.hasPrefix("multipart/"))
    }
}

import Testing
@testable import ScanEngines

@Suite struct MIMEDecoderTests {
    @Test func aPlainMessageIsOneLeaf() {
        let tree = MIMEDecoder.decode(TestMessages.clean)
        #expect(tree.children.isEmpty)
        #expect(tree.contentType == "text/plain")
        #expect(String(decoding: tree.body, as: UTF8.self) == "Shall we meet at noon?")
        #expect(tree.headers.map(\.name) == ["From", "To", "Subject"])
        #expect(tree.defects.isEmpty)
    }

    @Test func nestedMultipartsAndBase64AreDecoded() {
        let tree = MIMEDecoder.decode(TestMessages.eicarNested)
        #expect(tree.contentType == "multipart/mixed")
        #expect(tree.children.count == 2)
        #expect(tree.children[1].contentType == "multipart/mixed")
        let attachment = tree.children[1].children[1]
        #expect(attachment.contentType == "application/octet-stream")
        #expect(attachment.body == TestSignatures.eicar)
        #expect(tree.leaves.map(\.contentType) == ["text/plain", "text/plain", "application/octet-stream"])
        #expect(String(decoding: tree.leaves[0].body, as: UTF8.self) == "see the inner part")
        #expect(tree.allEntities.allSatisfy { $0.defects.isEmpty })
    }

    @Test func quotedPrintablePartsAreDecoded() {
        let tree = MIMEDecoder.decode(TestMessages.gtubeQuotedPrintable)
        #expect(tree.leaves.count == 1)
        #expect(tree.leaves[0].body == Array("Café ".utf8) + TestSignatures.gtube)
    }

    @Test func encapsulatedMessagesAreOpened() {
        let inner = "Subject: inner\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\n\(TestMessages.base64(Array("hidden".utf8)))\r\n"
        let outer = TestMessages.crlf("""
            Subject: fwd
            Content-Type: multipart/mixed; boundary=X

            --X
            Content-Type: message/rfc822

            \(inner)
            --X--
            """)
        let tree = MIMEDecoder.decode(outer)
        let message = tree.children[0]
        #expect(message.contentType == "message/rfc822")
        #expect(message.children.count == 1)
        #expect(message.children[0].headers.first?.value == "inner")
        #expect(tree.leaves.map(\.body) == [Array("hidden".utf8)])
    }

    @Test func bareLFMessagesDecodeLikeCRLFOnes() {
        let lf = Array(String(decoding: TestMessages.eicarNested, as: UTF8.self).replacingOccurrences(of: "\r\n", with: "\n").utf8)
        let tree = MIMEDecoder.decode(lf)
        #expect(tree.leaves.last?.body == TestSignatures.eicar)
    }

    @Test func aBoundaryThatPrefixesAnotherDoesNotSplitIt() {
        let message = TestMessages.crlf("""
            Content-Type: multipart/mixed; boundary=ab

            --ab
            Content-Type: multipart/mixed; boundary=abc

            --abc
            one
            --abc--
            --ab--
            """)
        let tree = MIMEDecoder.decode(message)
        #expect(tree.children.count == 1)
        #expect(tree.children[0].children.map(\.body) == [Array("one".utf8)])
    }

    @Test func aMissingCloseDelimiterIsLenient() {
        let message = TestMessages.crlf("""
            Content-Type: multipart/mixed; boundary=q

            --q

            first
            --q

            second
            """)
        let tree = MIMEDecoder.decode(message)
        #expect(tree.children.map(\.body) == [Array("first".utf8), Array("second".utf8)])
        #expect(tree.defects == [.missingCloseDelimiter])
    }

    @Test func aMultipartWithoutBoundaryIsALeaf() {
        let tree = MIMEDecoder.decode(TestMessages.crlf("Content-Type: multipart/mixed\n\nbody"))
        #expect(tree.children.isEmpty)
        #expect(tree.body == Array("body".utf8))
        #expect(tree.defects == [.missingBoundaryParameter])
    }

    @Test func aHeaderBlockSplitByAnEmptyLineIsRecovered() throws {
        // Real-world: the MIME fields come after a stray empty line (fixture from the corpus).
        let tree = MIMEDecoder.decode(try TestMessages.fixture("dms__amavis-virus.txt"))
        #expect(tree.contentType == "multipart/mixed")
        #expect(tree.defects.contains(.headerBlockSplitByEmptyLine))
        #expect(tree.children.count == 2)
        #expect(tree.children[1].body.containsBytes(TestSignatures.eicar))  // EICAR inside a stored zip
    }

    @Test func nestingIsBoundedByTheDepthLimit() {
        var message = "innermost"
        for level in 0..<(MIMELimits.maxDepth + 10) {
            message = "Content-Type: multipart/mixed; boundary=b\(level)\r\n\r\n--b\(level)\r\n\(message)\r\n--b\(level)--\r\n"
        }
        let tree = MIMEDecoder.decode(Array(message.utf8))
        var depth = 0
        var node = tree
        while let child = node.children.first { node = child; depth += 1 }
        #expect(depth == MIMELimits.maxDepth)
        #expect(node.defects.contains(.depthLimitReached))
        #expect(node.body.containsBytes(Array("innermost".utf8)))
    }

    @Test func manyPartsAreBoundedByTheEntityLimit() {
        let parts = String(repeating: "--z\r\n\r\nx\r\n", count: MIMELimits.maxEntities + 50)
        let tree = MIMEDecoder.decode(Array("Content-Type: multipart/mixed; boundary=z\r\n\r\n\(parts)--z--\r\n".utf8))
        #expect(tree.allEntities.count <= MIMELimits.maxEntities + 1)
        #expect(tree.defects.contains(.entityLimitReached))
    }

    @Test(arguments: [
        "", "\r\n", "\n\n\n", ":", "Content-Type: multipart/mixed; boundary=", "Content-Type: multipart/mixed; boundary=x\r\n\r\n--x",
        "Content-Type: message/rfc822\r\n\r\n", "Content-Type: message/rfc822\r\nContent-Transfer-Encoding: base64\r\n\r\n====",
        "Content-Transfer-Encoding: quoted-printable\r\n\r\n=", "\u{0}\u{1}\u{FF}", "--x--\r\n--x\r\n",
    ])
    func degenerateInputsDecodeWithoutCrashing(input: String) {
        let tree = MIMEDecoder.decode(Array(input.utf8))
        #expect(tree.allEntities.count >= 1)
    }

    @Test func everyPrefixOfANestedMessageDecodes() {
        // Truncation at any byte (a cut connection) must never trap.
        let message = TestMessages.eicarNested
        for length in stride(from: 0, through: message.count, by: 7) {
            _ = MIMEDecoder.decode(Array(message[0..<length]))
        }
        #expect(MIMEDecoder.decode(message).leaves.count == 3)
    }

    @Test func randomBytesDecodeWithoutCrashing() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<200 {
            let alphabet = Array("-=\r\n:;\"boundary=xContent-Type: multipart/mixed base64 ".utf8)
            let bytes = (0..<Int.random(in: 0..<600, using: &generator)).map { _ in alphabet.randomElement(using: &generator)! }
            _ = MIMEDecoder.decode(Array("Content-Type: multipart/mixed; boundary=x\r\n\r\n".utf8) + bytes)
        }
    }
}

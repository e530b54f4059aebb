import Testing
@testable import ScanEngines

@Suite struct TransferDecodingTests {
    @Test(arguments: [
        ("", "", true),
        ("TQ==", "M", true),
        ("TWE=", "Ma", true),
        ("TWFu", "Man", true),
        ("TW\r\nFu", "Man", true),
        ("T W F u", "Man", true),
        ("TWFu!!", "Man", false),
        ("TWE", "Ma", true),            // missing padding: lenient
        ("TWFuT", "Man", false),        // a lone sextet cannot make a byte
        ("TQ==TWFu", "MMan", true),     // concatenated encodings
    ])
    func base64(input: String, expected: String, clean: Bool) {
        let result = Base64Decoder.decode(Array(input.utf8))
        #expect(String(decoding: result.bytes, as: UTF8.self) == expected)
        #expect(result.clean == clean)
    }

    @Test func base64OfAllBytesRoundTrips() {
        let bytes = (0...255).map { UInt8($0) }
        #expect(Base64Decoder.decode(Array(TestMessages.base64(bytes).utf8)).bytes == bytes)
    }

    @Test(arguments: [
        ("plain", "plain", true),
        ("a=3Db", "a=b", true),
        ("caf=C3=A9", "café", true),
        ("caf=c3=a9", "café", true),     // lower-case hex: lenient
        ("soft=\r\nbreak", "softbreak", true),
        ("soft=\nbreak", "softbreak", true),
        ("soft=  \r\nbreak", "softbreak", true),
        ("end=", "end", true),
        ("bad=ZZ", "bad=ZZ", false),
        ("short=4", "short=4", false),
    ])
    func quotedPrintable(input: String, expected: String, clean: Bool) {
        let result = QuotedPrintableDecoder.decode(Array(input.utf8))
        #expect(String(decoding: result.bytes, as: UTF8.self) == expected)
        #expect(result.clean == clean)
    }
}

@Suite struct ByteSearchTests {
    @Test(arguments: [
        ("", "", true), ("abc", "", true), ("", "a", false), ("abc", "abc", true), ("abc", "abcd", false),
        ("xxabcxx", "abc", true), ("ababac", "abac", true), ("aaaa", "aab", false), ("tail-abc", "abc", true),
    ])
    func containsBytes(haystack: String, needle: String, expected: Bool) {
        #expect(Array(haystack.utf8).containsBytes(Array(needle.utf8)) == expected)
    }
}

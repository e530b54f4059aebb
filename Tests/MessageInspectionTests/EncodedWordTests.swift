import MessageInspection
import Testing

struct EncodedWordTests {
    @Test(arguments: [
        ("=?UTF-8?B?44G+44G/44KA44KB44KC?=", "まみむめも", true),
        ("=?iso-8859-1?Q?Re:_Multimedia_f=FCr_Preussen?=", "Re: Multimedia für Preussen", true),
        ("=?ISO-2022-JP?B?GyRCJUYlOSVIGyhC?=", "\u{FFFD}\u{FFFD}\u{FFFD}", false),
        ("=?ISO-2022-JP?B?VW5kZWxpdmVyYWJsZTogGyRCJS0bKEI=?=", "Undeliverable: \u{FFFD}", false),
        // Unknown charset, bad padding: the ASCII it stands for is still read.
        ("=?NONE?B?VEVTVA=?=", "TEST", true),
        ("=?UTF-8?B??=", "", true),
        // RFC 2231 language suffix.
        ("=?iso-8859-2*sl?Q?Doma=e8e?=", "Doma\u{FFFD}e", false),
        ("=?utf-16?B?RABlAHMAaQBnAG4A?=", "Design", true),
        ("=?utf-16?B?/v8AQQBC?=", "AB", true),
    ])
    func decodesOneWord(word: String, text: String, complete: Bool) {
        let decoded = UnstructuredText.decode(Array(word.utf8))
        #expect(decoded.text == text)
        #expect(decoded.isComplete == complete)
    }

    @Test(arguments: [
        // RFC 2047 §8 examples.
        ("(=?ISO-8859-1?Q?a?=)", "(=?ISO-8859-1?Q?a?=)"),
        ("=?ISO-8859-1?Q?a?= b", "a b"),
        ("=?ISO-8859-1?Q?a?= =?ISO-8859-1?Q?b?=", "ab"),
        ("=?ISO-8859-1?Q?a?=  \t =?ISO-8859-1?Q?b?=", "ab"),
        ("=?ISO-8859-1?Q?a_b?=", "a b"),
        ("=?ISO-8859-1?Q?a?= =?ISO-8859-2?Q?_b?=", "a b"),
        ("plain =?UTF-8?B?44GC?= text", "plain あ text"),
        // Leniency: encoded words written back to back.
        ("=?UTF-8?Q?a?==?UTF-8?Q?b?=", "ab"),
        ("not=?UTF-8?Q?a?=", "not=?UTF-8?Q?a?="),
        ("=?bad", "=?bad"),
    ])
    func decodesUnstructuredText(value: String, text: String) {
        #expect(UnstructuredText.decode(Array(value.utf8)).text == text)
    }

    @Test func rawEightBitUTF8IsRead() {
        #expect(UnstructuredText.decode(Array("Säying Hello".utf8)) == ("Säying Hello", true))
        let latin1: [UInt8] = [0x46, 0xE7, 0x41]
        let decoded = UnstructuredText.decode(latin1)
        #expect(decoded.text == "F\u{FFFD}A")
        #expect(!decoded.isComplete)
    }

    @Test func parsesWordParts() throws {
        let word = try #require(EncodedWord(Array("=?Utf-8*SL?q?=BEje?=".utf8)))
        #expect(word.charset == "utf-8")
        #expect(word.encoding == .quotedPrintable)
        #expect(word.octets == [0xBE, 0x6A, 0x65])
        #expect(EncodedWord(Array("=?UTF-8?X?abc?=".utf8)) == nil)
        #expect(EncodedWord(Array("=?UTF-8?B?a b?=".utf8)) == nil)
    }
}

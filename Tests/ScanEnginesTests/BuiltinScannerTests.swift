import Testing
import ScanEngines

@Suite struct BuiltinScannerTests {
    @Test func aCleanMessageScoresZero() {
        #expect(BuiltinScanner.scan(TestMessages.clean) == EngineVerdict(spamScore: 0, viruses: []))
    }

    @Test func eicarTwoMultipartLevelsDeepInBase64IsFound() {
        // The raw message holds only base64, so this proves the decoder reached the part.
        #expect(!TestMessages.eicarNested.containsEICARRaw)
        #expect(BuiltinScanner.scan(TestMessages.eicarNested) == EngineVerdict(spamScore: 0, viruses: ["EICAR-Test-File"]))
    }

    @Test func gtubeInQuotedPrintableScores100() {
        #expect(BuiltinScanner.scan(TestMessages.gtubeQuotedPrintable) == EngineVerdict(spamScore: 100, viruses: []))
    }

    @Test(arguments: [
        ("spamassassin__gtube.eml", 100, [String]()),
        ("rspamd__gtube.eml", 100, []),
        ("spamassassin__gtubedcc_crlf.eml", 100, []),
        ("spamassassin__sample-spam.txt", 100, []),
        ("spamassassin__sample-nonspam.txt", 0, []),
        ("dms__rspamd-virus.txt", 0, ["EICAR-Test-File"]),
        ("dms__amavis-virus.txt", 0, ["EICAR-Test-File"]),
        ("mailgem__basic_email.eml", 0, []),
    ])
    func corpusMessages(name: String, score: Int, viruses: [String]) throws {
        #expect(BuiltinScanner.scan(try TestMessages.fixture(name)) == EngineVerdict(spamScore: score, viruses: viruses))
    }
}

extension Array where Element == UInt8 {
    var containsEICARRaw: Bool {
        String(decoding: self, as: UTF8.self).contains(TestMessages.eicar)
    }
}

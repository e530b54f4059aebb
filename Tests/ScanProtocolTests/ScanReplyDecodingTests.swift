import Testing
import ScanProtocol

@Suite struct ScanReplyDecodingTests {
    @Test func aWellFormedReplyDecodes() throws {
        let body = #"{"spam_score": 100, "viruses": ["EICAR-Test-File"], "engines": ["builtin", "clamav"], "elapsed_ms": 12}"#
        let reply = try YSCCoding.decodeScanReply(status: 200, body: Array(body.utf8))
        #expect(reply == ScanReply(spamScore: 100, viruses: ["EICAR-Test-File"], engines: ["builtin", "clamav"], elapsedMilliseconds: 12))
    }

    @Test func unknownFieldsAreIgnoredAndFailedEnginesAreOptional() throws {
        let body = #"{"spam_score": 0, "viruses": [], "engines": ["builtin"], "elapsed_ms": 0, "failed_engines": ["clamav"], "future": {"x": 1}}"#
        let reply = try YSCCoding.decodeScanReply(status: 200, body: Array(body.utf8))
        #expect(reply.failedEngines == ["clamav"])
        #expect(reply.spamScore == 0)
    }

    @Test func encodingRoundTripsAndUsesTheWireNames() throws {
        let reply = ScanReply(spamScore: 42, viruses: ["A", "B"], engines: ["builtin"], elapsedMilliseconds: 7)
        let bytes = YSCCoding.encode(reply)
        #expect(String(decoding: bytes, as: UTF8.self) == #"{"elapsed_ms":7,"engines":["builtin"],"spam_score":42,"viruses":["A","B"]}"#)
        #expect(try YSCCoding.decodeScanReply(status: 200, body: bytes) == reply)
    }

    @Test(arguments: [
        ("", YSCDecodingError.notJSON),
        ("<html>502 Bad Gateway</html>", .notJSON),
        ("null", .notJSON),
        ("[1,2]", .notJSON),
        ("\"text\"", .notJSON),
        ("{\"spam_score\": 10, ", .notJSON),
        ("{\u{0}\u{1}\u{2}", .notJSON),
        (#"{"viruses": [], "engines": [], "elapsed_ms": 1}"#, .missingField("spam_score")),
        (#"{"spam_score": null, "viruses": [], "engines": [], "elapsed_ms": 1}"#, .missingField("spam_score")),
        (#"{"spam_score": 1, "engines": [], "elapsed_ms": 1}"#, .missingField("viruses")),
        (#"{"spam_score": 1, "viruses": [], "elapsed_ms": 1}"#, .missingField("engines")),
        (#"{"spam_score": 1, "viruses": [], "engines": []}"#, .missingField("elapsed_ms")),
        (#"{"spam_score": "high", "viruses": [], "engines": [], "elapsed_ms": 1}"#, .wrongType(field: "spam_score")),
        (#"{"spam_score": 1, "viruses": "EICAR", "engines": [], "elapsed_ms": 1}"#, .wrongType(field: "viruses")),
        (#"{"spam_score": 1, "viruses": [3], "engines": [], "elapsed_ms": 1}"#, .wrongType(field: "viruses")),
        (#"{"spam_score": 101, "viruses": [], "engines": [], "elapsed_ms": 1}"#, .outOfRange(field: "spam_score", value: "101")),
        (#"{"spam_score": -1, "viruses": [], "engines": [], "elapsed_ms": 1}"#, .outOfRange(field: "spam_score", value: "-1")),
        (#"{"spam_score": 1, "viruses": [], "engines": [], "elapsed_ms": -5}"#, .outOfRange(field: "elapsed_ms", value: "-5")),
        (#"{"spam_score": 1, "viruses": [""], "engines": [], "elapsed_ms": 1}"#, .outOfRange(field: "viruses", value: "empty")),
        (#"{"spam_score": 1, "viruses": ["a\nb"], "engines": [], "elapsed_ms": 1}"#, .outOfRange(field: "viruses", value: "control character")),
    ])
    func garbageIsATypedError(body: String, expected: YSCDecodingError) {
        #expect(throws: expected) { try YSCCoding.decodeScanReply(status: 200, body: Array(body.utf8)) }
    }

    @Test func anOversizedScoreThatOverflowsIntIsATypedError() {
        let body = #"{"spam_score": 99999999999999999999999, "viruses": [], "engines": [], "elapsed_ms": 1}"#
        #expect(throws: YSCDecodingError.self) { try YSCCoding.decodeScanReply(status: 200, body: Array(body.utf8)) }
    }

    @Test func tooManyVirusNamesAreRefused() {
        let names = (0...ScanProtocolLimits.maxVirusNames).map { "\"V\($0)\"" }.joined(separator: ",")
        let body = #"{"spam_score": 0, "viruses": ["# + names + #"], "engines": [], "elapsed_ms": 1}"#
        #expect(throws: YSCDecodingError.outOfRange(field: "viruses", value: "\(ScanProtocolLimits.maxVirusNames + 1) entries")) {
            try YSCCoding.decodeScanReply(status: 200, body: Array(body.utf8))
        }
    }

    @Test func aBodyOverTheReplyLimitIsRefusedBeforeParsing() {
        let body = [UInt8](repeating: UInt8(ascii: " "), count: ScanProtocolLimits.maxReplyBytes + 1)
        #expect(throws: YSCDecodingError.tooLarge(bytes: ScanProtocolLimits.maxReplyBytes + 1)) {
            try YSCCoding.decodeScanReply(status: 200, body: body)
        }
    }

    @Test(arguments: [400, 413, 500, 503])
    func aNon200StatusCarriesTheServiceMessage(status: Int) {
        #expect(throws: YSCDecodingError.serviceError(status: status, message: "no engine")) {
            try YSCCoding.decodeScanReply(status: status, body: Array(#"{"error": "no engine"}"#.utf8))
        }
        #expect(throws: YSCDecodingError.serviceError(status: status, message: nil)) {
            try YSCCoding.decodeScanReply(status: status, body: Array("<html>oops</html>".utf8))
        }
    }

    @Test func everyPrefixOfAValidReplyFailsCleanly() throws {
        // Truncated replies (a connection cut mid-body) must never crash and never decode.
        let body = Array(#"{"spam_score": 5, "viruses": ["X"], "engines": ["builtin"], "elapsed_ms": 3}"#.utf8)
        for length in 0..<body.count {
            #expect(throws: YSCDecodingError.self) { try YSCCoding.decodeScanReply(status: 200, body: body[0..<length]) }
        }
        #expect(try YSCCoding.decodeScanReply(status: 200, body: body).spamScore == 5)
    }
}

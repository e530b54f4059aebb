import Testing
import ScanProtocol

@Suite struct HealthCodingTests {
    @Test func healthRoundTrips() throws {
        let health = HealthReply(status: .degraded, engines: [EngineHealth(name: "builtin", state: .up),
                                                               EngineHealth(name: "clamav", state: .down, detail: "refused")])
        let decoded = try YSCCoding.decodeHealthReply(status: 200, body: YSCCoding.encode(health))
        #expect(decoded == health)
    }

    @Test func unknownEngineStateIsAnError() {
        let body = #"{"status": "ok", "engines": [{"name": "builtin", "state": "maybe"}]}"#
        #expect(throws: YSCDecodingError.self) { try YSCCoding.decodeHealthReply(status: 200, body: Array(body.utf8)) }
    }

    @Test func operationsAreSendAndReceive() {
        #expect(ScanOperation.allCases.map(\.rawValue) == ["send", "receive"])
        #expect(ScanOperation(rawValue: "SEND") == nil)
    }
}

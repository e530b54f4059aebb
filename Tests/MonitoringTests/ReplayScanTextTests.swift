import MessageInspection
import Monitoring
import ScanClient
import Testing

/// The words `mailsec replay --scan` appends to a message's line.
@Suite struct ReplayScanTextTests {
    @Test(arguments: [
        (ReplayScan.Verdict.scanned(score: 100, viruses: []), 3, "spam score=100 viruses=-"),
        (.scanned(score: 60, viruses: []), 3, "clean score=60 viruses=-"),
        (.scanned(score: 60, viruses: []), 4, "spam score=60 viruses=-"),
        (.scanned(score: 0, viruses: ["EICAR-Test-File"]), 3, "virus score=0 viruses=EICAR-Test-File"),
        (.scanned(score: 95, viruses: ["A", "B"]), 3, "spam+virus score=95 viruses=A,B"),
        (.unscanned("incomplete message"), 3, "unscanned (incomplete message)"),
    ])
    func theResultKeywordFollowsTheSpamLevel(_ verdict: ReplayScan.Verdict, _ level: Int, _ expected: String) {
        #expect(ReplayScan.text(verdict, policy: InspectionPolicy(spamLevel: level)) == expected)
    }

    @Test func aFailureNamesItsClassAndTheDetailThatAddsSomething() {
        #expect(ReplayScan.reason(ScanFailure(kind: .httpStatus(503), detail: "HTTP 503: engines down")) == "scan service answered HTTP 503: engines down")
        #expect(ReplayScan.reason(ScanFailure(kind: .timeout, detail: "")) == "scan service timed out")
        #expect(ReplayScan.reason(nil as ScanFailure?) == "scan abandoned")
    }
}

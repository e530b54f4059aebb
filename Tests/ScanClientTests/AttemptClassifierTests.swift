import NIOCore
import ScanProtocol
import Telemetry
import Testing
@testable import ScanClient

@Suite struct AttemptClassifierTests {
    func exchange(code: Int = 0, status: Int = 0, body: String = "", connected: Bool = true,
                  newConnections: Int = 1, tooLarge: Bool = false) -> CurlExchange {
        CurlExchange(curlCode: code, errorText: "curl says \(code)", httpStatus: status,
                     body: ByteBuffer(string: body), replyTooLarge: tooLarge, cancelled: false,
                     primaryIP: connected ? "192.0.2.7" : "", primaryPort: connected ? 8443 : 0,
                     newConnections: connected ? newConnections : 0, connected: connected, totalTime: .milliseconds(5))
    }

    func classify(_ x: CurlExchange) -> (AttemptClassifier.Result, [MailSecLogMessage]) {
        AttemptClassifier.classify(x, host: "ysc.example.invalid", requestID: "42")
    }

    @Test func verdictWithConnectLine() {
        let (result, log) = classify(exchange(status: 200, body: #"{"spam_score": 100, "viruses": ["Eicar"], "engines": ["builtin"], "elapsed_ms": 3}"#))
        #expect(result == .verdict(ScanVerdict(spamScore: 100, viruses: ["Eicar"], engines: ["builtin"], elapsedMilliseconds: 3)))
        #expect(log == [.yscConnect(id: "42", address: "192.0.2.7", port: 8443)])
    }

    @Test func reusedConnectionLogsNoConnectLine() {
        let (_, log) = classify(exchange(status: 200, body: #"{"spam_score": 0, "viruses": [], "engines": ["builtin"], "elapsed_ms": 1}"#, newConnections: 0))
        #expect(log.isEmpty)
    }

    @Test(arguments: [
        (6, false, ScanFailureKind.nameResolution, MailSecLogMessage.noSuchDomainName(fqdn: "ysc.example.invalid")),
        (7, false, .connect, .yscConnectFailed(id: "42", code: 7)),
        (28, false, .connect, .yscConnectFailed(id: "42", code: 28)),
        (28, true, .timeout, .yscReadError(id: "42", code: 28)),
        (35, true, .tls, .yscTLSError(id: "42")),
        (60, true, .tls, .yscTLSError(id: "42")),
        (52, true, .read, .yscReadError(id: "42", code: 52)),
        (56, true, .read, .yscReadError(id: "42", code: 56)),
        (8, true, .badReply, .yscReadError(id: "42", code: 8)),
        (1, true, .badReply, .yscReadError(id: "42", code: 1)),
    ] as [(Int, Bool, ScanFailureKind, MailSecLogMessage)])
    func transportFailures(code: Int, connected: Bool, kind: ScanFailureKind, line: MailSecLogMessage) {
        let (result, log) = classify(exchange(code: code, connected: connected))
        #expect(result == .failure(ScanFailure(kind: kind, detail: "curl says \(code)")))
        #expect(log.last == line)
    }

    @Test func oversizedReplyIsABadReply() {
        let (result, _) = classify(exchange(code: 23, tooLarge: true))
        guard case .failure(let failure) = result else { Issue.record("expected a failure"); return }
        #expect(failure.kind == .badReply)
    }

    @Test func httpErrorCarriesStatusAndServiceText() {
        let (result, log) = classify(exchange(status: 413, body: #"{"error": "message too large"}"#))
        #expect(result == .failure(ScanFailure(kind: .httpStatus(413), detail: "HTTP 413: message too large")))
        #expect(log.last == .yscReadError(id: "42", code: 413))
    }

    @Test(arguments: [
        "", "not json", #"{"viruses": []}"#, #"{"spam_score": 101, "viruses": []}"#,
        #"{"spam_score": -1}"#, #"{"spam_score": "high"}"#, #"{"spam_score": 5, "viruses": [7]}"#, "[]",
    ])
    func malformedVerdictsAreBadReplies(body: String) {
        let (result, log) = classify(exchange(status: 200, body: body))
        guard case .failure(let failure) = result else { Issue.record("expected a failure for \(body)"); return }
        #expect(failure.kind == .badReply)
        #expect(log.last == .yscReadError(id: "42", code: 8))
    }

    @Test func retryAndBreakerPolicy() {
        #expect(ScanFailureKind.timeout.isRetryable && ScanFailureKind.timeout.indicatesServiceFailure)
        #expect(ScanFailureKind.httpStatus(503).isRetryable && ScanFailureKind.httpStatus(503).indicatesServiceFailure)
        #expect(!ScanFailureKind.httpStatus(413).isRetryable && !ScanFailureKind.httpStatus(413).indicatesServiceFailure)
        #expect(!ScanFailureKind.tls.isRetryable && ScanFailureKind.tls.indicatesServiceFailure)
        #expect(!ScanFailureKind.cancelled.isRetryable && !ScanFailureKind.cancelled.indicatesServiceFailure)
    }

    @Test func backoffDoublesAndIsCapped() {
        let configuration = ScanClientConfiguration(retryBackoff: .milliseconds(200))
        #expect(configuration.backoff(beforeRetry: 1) == .milliseconds(200))
        #expect(configuration.backoff(beforeRetry: 2) == .milliseconds(400))
        #expect(configuration.backoff(beforeRetry: 3) == .milliseconds(800))
        #expect(configuration.backoff(beforeRetry: 10) == ScanClientConfiguration.maxRetryBackoff)
        #expect(ScanClientConfiguration(url: "https://192.0.2.1:8443").endpoint("v1/scan") == "https://192.0.2.1:8443/v1/scan")
    }
}

@Suite struct RequestIDTests {
    @Test func requestIDsCannotInjectHeaders() {
        #expect(ScanClient.headerSafe("0042") == "0042")
        #expect(ScanClient.headerSafe("a\r\nX-Evil: 1") == "aX-Evil:1")
        #expect(ScanClient.headerSafe("") == "-")
        #expect(ScanClient.headerSafe(String(repeating: "x", count: 500)).count == ScanClientLimits.maxRequestIDLength)
    }
}

import Foundation
import NIOCore
import Testing
@testable import ScanClient

@Suite struct ScanStatusReportTests {
    @Test func rendersEveryItemInTheRouterStyle() {
        var s = ScanStatisticsSnapshot()
        s.serviceURL = "https://127.0.0.1:8443/"
        s.serviceAddress = "127.0.0.1:8443"
        s.requests = 10; s.successes = 7; s.retries = 4; s.connectFailures = 1; s.tlsFailures = 2
        s.timeouts = 3; s.readErrors = 4; s.nameResolutionFailures = 5; s.httpErrors = 6; s.badReplies = 8
        s.lastError = "Connection refused"
        s.lastErrorTime = Date(timeIntervalSince1970: 1_795_646_701) // 2026-11-25 22:45:01 UTC
        s.responseCount = 2; s.responseTimeTotal = .milliseconds(30); s.responseTimeMaximum = .milliseconds(20)
        #expect(ScanStatusReport.render(s, state: "failing") == """
        =======================================================
        Item                          Value
        -------------------------------------------------------
        Service URL                   https://127.0.0.1:8443/
        Service address               127.0.0.1:8443
        State                         failing
        Requests                      10
        Successes                     7
        Retries                       4
        Connect failures              1
        TLS failures                  2
        Timeouts                      3
        Read errors                   4
        Name resolution failures      5
        HTTP errors                   6
        Bad replies                   8
        Breaker rejections            0
        Last error                    Connection refused
        Last error time               2026/11/25 22:45:01
        Response time (average)       15 ms
        Response time (maximum)       20 ms
        =======================================================

        """)
    }

    @Test func stateWords() {
        let now = NIODeadline.uptimeNanoseconds(1_000_000_000_000)
        #expect(ScanStatusReport.stateText(breaker: .closed(consecutiveFailures: 0), lastAttemptFailed: false, now: now) == "available")
        #expect(ScanStatusReport.stateText(breaker: .closed(consecutiveFailures: 2), lastAttemptFailed: true, now: now) == "failing")
        #expect(ScanStatusReport.stateText(breaker: .probing, lastAttemptFailed: true, now: now) == "probing")
        #expect(ScanStatusReport.stateText(breaker: .open(until: now + .milliseconds(29_500)), lastAttemptFailed: true, now: now) == "breaker open (30s)")
        #expect(ScanStatusReport.stateText(breaker: .open(until: now + .seconds(30)), lastAttemptFailed: true, now: now) == "breaker open (30s)")
        #expect(ScanStatusReport.stateText(breaker: .open(until: now + .milliseconds(1)), lastAttemptFailed: true, now: now) == "breaker open (1s)")
        #expect(ScanStatusReport.stateText(breaker: .open(until: now), lastAttemptFailed: true, now: now) == "breaker open (probe due)")
    }

    @Test func statisticsCountAttemptsAndClear() {
        let stats = ScanStatistics()
        stats.setServiceURL("https://192.0.2.1/")
        stats.recordRequest()
        stats.recordFailure(ScanFailure(kind: .timeout, detail: "slow"), at: Date(timeIntervalSince1970: 0))
        stats.recordRetry()
        stats.recordSuccess(responseTime: .milliseconds(40))
        stats.recordFailure(ScanFailure(kind: .httpStatus(413), detail: "big"), at: Date(timeIntervalSince1970: 1))
        var s = stats.snapshot
        #expect(s.requests == 1 && s.timeouts == 1 && s.retries == 1 && s.successes == 1 && s.httpErrors == 1)
        #expect(s.lastError == "big" && !s.lastAttemptFailed)
        #expect(s.averageResponseTime == .milliseconds(40))
        stats.clear()
        s = stats.snapshot
        #expect(s.requests == 0 && s.lastError == nil && s.serviceURL == "https://192.0.2.1/")
    }
}

import Foundation
import Testing
@testable import Telemetry

@Suite struct MailStatisticsTests {
    /// A clock that advances one minute per reading, so every entry has its own time.
    static func ticking() -> @Sendable () -> Date {
        let next = LockedState(lateNovember)
        return { next.withLock { now in defer { now = now.addingTimeInterval(60) }; return now } }
    }

    @Test func countersArePerProtocolAndRenderInOrder() {
        let stats = MailStatistics(clock: Self.ticking())
        stats.increment(.inspected, for: .smtp, by: 12)
        stats.increment(.clean, for: .smtp, by: 9)
        stats.increment(.spam, for: .smtp, by: 2)
        stats.increment(.tagged, for: .smtp, by: 2)
        stats.increment(.virus, for: .pop3)
        stats.increment(.inspected, for: .pop3)
        stats.increment(.rejectedYSCFailure, for: .pop3, by: 3)
        #expect(stats.value(.spam, for: .smtp) == 2)
        #expect(stats.value(.spam, for: .pop3) == 0)
        #expect(stats.renderMailSecurityStatus(use: true, licenseState: "active", yscState: "available") == """
            =======================================================
            Item                          Value
            -------------------------------------------------------
            Use                           on
            License                       active
            YSC                           available
            SMTP inspected                12
            SMTP clean                    9
            SMTP spam                     2
            SMTP virus                    0
            SMTP spam+virus               0
            SMTP white-listed             0
            SMTP tagged                   2
            SMTP rejected                 0
            SMTP transferred              0
            SMTP over size                0
            SMTP could not scan           0
            SMTP rejected, no license     0
            SMTP rejected, YSC failure    0
            POP3 inspected                1
            POP3 clean                    0
            POP3 spam                     0
            POP3 virus                    1
            POP3 spam+virus               0
            POP3 white-listed             0
            POP3 tagged                   0
            POP3 rejected                 0
            POP3 transferred              0
            POP3 over size                0
            POP3 could not scan           0
            POP3 rejected, no license     0
            POP3 rejected, YSC failure    3
            SMTP TLS inspected            0
            SMTP TLS passed               0
            SMTP TLS exempt               0
            SMTP TLS blocked              0
            SMTP TLS client refused       0
            SMTP TLS upstream invalid     0
            SMTP TLS handshake failed     0
            POP3 TLS inspected            0
            POP3 TLS passed               0
            POP3 TLS exempt               0
            POP3 TLS blocked              0
            POP3 TLS client refused       0
            POP3 TLS upstream invalid     0
            POP3 TLS handshake failed     0
            =======================================================

            """)
    }

    @Test func detectionHistoryIsNewestFirst() {
        let stats = MailStatistics(clock: Self.ticking())
        stats.recordDetection(.smtp, from: "alice@example.com", to: "bob@example.net", subject: "Cheap pills",
                              result: .spam, action: .tag)
        stats.recordDetection(.pop3, from: "eve@example.org", to: "carol@example.com", subject: "invoice\r\n.zip",
                              result: .spamAndVirus, action: .white)
        #expect(stats.renderDetectionHistory() == """
            =======================================================
            Item                          Value
            -------------------------------------------------------
            Detections                    2
            -------------------------------------------------------
            Date                          2026/11/25 22:46:00
            Protocol                      POP3 (receive)
            From                          eve@example.org
            To                            carol@example.com
            Subject                       invoice  .zip
            Result                        spam+virus
            Action                        white
            -------------------------------------------------------
            Date                          2026/11/25 22:45:00
            Protocol                      SMTP (send)
            From                          alice@example.com
            To                            bob@example.net
            Subject                       Cheap pills
            Result                        spam
            Action                        tag
            =======================================================

            """)
        stats.clearDetectionHistory()
        #expect(stats.detectionHistory.isEmpty)
        #expect(stats.renderDetectionHistory() == """
            =======================================================
            Item                          Value
            -------------------------------------------------------
            Detections                    0
            =======================================================

            """)
    }

    @Test func whiteListCountsAndHistory() {
        let stats = MailStatistics(clock: Self.ticking())
        stats.recordWhiteListMatch(.smtp, pattern: 7, from: "boss@example.com", to: "me@example.com", subject: "Q3")
        stats.recordWhiteListMatch(.pop3, pattern: 2, from: "news@example.org", to: "me@example.com", subject: "Weekly")
        stats.recordWhiteListMatch(.smtp, pattern: 7, from: "boss@example.com", to: "you@example.com", subject: "Q4")
        stats.recordWhiteListMatch(.smtp, pattern: 101, from: "x", to: "y", subject: "out of range: ignored")
        #expect(stats.whiteListPatternMatches == [7: 2, 2: 1])
        #expect(stats.renderWhiteListStatus(patterns: [1, 7, 500]) == """
            =======================================================
            Item                          Value
            -------------------------------------------------------
            Total matches                 3
            Pattern 1 matches             0
            Pattern 2 matches             1
            Pattern 7 matches             2
            =======================================================

            """)
        #expect(stats.renderWhiteListHistory() == """
            =======================================================
            Item                          Value
            -------------------------------------------------------
            Matches                       3
            -------------------------------------------------------
            Date                          2026/11/25 22:47:00
            Protocol                      SMTP (send)
            Pattern                       7
            From                          boss@example.com
            To                            you@example.com
            Subject                       Q4
            -------------------------------------------------------
            Date                          2026/11/25 22:46:00
            Protocol                      POP3 (receive)
            Pattern                       2
            From                          news@example.org
            To                            me@example.com
            Subject                       Weekly
            -------------------------------------------------------
            Date                          2026/11/25 22:45:00
            Protocol                      SMTP (send)
            Pattern                       7
            From                          boss@example.com
            To                            me@example.com
            Subject                       Q3
            =======================================================

            """)
        stats.clearWhiteListHistory()
        #expect(stats.whiteListHistory.isEmpty)
        #expect(stats.whiteListPatternMatches == [7: 2, 2: 1]) // clearing the history keeps the counts
    }

    @Test func historiesAreBoundedAndKeepTheNewest() {
        let stats = MailStatistics(clock: Self.ticking())
        let total = TelemetryLimits.detectionHistoryEntries + 5
        for n in 0..<total {
            stats.recordDetection(.smtp, from: "f\(n)", to: "t", subject: "s", result: .virus, action: .reject)
            stats.recordWhiteListMatch(.smtp, pattern: 1, from: "f\(n)", to: "t", subject: "s")
        }
        #expect(stats.detectionHistory.count == TelemetryLimits.detectionHistoryEntries)
        #expect(stats.detectionHistory.first?.from == "f\(total - 1)")
        #expect(stats.detectionHistory.last?.from == "f5")
        #expect(stats.whiteListHistory.count == TelemetryLimits.whiteListHistoryEntries)
        #expect(stats.whiteListPatternMatches[1] == total)
    }

    @Test func hostileHeaderValuesAreBoundedAndPrintable() {
        let stats = MailStatistics(clock: Self.ticking())
        stats.recordDetection(.smtp, from: String(repeating: "a", count: 100_000), to: "\u{1B}[2Jx",
                              subject: String(repeating: "é", count: 300), result: .spam, action: .reject)
        let entry = stats.detectionHistory[0]
        #expect(entry.from.count == TelemetryLimits.historyFieldCharacters)
        #expect(entry.to == " [2Jx")
        #expect(entry.subject.count == TelemetryLimits.historyFieldCharacters)
    }

    @Test func resetClearsEverything() {
        let stats = MailStatistics(clock: Self.ticking())
        stats.increment(.inspected, for: .smtp)
        stats.recordDetection(.smtp, from: "a", to: "b", subject: "c", result: .spam, action: .pass)
        stats.recordWhiteListMatch(.pop3, pattern: 4, from: "a", to: "b", subject: "c")
        stats.reset()
        #expect(MailCounter.allCases.allSatisfy { stats.value($0, for: .smtp) == 0 && stats.value($0, for: .pop3) == 0 })
        #expect(stats.detectionHistory.isEmpty && stats.whiteListHistory.isEmpty && stats.whiteListPatternMatches.isEmpty)
    }

    @Test func concurrentIncrementsAreNotLost() async {
        let stats = MailStatistics()
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<8 {
                group.addTask { for _ in 0..<1000 { stats.increment(.inspected, for: .pop3) } }
            }
        }
        #expect(stats.value(.inspected, for: .pop3) == 8000)
    }

    @Test func everyStatusItemFitsTheItemColumn() {
        for mailProtocol in MailProtocol.allCases {
            for counter in MailCounter.allCases {
                #expect("\(mailProtocol.logName) \(counter.label)".count < StatusTable.itemColumn)
            }
        }
    }
}

import Foundation
import Testing
@testable import Telemetry

/// The recent-mail list behind the web console's tiles: every outcome, newest first, bounded.
@Suite struct MailRecordTests {
    @Test func everyOutcomeIsKeptNewestFirstWithItsCounters() {
        let stats = MailStatistics(clock: MailStatisticsTests.ticking())
        stats.recordMail(.smtp, from: "alice@example.com", to: "bob@example.net", subject: "Minutes", size: 512,
                         counted: [.inspected, .clean], disposition: .pass)
        stats.recordMail(.pop3, from: "eve@example.org", to: "carol@example.com", subject: "Offer\r\nnow", size: 2048,
                         counted: [.inspected, .spam, .tagged], disposition: .tag, score: 100)
        stats.recordMail(.smtp, from: "", to: "", subject: "", size: 9_000_000, counted: [.overSize], disposition: .reject)
        let mails = stats.recentMails
        #expect(mails.map(\.size) == [9_000_000, 2048, 512])
        #expect(mails[1].subject == "Offer  now" && mails[1].score == 100 && mails[1].mailProtocol == .pop3)
        #expect(mails[1].outcomeCounters == [.spam, .tagged])
        #expect(mails[2].date < mails[1].date && mails[1].date < mails[0].date)
        #expect(stats.overSizeRejected(for: .smtp) == 1 && stats.overSizeRejected(for: .pop3) == 0)
        stats.reset()
        #expect(stats.recentMails.isEmpty && stats.overSizeRejected(for: .smtp) == 0)
    }

    @Test func theListIsBoundedAndCountsWhatLeftIt() {
        let stats = MailStatistics(clock: MailStatisticsTests.ticking())
        let limit = TelemetryLimits.mailListEntries
        for n in 0..<(limit + 5) {
            stats.recordMail(.smtp, from: "a@example.com", to: "b@example.com", subject: "#\(n)", size: n,
                             counted: [.inspected, .clean], disposition: .pass)
        }
        let mails = stats.recentMails
        #expect(mails.count == limit)
        #expect(mails.first?.subject == "#\(limit + 4)" && mails.last?.subject == "#5")
        #expect(stats.mailsDropped == 5)
    }

    @Test func ringKeepsOrderAcrossWrapping() {
        var ring = MailRing(capacity: 3)
        func record(_ n: Int) -> MailRecord {
            MailRecord(date: Date(timeIntervalSince1970: Double(n)), mailProtocol: .smtp, from: "", to: "", subject: "\(n)",
                       size: n, counted: [.clean], disposition: .pass)
        }
        for n in 1...2 { ring.append(record(n)) }
        #expect(ring.newestFirst.map(\.size) == [2, 1] && ring.dropped == 0)
        for n in 3...7 { ring.append(record(n)) }
        #expect(ring.newestFirst.map(\.size) == [7, 6, 5] && ring.dropped == 4)
    }
}

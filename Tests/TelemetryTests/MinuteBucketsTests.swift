import Foundation
import Testing
@testable import Telemetry

/// The dashboard's chart reads the per-minute counts that `increment` writes with the counter.
@Suite struct MinuteBucketsTests {
    @Test func binsSumTheirMinutesOldestFirst() {
        var buckets = MinuteBuckets()
        buckets.add(2, .spam, .smtp, minute: 1000)
        buckets.add(1, .spam, .smtp, minute: 1000)
        buckets.add(5, .spam, .smtp, minute: 1003)
        buckets.add(7, .virus, .smtp, minute: 1003)
        buckets.add(4, .spam, .pop3, minute: 1004)
        #expect(buckets.series(.spam, .smtp, now: 1004, binMinutes: 1, binCount: 5) == [3, 0, 0, 5, 0])
        #expect(buckets.series(.spam, .smtp, now: 1005, binMinutes: 3, binCount: 2) == [3, 5])
        #expect(buckets.series(.spam, .pop3, now: 1004, binMinutes: 60, binCount: 1) == [4])
        #expect(buckets.series(.virus, .pop3, now: 1004, binMinutes: 1, binCount: 3) == [0, 0, 0])
    }

    @Test func olderThanAWeekIsDroppedSoTheStoreStaysBounded() {
        var buckets = MinuteBuckets()
        for minute in 0..<(TelemetryLimits.chartMinutes + 500) { buckets.add(1, .inspected, .smtp, minute: minute) }
        #expect(buckets.minutes.count == TelemetryLimits.chartMinutes)
        let week = ChartRange.week
        #expect(buckets.series(.inspected, .smtp, now: TelemetryLimits.chartMinutes + 499,
                               binMinutes: week.binMinutes, binCount: week.binCount).reduce(0, +) == TelemetryLimits.chartMinutes)
    }

    @Test func rangesCoverWhatTheyName() {
        #expect(ChartRange.hour.binMinutes * ChartRange.hour.binCount == 60)
        #expect(ChartRange.day.binMinutes * ChartRange.day.binCount == 24 * 60)
        #expect(ChartRange.week.binMinutes * ChartRange.week.binCount == TelemetryLimits.chartMinutes)
    }

    @Test func statisticsFeedTheChartAndTheCounterTogether() {
        let now = LockedState(Date(timeIntervalSince1970: 1_800_000_000))
        let stats = MailStatistics(clock: { now.withLock { $0 } })
        stats.increment(.inspected, for: .smtp, by: 3)
        now.withLock { $0 = $0.addingTimeInterval(120) }
        stats.increment(.inspected, for: .smtp)
        let hour = stats.series(.inspected, for: .smtp, range: .hour)
        #expect(hour.count == 60)
        #expect(Array(hour.suffix(3)) == [3, 0, 1])
        #expect(hour.reduce(0, +) == stats.value(.inspected, for: .smtp))
        stats.reset()
        #expect(stats.series(.inspected, for: .smtp, range: .hour).reduce(0, +) == 0)
    }

    @Test func warningLastsUntilAcknowledged() {
        let stats = MailStatistics()
        #expect(stats.unacknowledgedDetections == 0)
        stats.recordDetection(.smtp, from: "a@example.com", to: "b@example.net", subject: "s", result: .spam, action: .tag, score: 99)
        stats.recordDetection(.pop3, from: "a@example.com", to: "b@example.net", subject: "s", result: .virus, action: .tag,
                              virusNames: ["Eicar-Test-Signature"])
        #expect(stats.unacknowledgedDetections == 2)
        #expect(stats.detectionHistory.first?.virusNames == ["Eicar-Test-Signature"])
        #expect(stats.detectionHistory.last?.score == 99)
        stats.acknowledgeDetections()
        #expect(stats.unacknowledgedDetections == 0)
        stats.recordDetection(.smtp, from: "", to: "", subject: "", result: .spam, action: .reject)
        #expect(stats.unacknowledgedDetections == 1)
        stats.clearDetectionHistory()
        #expect(stats.unacknowledgedDetections == 0)
    }
}

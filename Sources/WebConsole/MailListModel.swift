import Foundation
import Telemetry

/// The list of mails behind one tile, as data: the records of the recent-mail list
/// (`MailStatistics.recentMails`) that were counted in the tile's counter, of its protocol,
/// within the dashboard's range, newest first. Pure; `MailListPage` renders it.
public struct MailListModel: Equatable, Sendable {
    public struct Row: Equatable, Sendable {
        public var time: String
        public var protocolName: String
        public var direction: String
        public var from: String
        public var to: String
        public var subject: String
        public var size: String
        public var outcome: String
        public var action: String
        public var score: String
        public var virus: String
    }

    public var mailProtocol: MailProtocol
    public var counter: MailCounter
    public var range: ChartRange
    /// The counter's value (since start): what the tile shows.
    public var counted: Int
    /// Records of this counter still in the list, whatever their time.
    public var kept: Int
    public var rows: [Row]

    /// The counter counted more mails than the list still holds: older ones have left it
    /// (it keeps the latest `TelemetryLimits.mailListEntries` mails of every kind).
    public var olderMailsLeft: Bool { counted > kept }

    public init(statistics: MailStatistics, protocol p: MailProtocol, counter: MailCounter, range: ChartRange,
                strings: Strings, now: Date) {
        let since = now.addingTimeInterval(-Double(range.binMinutes * range.binCount * 60))
        let mine = statistics.recentMails.filter { $0.mailProtocol == p && $0.counted.contains(counter) }
        mailProtocol = p
        self.counter = counter
        self.range = range
        counted = statistics.value(counter, for: p)
        kept = mine.count
        rows = mine.filter { $0.date >= since }.map { Self.row($0, strings: strings, timeZone: statistics.timeZone) }
    }

    static func row(_ record: MailRecord, strings: Strings, timeZone: TimeZone) -> Row {
        Row(time: CivilTime(record.date, timeZone: timeZone).router,
            protocolName: record.mailProtocol.logName,
            direction: record.mailProtocol == .smtp ? strings.send : strings.receive,
            from: record.from.isEmpty ? "-" : record.from, to: record.to.isEmpty ? "-" : record.to,
            subject: record.subject.isEmpty ? "-" : record.subject,
            size: record.size.map(String.init) ?? "-",
            outcome: record.outcomeCounters.map(strings.counter).joined(separator: ", "),
            action: strings.disposition(record.disposition),
            score: record.score.map(String.init) ?? "-",
            virus: record.virusNames.isEmpty ? "-" : record.virusNames.joined(separator: ", "))
    }
}

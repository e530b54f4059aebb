import Foundation
import Telemetry

/// The dashboard as data: every number and text of its gadgets, built from the one store
/// (`MailStatistics`) and the live state. Pure; the page is a rendering of it.
public struct DashboardModel: Equatable, Sendable {
    public struct Tile: Equatable, Sendable {
        public var counter: MailCounter
        public var label: String
        public var value: Int
        /// The list of mails behind the number.
        public var link: String
    }

    /// One TLS outcome's count (docs/tls.md, Counters): the console's `SMTP TLS …` rows.
    public struct TLSTile: Equatable, Sendable {
        public var outcome: TLSOutcome
        public var label: String
        public var value: Int
    }

    public struct Detection: Equatable, Sendable {
        public var time: String
        public var protocolName: String
        public var direction: String
        public var from: String
        public var to: String
        public var subject: String
        public var score: String
        public var virus: String
        public var result: String
        public var action: String
    }

    public var tiles: [MailProtocol: [Tile]]
    /// What became of encrypted sessions, per protocol, in `TLSOutcome`'s order (the console's).
    public var tls: [MailProtocol: [TLSTile]]
    public var detections: [Detection]
    public var unacknowledged: Int
    public var range: ChartRange
    /// Per protocol: inspected, spam, virus per bin (oldest first).
    public var chart: [MailProtocol: [(MailCounter, [Int])]]
    public var live: LiveState
    public var licenseDaysLeft: Int?
    public var noPassword: Bool
    /// Mail sessions that crossed the box without interception (`show status mail security`'s
    /// `Sessions not inspected`): a tile of its own, linking to what it means.
    public var notInspected: Int
    public static let notInspectedLink = "/not-inspected"

    /// The tiles, in the console's order (the list plus spam+virus, as the console counts it).
    public static let tileCounters: [MailCounter] = [
        .inspected, .clean, .spam, .virus, .spamAndVirus, .tagged, .rejected, .transferred, .overSize, .couldNotScan, .whiteListed,
    ]
    public static let chartCounters: [MailCounter] = [.inspected, .spam, .virus]

    public init(statistics: MailStatistics, live: LiveState, range: ChartRange, noPassword: Bool,
                strings: Strings, now: Date) {
        var tiles: [MailProtocol: [Tile]] = [:]
        var chart: [MailProtocol: [(MailCounter, [Int])]] = [:]
        var tls: [MailProtocol: [TLSTile]] = [:]
        for p in MailProtocol.allCases {
            tls[p] = TLSOutcome.allCases.map {
                TLSTile(outcome: $0, label: strings.tlsOutcome($0), value: statistics.tls.value($0, for: p))
            }
            tiles[p] = Self.tileCounters.map { c in
                Tile(counter: c, label: strings.counter(c), value: statistics.value(c, for: p),
                     link: "/mails?protocol=\(p.rawValue)&counter=\(c.rawValue)&range=\(range.rawValue)")
            }
            chart[p] = Self.chartCounters.map { ($0, statistics.series($0, for: p, range: range)) }
        }
        self.tiles = tiles
        self.tls = tls
        self.chart = chart
        self.detections = statistics.detectionHistory.prefix(WebConsoleLimits.gadgetDetections).map {
            Self.detection($0, strings: strings, timeZone: statistics.timeZone)
        }
        self.unacknowledged = statistics.unacknowledgedDetections
        self.range = range
        self.live = live
        self.licenseDaysLeft = live.licenseDaysLeft(now: now)
        self.noPassword = noPassword
        self.notInspected = statistics.uninspectedSessions
    }

    public static func detection(_ entry: DetectionEntry, strings: Strings, timeZone: TimeZone) -> Detection {
        Detection(time: CivilTime(entry.date, timeZone: timeZone).router,
                  protocolName: entry.mailProtocol.logName,
                  direction: entry.mailProtocol == .smtp ? strings.send : strings.receive,
                  from: entry.from, to: entry.to, subject: entry.subject,
                  score: entry.score.map(String.init) ?? "-",
                  virus: entry.virusNames.isEmpty ? "-" : entry.virusNames.joined(separator: ", "),
                  result: entry.result.rawValue, action: entry.action.rawValue)
    }

    public static func == (a: Self, b: Self) -> Bool {
        a.tiles == b.tiles && a.tls == b.tls && a.detections == b.detections && a.unacknowledged == b.unacknowledged && a.range == b.range
            && a.live == b.live && a.noPassword == b.noPassword && a.notInspected == b.notInspected
            && MailProtocol.allCases.allSatisfy { p in
                (a.chart[p] ?? []).map(\.1) == (b.chart[p] ?? []).map(\.1)
            }
    }
}


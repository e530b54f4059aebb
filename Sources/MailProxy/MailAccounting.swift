import MessageInspection
import NIOCore
import Telemetry

/// Item 7 of the message path (docs/product.md §2): the counters of `show status mail security`, the
/// detection and white-list histories, and the INFO lines of docs/product.md §9, for SMTP and POP3
/// messages alike (one accounting, the protocol given per decision). The decision table says
/// what to count and log; this turns it into Telemetry's terms.
public struct MailAccounting: Sendable {
    public let statistics: MailStatistics
    public let log: @Sendable (MailSecLogMessage) -> Void

    public init(statistics: MailStatistics, log: @escaping @Sendable (MailSecLogMessage) -> Void) {
        self.statistics = statistics
        self.log = log
    }

    /// Records one decision. `message` (the stored message, or at least its header block) gives
    /// From/To/Subject for the histories and the recent-mail list.
    /// `mailProtocol` picks the counters and histories (`show status mail security` per protocol).
    public func record(_ decision: Decision, message: ByteBuffer?, subjectAlreadyPrefixed: Bool = false,
                       protocol proto: MailProtocol = .smtp) {
        var summary: HeaderSummary?
        func header() -> HeaderSummary {
            if let summary { return summary }
            let parsed = message.map(HeaderSummary.init(message:)) ?? HeaderSummary(from: "", to: "", subject: "")
            summary = parsed
            return parsed
        }
        for count in decision.counts {
            if case .whiteListed(let pattern) = count {
                let h = header()
                statistics.recordWhiteListMatch(proto, pattern: pattern, from: h.from, to: h.to, subject: h.subject)
            }
            statistics.increment(Self.counter(count), for: proto)
        }
        for event in decision.logs {
            log(Self.message(event))
        }
        if let result = decision.result {
            let h = header()
            let verdict = Self.verdictDetails(decision.logs)
            statistics.recordDetection(proto, from: h.from, to: h.to, subject: h.subject,
                                       result: result,
                                       action: Self.action(decision.action, subjectAlreadyPrefixed: subjectAlreadyPrefixed),
                                       score: verdict.score, virusNames: verdict.virusNames)
        }
        // Every message, whatever its outcome: the web console's lists behind the tiles.
        let h = header(), verdict = Self.verdictDetails(decision.logs)
        statistics.recordMail(proto, from: h.from, to: h.to, subject: h.subject, size: message?.readableBytes ?? decision.overSizeOctets,
                              counted: decision.counts.map(Self.counter), disposition: decision.disposition,
                              score: verdict.score, virusNames: verdict.virusNames)
    }

    /// The spam score and virus names of a detection, as its detect log event carries them (the
    /// history and the web console's gadget show them).
    static func verdictDetails(_ logs: [InspectionLogEvent]) -> (score: Int?, virusNames: [String]) {
        for event in logs {
            switch event {
            case .detectSpam(let score): return (score, [])
            case .detectVirus(let names): return (nil, names)
            case .detectSpamAndVirus(let score, let names): return (score, names)
            default: continue
            }
        }
        return (nil, [])
    }

    static func counter(_ count: InspectionCount) -> MailCounter {
        switch count {
        case .inspected: .inspected
        case .clean: .clean
        case .spam: .spam
        case .virus: .virus
        case .spamAndVirus: .spamAndVirus
        case .whiteListed: .whiteListed
        case .tagged: .tagged
        case .rejected: .rejected
        case .transferred: .transferred
        case .overSize: .overSize
        case .couldNotScan: .couldNotScan
        case .rejectedForInactiveLicence: .rejectedInactiveLicense
        case .rejectedForServiceFailure: .rejectedYSCFailure
        }
    }

    static func message(_ event: InspectionLogEvent) -> MailSecLogMessage {
        switch event {
        case .detectSpam(let score): .detectSpam(score: score)
        case .detectVirus(let names): .detectVirus(names: names)
        case .detectSpamAndVirus(let score, let names): .detectSpamAndVirus(score: score, names: names)
        case .sizeOver(let proto, let octets): .mailSizeOver(protocol: proto, size: octets)
        case .cannotScan(let proto): .cannotScan(protocol: proto)
        case .whiteListMatch(let pattern): .whiteListMatch(pattern: pattern)
        case .rejectForInactiveLicence: .rejectInactiveLicense
        case .rejectForServiceFailure: .rejectYSCFailure
        }
    }

    static func action(_ action: MessageAction, subjectAlreadyPrefixed: Bool) -> DetectionAction {
        switch action {
        case .addWhiteListHeader: .white
        case .tagSubject: subjectAlreadyPrefixed ? .pass : .tag
        case .reject, .sizeReject, .tempfail: .reject
        case .transfer: .transfer
        case .relayUnchanged, .relayUnscanned: .pass
        }
    }
}

/// From, To and Subject of a message as the histories show them (RFC 2047 words decoded).
struct HeaderSummary: Sendable, Equatable {
    var from: String
    var to: String
    var subject: String

    init(from: String, to: String, subject: String) {
        self.from = from
        self.to = to
        self.subject = subject
    }

    init(message: ByteBuffer) {
        let block = HeaderBlock(parsing: message)
        func decoded(_ name: String) -> String {
            block.fields(named: name, in: message).map { field -> String in
                let raw = block.unfoldedValue(of: field, in: message)
                let (text, complete) = UnstructuredText.decode(raw)
                let shown = complete ? text : String(decoding: raw, as: UTF8.self)
                return String(shown.drop(while: { $0 == " " || $0 == "\t" }))
            }.joined(separator: " / ")
        }
        let addresses = MessageAddresses(header: block, of: message)
        from = addresses.from.isEmpty ? decoded("From") : addresses.from.joined(separator: ", ")
        let to = addresses.recipients
        self.to = to.isEmpty ? decoded("To") : to.joined(separator: ", ")
        subject = decoded("Subject")
    }
}

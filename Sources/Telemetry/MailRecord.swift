import Foundation

/// What the appliance did with one message, as `/metrics` names it (`mailsec_actions_total`'s
/// `action` label, docs/metrics.md).
public enum MailDisposition: String, CaseIterable, Sendable {
    /// Relayed unchanged (clean, unscannable relayed unscanned, over size relayed unscanned).
    case pass
    /// Subject prefixed.
    case tag
    /// White-list header added.
    case header
    /// Refused for good (SMTP 554 for a detection, 552 for an over-size message).
    case reject
    /// Replaced by a transfer notification.
    case transfer
    /// Refused for now (451 / `-ERR [SYS/TEMP]`): licence inactive or scan service failed.
    case tempfail
}

/// One message of the recent-mail list behind the web console's tiles: every outcome, not only
/// detections (those have their own history for `show status mail security history`).
/// From/To/Subject are cleaned and bounded like the histories' fields.
public struct MailRecord: Equatable, Sendable {
    public var date: Date
    public var mailProtocol: MailProtocol
    public var from: String
    public var to: String
    /// Decoded from RFC 2047 by the recorder.
    public var subject: String
    /// Octets of the message, when the recorder knew them.
    public var size: Int?
    /// The counters of `show status mail security` this message was counted in: the list
    /// behind a tile is exactly the records that name its counter.
    public var counted: [MailCounter]
    public var disposition: MailDisposition
    public var score: Int?
    public var virusNames: [String]

    public init(date: Date, mailProtocol: MailProtocol, from: String, to: String, subject: String, size: Int?,
                counted: [MailCounter], disposition: MailDisposition, score: Int? = nil, virusNames: [String] = []) {
        self.date = date
        self.mailProtocol = mailProtocol
        self.from = HistoryField.clean(from)
        self.to = HistoryField.clean(to)
        self.subject = HistoryField.clean(subject)
        self.size = size
        self.counted = counted
        self.disposition = disposition
        self.score = score
        self.virusNames = virusNames.prefix(TelemetryLimits.virusNamesPerDetection).map { HistoryField.clean($0) }
    }

    /// The outcome words of the list (`spam, tagged`): the counters it was counted in, in the
    /// console's order, without "inspected" (every scanned message is).
    public var outcomeCounters: [MailCounter] {
        MailCounter.allCases.filter { $0 != .inspected && counted.contains($0) }
    }
}

/// The newest `capacity` mail records, oldest dropped first: a fixed circular buffer, so
/// recording never reallocates once full (one per message, on the relay's path).
struct MailRing {
    let capacity: Int
    private var slots: [MailRecord] = []
    private var next = 0
    /// Records that have left the ring since it was created.
    private(set) var dropped = 0

    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    mutating func append(_ record: MailRecord) {
        if slots.count < capacity {
            slots.append(record)
        } else {
            slots[next] = record
            next = (next + 1) % capacity
            dropped &+= 1
        }
    }

    /// Newest first.
    var newestFirst: [MailRecord] {
        Array((slots[next...] + slots[..<next]).reversed())
    }
}

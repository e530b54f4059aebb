import NIOCore
import Telemetry

/// The part of the configuration that decides about one message, for either protocol: the
/// session takes one snapshot of it per message.
public struct InspectionSettings: Sendable, Hashable {
    /// `mail security use`: off relays every message unscanned and uncounted.
    public var enabled: Bool
    /// `mail security max size`, in octets of unstuffed content.
    public var maximumMessageSize: Int
    public var policy: InspectionPolicy
    public var whiteList: WhiteList
    /// `mail security smtp from address` / `… to address` (transfer notifications; SMTP only).
    public var notificationFrom: NotificationAddress
    public var notificationTo: NotificationAddress

    /// The default size is `mail security max size`'s default (docs/product.md §7).
    public init(enabled: Bool, maximumMessageSize: Int = 5 * 1024 * 1024, policy: InspectionPolicy = InspectionPolicy(),
                whiteList: WhiteList = WhiteList(patterns: [], activeSet: []),
                notificationFrom: NotificationAddress = .auto, notificationTo: NotificationAddress = .auto) {
        precondition(maximumMessageSize > 0)
        self.enabled = enabled
        self.maximumMessageSize = maximumMessageSize
        self.policy = policy
        self.whiteList = whiteList
        self.notificationFrom = notificationFrom
        self.notificationTo = notificationTo
    }
}

/// What the relay does with one message, in terms both protocols share. Each relay machine
/// maps it onto its own decision type (POP3 has no reject or transfer: it gets a tempfail).
public enum MessageDisposition: Sendable, Hashable {
    /// Deliver the stored message byte for byte.
    case deliverUnchanged
    /// Deliver `header` in place of the stored message's first `replacing` octets, then the rest
    /// of the stored message: the body is never copied.
    case deliverRewritten(header: ByteBuffer, replacing: Int)
    /// Refuse the message for good (SMTP only).
    case reject(ApplianceReply)
    /// Refuse for now: the client retries later.
    case tempfail(ApplianceReply)
    /// Deliver `notification` from `envelopeFrom` to `envelopeTo` instead of the original (SMTP only).
    case transfer(notification: ByteBuffer, envelopeFrom: String, envelopeTo: String)
}

/// The decider's answer: what the relay does, and what is counted and logged.
public struct MessageRuling: Sendable, Hashable {
    public var disposition: MessageDisposition
    /// The decision table's answer; nil when mail security is off (nothing is counted).
    public var decision: Decision?
    /// A tag was called for but every subject already started with the prefixes (the history
    /// shows `pass`, not `tag`).
    public var subjectAlreadyPrefixed: Bool

    public init(disposition: MessageDisposition, decision: Decision? = nil, subjectAlreadyPrefixed: Bool = false) {
        self.disposition = disposition
        self.decision = decision
        self.subjectAlreadyPrefixed = subjectAlreadyPrefixed
    }

    /// `mail security use off`: relayed unscanned, uncounted.
    public static let disabled = MessageRuling(disposition: .deliverUnchanged)
}

/// Identity of a transfer notification (RFC 5322 §3.6.1, §3.6.4), given from outside: no clock
/// or randomness in here.
public struct NotificationStamp: Sendable, Hashable {
    public var date: String
    public var messageID: String

    public init(date: String, messageID: String) {
        self.date = date
        self.messageID = messageID
    }
}

/// The one decider for both protocols: enabled, over size, service unavailable, and verdict ×
/// white-list × action (the table in `DecisionTable`) → what the relay does.
///
/// A message is decided in two steps: `decideBeforeScan` with what is known without its bytes
/// (nil: scan it), then `decide` with the scan's outcome and the whole stored message.
public enum MessageDecider {
    /// The decision reached without the message's bytes, or nil when the message must be
    /// scanned. `size` is the unstuffed size; `unavailability` why the scan service cannot be
    /// used now (nil when it can), asked only when mail security is on and the size fits.
    public static func decideBeforeScan(protocol mailProtocol: MailProtocol, size: Int,
                                        unavailability: @autoclosure () -> UnavailableReason?,
                                        settings: InspectionSettings) -> MessageRuling? {
        guard settings.enabled else { return .disabled }
        if size > settings.maximumMessageSize {
            return decideUnscanned(protocol: mailProtocol, .notScanned(.overSize(octets: size)), settings: settings)
        }
        if let unavailability = unavailability() {
            return decideUnscanned(protocol: mailProtocol, .unavailable(unavailability), settings: settings)
        }
        return nil
    }

    /// A decision that needs no message bytes (over size, unavailable). Also what the relay
    /// records when it decided by itself (an over-size message relayed at once; a POP3 scan
    /// that ran out of time).
    public static func decideUnscanned(protocol mailProtocol: MailProtocol, _ outcome: ScanOutcome,
                                       settings: InspectionSettings) -> MessageRuling {
        guard settings.enabled else { return .disabled }
        let decision = DecisionTable.decide(protocol: mailProtocol, outcome: outcome, whiteListMatch: nil,
                                            policy: settings.policy)
        return MessageRuling(disposition: disposition(for: decision.action), decision: decision)
    }

    /// The decision for a scanned message (`message` is the whole stored message, unstuffed).
    /// `envelopeSender` is SMTP's `MAIL FROM` address (a transfer notification's fallback domain).
    public static func decide(protocol mailProtocol: MailProtocol, _ outcome: ScanOutcome, message: ByteBuffer,
                              envelopeSender: String? = nil, settings: InspectionSettings,
                              stamp: @autoclosure () -> NotificationStamp) -> MessageRuling {
        guard settings.enabled else { return .disabled }
        let decision = DecisionTable.decide(protocol: mailProtocol, outcome: outcome, message: message,
                                            whiteList: settings.whiteList, policy: settings.policy)
        if let edits = HeaderEdits(for: decision.action) {
            let rewritten = HeaderRewriter.rewrite(message, edits: edits)
            let unchanged = rewritten.subject.prefixed == 0 && rewritten.subject.alreadyPrefixed > 0 && !rewritten.subject.added
            return MessageRuling(disposition: .deliverRewritten(header: rewritten.header, replacing: rewritten.bodyStart),
                                 decision: decision, subjectAlreadyPrefixed: unchanged)
        }
        guard case .transfer(let result) = decision.action else {
            return MessageRuling(disposition: disposition(for: decision.action), decision: decision)
        }
        var score: Int?
        var virusNames: [String] = []
        if case .verdict(let s, let names) = outcome {
            score = s
            virusNames = names
        }
        let stamp = stamp()
        let input = TransferNotificationInput(
            result: result, score: score, virusNames: virusNames,
            from: settings.notificationFrom, to: settings.notificationTo,
            date: stamp.date, messageID: stamp.messageID, envelopeSender: envelopeSender)
        do {
            let notification = try TransferNotification(original: message, input: input)
            return MessageRuling(disposition: .transfer(notification: notification.assembled(),
                                                        envelopeFrom: notification.envelopeFrom,
                                                        envelopeTo: notification.envelopeTo),
                                 decision: decision)
        } catch {
            // No sender to derive an address from: the original is still not delivered (the
            // administrator asked for it to be stopped); the client hears a reject.
            return MessageRuling(disposition: .reject(.contentReject(result)), decision: decision)
        }
    }

    /// The disposition of an action that needs no message bytes.
    static func disposition(for action: MessageAction) -> MessageDisposition {
        switch action {
        case .relayUnchanged, .relayUnscanned, .addWhiteListHeader, .tagSubject:
            return .deliverUnchanged
        case .reject(let reply), .sizeReject(let reply):
            return .reject(reply)
        case .tempfail(let reply):
            return .tempfail(reply)
        case .transfer(let result):
            // Needs the message; `decide` builds it. Unreachable from `decideUnscanned`.
            return .reject(.contentReject(result))
        }
    }
}

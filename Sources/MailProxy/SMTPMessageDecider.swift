import MessageInspection
import NIOCore
import SMTPRelay

/// Turns the decision about one message (SPEC §5) into what the relay does with it.
///
/// Pure: the message, the outcome, the settings and the notification's date and Message-ID in;
/// the relay's decision out, with the decision itself (for the accounting) and, for a
/// rewritten message, the new header block. A rewritten message is delivered as that header
/// followed by the stored message from `bodyStart` on: the body is never copied.
public enum SMTPMessageDecider {
    /// A new header block that replaces the stored message's first `bodyStart` bytes.
    public struct HeaderReplacement: Sendable, Equatable {
        public var header: ByteBuffer
        public var bodyStart: Int

        public init(header: ByteBuffer, bodyStart: Int) {
            self.header = header
            self.bodyStart = bodyStart
        }
    }

    public struct Outcome: Sendable, Equatable {
        /// What the relay does. A rewrite is given to the relay as `deliverUnchanged`: the
        /// proxy delivers its stored message with `replacement` in front.
        public var relayDecision: RelayDecision
        public var replacement: HeaderReplacement?
        /// The decision table's answer; nil when mail security is off (nothing is counted).
        public var decision: Decision?
        /// A tag was called for but every subject already started with the prefixes (the
        /// history shows `pass`, not `tag`).
        public var subjectAlreadyPrefixed = false

        public init(relayDecision: RelayDecision, replacement: HeaderReplacement? = nil, decision: Decision? = nil,
                    subjectAlreadyPrefixed: Bool = false) {
            self.relayDecision = relayDecision
            self.replacement = replacement
            self.decision = decision
            self.subjectAlreadyPrefixed = subjectAlreadyPrefixed
        }
    }

    /// Identity of a transfer notification (RFC 5322 §3.6.1, §3.6.4).
    public struct NotificationStamp: Sendable {
        public var date: String
        public var messageID: String

        public init(date: String, messageID: String) {
            self.date = date
            self.messageID = messageID
        }
    }

    /// `mail security use off`: relayed unscanned, uncounted.
    public static let disabled = Outcome(relayDecision: .deliverUnchanged, replacement: nil, decision: nil)

    /// A decision reached without the message's bytes: over size, or the service unavailable.
    public static func decideUnscanned(_ outcome: ScanOutcome, settings: SMTPProxySettings) -> Outcome {
        let decision = DecisionTable.decide(protocol: .smtp, outcome: outcome, whiteListMatch: nil, policy: settings.policy)
        return Outcome(relayDecision: relayDecision(for: decision.action), replacement: nil, decision: decision)
    }

    /// The decision for a scanned message (`message` is the whole stored message).
    public static func decide(_ outcome: ScanOutcome, message: ByteBuffer, envelope: SMTPEnvelope,
                              settings: SMTPProxySettings, stamp: @autoclosure () -> NotificationStamp) -> Outcome {
        let decision = DecisionTable.decide(protocol: .smtp, outcome: outcome, message: message,
                                            whiteList: settings.whiteList, policy: settings.policy)
        switch decision.action {
        case .addWhiteListHeader, .tagSubject:
            guard let edits = HeaderEdits(for: decision.action) else { break }
            let rewritten = HeaderRewriter.rewrite(message, edits: edits)
            let replacement = HeaderReplacement(header: rewritten.header, bodyStart: rewritten.bodyStart)
            let unchanged = rewritten.subject.prefixed == 0 && rewritten.subject.alreadyPrefixed > 0 && !rewritten.subject.added
            return Outcome(relayDecision: .deliverUnchanged, replacement: replacement, decision: decision,
                           subjectAlreadyPrefixed: unchanged)
        case .transfer(let result):
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
                date: stamp.date, messageID: stamp.messageID, envelopeSender: envelope.reversePath)
            do {
                let notification = try TransferNotification(original: message, input: input)
                let envelope = SMTPEnvelope(reversePath: notification.envelopeFrom, forwardPaths: [notification.envelopeTo])
                return Outcome(relayDecision: .transfer(notification: notification.assembled(), envelope: envelope),
                               replacement: nil, decision: decision)
            } catch {
                // No sender to derive an address from: the original is still not delivered
                // (the administrator asked for it to be stopped); the client hears a reject.
                return Outcome(relayDecision: relayDecision(for: .reject(.contentReject(result))),
                               replacement: nil, decision: decision)
            }
        default:
            break
        }
        return Outcome(relayDecision: relayDecision(for: decision.action), replacement: nil, decision: decision)
    }

    /// The relay's decision for an action that needs no message bytes.
    static func relayDecision(for action: MessageAction) -> RelayDecision {
        switch action {
        case .relayUnchanged, .relayUnscanned, .addWhiteListHeader, .tagSubject:
            return .deliverUnchanged
        case .reject(let reply), .sizeReject(let reply):
            if case .smtp(let code, let enhanced, let text) = reply, (500...599).contains(code) {
                return .reject(code: code, text: "\(enhanced) \(text)")
            }
            return .contentRejected
        case .tempfail(let reply):
            if case .smtp(451, let enhanced, let text) = reply {
                return .tempfail(text: "\(enhanced) \(text)")
            }
            return .serviceUnavailable
        case .transfer:
            // Needs the message; `decide` builds it. Unreachable from `decideUnscanned`.
            return .contentRejected
        }
    }
}

import MessageInspection
import NIOCore
import POP3Relay

/// Turns the decision about one retrieved message (SPEC §5, POP3 column) into the relay's
/// `POP3Decision`.
///
/// Pure: the outcome, the message and the settings in; the relay's decision out, with the
/// decision itself for the accounting. A rewritten message is delivered as the new header
/// followed by the stored message from the header's end on: the body is never copied.
public enum POP3MessageDecider {
    public struct Outcome: Sendable, Equatable {
        public var relayDecision: POP3Decision
        /// The decision table's answer; nil when mail security is off (nothing is counted).
        public var decision: Decision?
        /// A tag was called for but every subject already started with the prefixes.
        public var subjectAlreadyPrefixed = false

        public init(relayDecision: POP3Decision, decision: Decision? = nil, subjectAlreadyPrefixed: Bool = false) {
            self.relayDecision = relayDecision
            self.decision = decision
            self.subjectAlreadyPrefixed = subjectAlreadyPrefixed
        }
    }

    /// `mail security use off`: relayed unscanned, uncounted.
    public static let disabled = Outcome(relayDecision: .deliverUnchanged)

    /// A decision reached without the message's bytes: over size, or the service unavailable.
    public static func decideUnscanned(_ outcome: ScanOutcome, settings: SMTPProxySettings) -> Outcome {
        let decision = DecisionTable.decide(protocol: .pop3, outcome: outcome, whiteListMatch: nil, policy: settings.policy)
        return Outcome(relayDecision: relayDecision(for: decision.action), decision: decision)
    }

    /// The decision for a scanned message (`message` is the whole stored message).
    public static func decide(_ outcome: ScanOutcome, message: ByteBuffer, settings: SMTPProxySettings) -> Outcome {
        let decision = DecisionTable.decide(protocol: .pop3, outcome: outcome, message: message,
                                            whiteList: settings.whiteList, policy: settings.policy)
        guard let edits = HeaderEdits(for: decision.action) else {
            return Outcome(relayDecision: relayDecision(for: decision.action), decision: decision)
        }
        let rewritten = HeaderRewriter.rewrite(message, edits: edits)
        let unchanged = rewritten.subject.prefixed == 0 && rewritten.subject.alreadyPrefixed > 0 && !rewritten.subject.added
        return Outcome(relayDecision: .deliverRewritten(header: rewritten.header, replacing: rewritten.bodyStart),
                       decision: decision, subjectAlreadyPrefixed: unchanged)
    }

    /// The relay's decision for an action that needs no message bytes. POP3 has no reject,
    /// size reject or transfer (SPEC §5); should one appear, the safe answer is a tempfail:
    /// the message stays on the server.
    static func relayDecision(for action: MessageAction) -> POP3Decision {
        switch action {
        case .relayUnchanged, .relayUnscanned, .addWhiteListHeader, .tagSubject:
            return .deliverUnchanged
        case .tempfail(.pop3Error(let text)):
            return .tempfail(text: tempfailText(text))
        case .tempfail, .reject, .sizeReject, .transfer:
            return .serviceUnavailable
        }
    }

    /// The relay writes `-ERR [SYS/TEMP] ` itself.
    static func tempfailText(_ text: String) -> String {
        let code = "[SYS/TEMP] "
        return text.hasPrefix(code) ? String(text.dropFirst(code.count)) : text
    }
}

/// The POP3 proxy's own limits.
public enum POP3ProxyLimits {
    /// The scan service's whole budget for one retrieved message: the relay's own cap on a
    /// RETR's wait (`POP3Limits.maximumDecisionWait`, under the server's 10-minute autologout,
    /// RFC 1939 §3). The relay owns the POP3 clock: how long the client can be kept waiting
    /// depends on the status line, the comfort interval and when the client last heard a byte,
    /// which only the relay knows; when it stops waiting (tempfail before any byte went, abort
    /// after its commitment to `+OK`, unscanned delivery under pass) it cancels the scan. A
    /// shorter fixed budget would cut scans the client could still wait for
    /// (docs/pop3-client-comforting.md); the `ysc request timeout` and `ysc retry` settings
    /// still end failing attempts early.
    public static let scanBudget = POP3Limits.maximumDecisionWait
}

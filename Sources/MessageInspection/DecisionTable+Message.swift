import NIOCore
import Telemetry

extension DecisionTable {
    /// ``decide(protocol:outcome:whiteListMatch:policy:)`` for a message: the white-list is
    /// consulted (its addresses parsed) only when the verdict is a detection (docs/product.md §6).
    public static func decide(protocol mailProtocol: MailProtocol, outcome: ScanOutcome, message: ByteBuffer,
                              whiteList: WhiteList, policy: InspectionPolicy) -> Decision {
        var match: Int?
        if case .verdict(let score, let virusNames) = outcome, policy.result(score: score, virusNames: virusNames) != nil {
            let addresses = MessageAddresses(header: HeaderBlock(parsing: message), of: message)
            match = whiteList.match(addresses)
        }
        return decide(protocol: mailProtocol, outcome: outcome, whiteListMatch: match, policy: policy)
    }
}

extension HeaderEdits {
    /// The header edits an action calls for; nil when the action does not deliver a rewritten
    /// original (relay as is, reject, transfer, tempfail).
    public init?(for action: MessageAction) {
        switch action {
        case .addWhiteListHeader(let header):
            self.init(securityHeader: header)
        case .tagSubject(let prefixes, _):
            self.init(subjectPrefixes: prefixes)
        case .relayUnchanged, .reject, .transfer, .sizeReject, .relayUnscanned, .tempfail:
            return nil
        }
    }
}

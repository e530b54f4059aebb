import Telemetry

/// A reply the appliance gives itself, instead of relaying the server's (docs/product.md §3).
public enum ApplianceReply: Sendable, Hashable {
    case smtp(code: Int, enhancedCode: String, text: String)
    case pop3Error(text: String)

    /// The reply line without its line ending.
    ///
    /// ```
    /// S: 554 5.7.1 Message rejected by mail security (spam)
    /// S: -ERR [SYS/TEMP] Mail security is unavailable, try again later
    /// ```
    public var line: String {
        switch self {
        case .smtp(let code, let enhanced, let text): return "\(code) \(enhanced) \(text)"
        case .pop3Error(let text): return "-ERR \(text)"
        }
    }

    /// RFC 3463 5.7.1: delivery not authorized, message refused.
    public static func contentReject(_ result: DetectionResult) -> ApplianceReply {
        .smtp(code: 554, enhancedCode: "5.7.1", text: "Message rejected by mail security (\(result.keyword))")
    }

    /// RFC 3463 5.3.4: message too big for system.
    public static let sizeReject = ApplianceReply.smtp(
        code: 552, enhancedCode: "5.3.4", text: "Message size exceeds the mail security limit")

    /// RFC 3463 4.7.1: temporary refusal; the sender retries later (docs/product.md §5 Decision).
    public static let smtpTemporaryReject = ApplianceReply.smtp(
        code: 451, enhancedCode: "4.7.1", text: "Mail security is unavailable, try again later")

    /// RFC 3206 §4 `[SYS/TEMP]`: a temporary system problem; the message stays on the server.
    public static let pop3TemporaryReject = ApplianceReply.pop3Error(
        text: "[SYS/TEMP] Mail security is unavailable, try again later")
}

/// Why a message goes through unscanned.
public enum UnscannedReason: Sendable, Hashable {
    case overSize
    case licenceInactive
    case serviceFailed
}

/// What the appliance does with a message (docs/product.md §5).
public enum MessageAction: Sendable, Hashable {
    /// Relay the original, byte for byte.
    case relayUnchanged
    /// Add the X- header (white-listed detection), no prefix, relay.
    case addWhiteListHeader(SecurityHeader)
    /// Put the prefixes (in this order) before the subject, relay.
    case tagSubject(prefixes: [String], result: DetectionResult)
    /// SMTP: refuse the message, nothing reaches the server.
    case reject(ApplianceReply)
    /// SMTP: deliver a transfer notification instead of the original.
    case transfer(DetectionResult)
    /// SMTP: refuse an over-size message.
    case sizeReject(ApplianceReply)
    /// Relay the original unscanned.
    case relayUnscanned(UnscannedReason)
    /// Refuse for now: SMTP 451, POP3 -ERR [SYS/TEMP] (the message stays on the server).
    case tempfail(ApplianceReply)
}

/// A counter of `show status mail security` to increment (per protocol; the caller knows it).
public enum InspectionCount: Sendable, Hashable {
    case inspected
    case clean
    case spam
    case virus
    case spamAndVirus
    /// White-listed, with the number of the pattern that matched (counted per pattern, docs/product.md §6).
    case whiteListed(pattern: Int)
    case tagged
    case rejected
    case transferred
    case overSize
    /// The scan service was needed but could not be used (either reason).
    case couldNotScan
    case rejectedForInactiveLicence
    case rejectedForServiceFailure
}

/// A syslog line to write (docs/product.md §9); the daemon adds `[MAIL_SEC] ` and the facility.
public enum InspectionLogEvent: Sendable, Hashable {
    case detectSpam(score: Int)
    case detectVirus(names: [String])
    case detectSpamAndVirus(score: Int, names: [String])
    case sizeOver(MailProtocol, octets: Int)
    case cannotScan(MailProtocol)
    case whiteListMatch(pattern: Int)
    case rejectForInactiveLicence
    case rejectForServiceFailure

    /// The catalogue text of docs/product.md §9 (without the `[MAIL_SEC] ` prefix).
    public var message: String {
        switch self {
        case .detectSpam(let score): return "Detect spam mail (\(score))"
        case .detectVirus(let names): return "Detect virus mail (\(names.joined(separator: ", ")))"
        case .detectSpamAndVirus(let score, let names):
            return "Detect spam(\(score)) + virus mail (\(names.joined(separator: ", ")))"
        case .sizeOver(let proto, let octets): return "\(proto == .smtp ? "SMTP" : "POP3"): Mail size is over (\(octets))"
        case .cannotScan(let proto): return "\(proto == .smtp ? "SMTP" : "POP3"): can't scan mail"
        case .whiteListMatch(let pattern): return "Match white-list pattern (\(pattern))"
        case .rejectForInactiveLicence: return "Reject mail transfer for inactive license"
        case .rejectForServiceFailure: return "Reject mail transfer for failure to access YSC"
        }
    }
}

/// The decision about one message, with its accounting.
public struct Decision: Sendable, Hashable {
    public var action: MessageAction
    /// The result when the message was detected (spam, virus, spam+virus), else nil.
    public var result: DetectionResult?
    public var counts: [InspectionCount]
    public var logs: [InspectionLogEvent]

    public init(action: MessageAction, result: DetectionResult? = nil, counts: [InspectionCount], logs: [InspectionLogEvent] = []) {
        self.action = action
        self.result = result
        self.counts = counts
        self.logs = logs
    }
}

/// The decision table of docs/product.md §5 as one pure function.
public enum DecisionTable {
    /// - Parameters:
    ///   - whiteListMatch: the number of the white-list pattern that matched the message, nil
    ///     when none did (or no set is enabled). Consulted only for detected messages.
    public static func decide(protocol mailProtocol: MailProtocol, outcome: ScanOutcome,
                              whiteListMatch: Int?, policy: InspectionPolicy) -> Decision {
        switch outcome {
        case .notScanned(.overSize(let octets)):
            let log = InspectionLogEvent.sizeOver(mailProtocol, octets: octets)
            if mailProtocol == .smtp && policy.sizeOverflow == .reject {
                return Decision(action: .sizeReject(.sizeReject), counts: [.overSize], logs: [log])
            }
            return Decision(action: .relayUnscanned(.overSize), counts: [.overSize], logs: [log])

        case .unavailable(let reason):
            var logs: [InspectionLogEvent] = reason == .serviceFailed ? [.cannotScan(mailProtocol)] : []
            guard policy.inactiveAction == .reject else {
                let unscanned: UnscannedReason = reason == .licenceInactive ? .licenceInactive : .serviceFailed
                return Decision(action: .relayUnscanned(unscanned), counts: [.couldNotScan], logs: logs)
            }
            let reply: ApplianceReply = mailProtocol == .smtp ? .smtpTemporaryReject : .pop3TemporaryReject
            switch reason {
            case .licenceInactive:
                logs.append(.rejectForInactiveLicence)
                return Decision(action: .tempfail(reply), counts: [.couldNotScan, .rejectedForInactiveLicence], logs: logs)
            case .serviceFailed:
                logs.append(.rejectForServiceFailure)
                return Decision(action: .tempfail(reply), counts: [.couldNotScan, .rejectedForServiceFailure], logs: logs)
            }

        case .verdict(let rawScore, let virusNames):
            let score = min(max(rawScore, 0), 100)
            guard let result = policy.result(score: score, virusNames: virusNames) else {
                return Decision(action: .relayUnchanged, counts: [.inspected, .clean])
            }
            var counts: [InspectionCount] = [.inspected]
            var logs: [InspectionLogEvent] = []
            switch result {
            case .spam:
                counts.append(.spam)
                logs.append(.detectSpam(score: score))
            case .virus:
                counts.append(.virus)
                logs.append(.detectVirus(names: virusNames))
            case .spamAndVirus:
                counts.append(.spamAndVirus)
                logs.append(.detectSpamAndVirus(score: score, names: virusNames))
            }
            if let pattern = whiteListMatch {
                counts.append(.whiteListed(pattern: pattern))
                logs.append(.whiteListMatch(pattern: pattern))
                let header = SecurityHeader(operation: mailProtocol, result: result)
                return Decision(action: .addWhiteListHeader(header), result: result, counts: counts, logs: logs)
            }
            // POP3 always tags: the message is already on the server, and refusing a RETR for
            // good would make it unreadable (docs/product.md §5).
            let action = mailProtocol == .pop3 ? .pass : policy.detectAction(for: result)
            switch action {
            case .pass:
                counts.append(.tagged)
                return Decision(action: .tagSubject(prefixes: policy.prefixes(for: result), result: result),
                                result: result, counts: counts, logs: logs)
            case .reject:
                counts.append(.rejected)
                return Decision(action: .reject(.contentReject(result)), result: result, counts: counts, logs: logs)
            case .transfer:
                counts.append(.transferred)
                return Decision(action: .transfer(result), result: result, counts: counts, logs: logs)
            }
        }
    }
}

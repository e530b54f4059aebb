/// The mail protocol a message crossed, and its operation name (SPEC §3: SMTP is `send`,
/// POP3 is `receive`; used in the X- header and the history).
public enum MailProtocol: String, Sendable, Hashable, CaseIterable {
    case smtp
    case pop3

    public var operation: String {
        switch self {
        case .smtp: return "send"
        case .pop3: return "receive"
        }
    }
}

/// What a detected message is (SPEC §4 result keywords).
public enum DetectionResult: String, Sendable, Hashable, CaseIterable {
    case spam = "spam"
    case virus = "virus"
    case spamAndVirus = "spam+virus"

    /// The keyword used in headers, logs and history.
    public var keyword: String { rawValue }
}

/// The `X-Yamaha-Mail-Security` field added to a detected, white-listed message (SPEC §5).
///
/// ```
/// X-Yamaha-Mail-Security: operation=send; result=spam+virus; match=white
/// ```
public struct SecurityHeader: Sendable, Hashable {
    public static let fieldName = "X-Yamaha-Mail-Security"

    public var operation: MailProtocol
    public var result: DetectionResult

    public init(operation: MailProtocol, result: DetectionResult) {
        self.operation = operation
        self.result = result
    }

    /// The field line without its line ending (ASCII, well under 78 characters).
    public var fieldLine: String {
        "\(Self.fieldName): operation=\(operation.operation); result=\(result.keyword); match=white"
    }
}

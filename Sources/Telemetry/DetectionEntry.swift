import Foundation

/// What a detected message is: the result keyword of headers, logs and history (docs/product.md §4).
/// The one type for it: the decision (MessageInspection) and the counters use the same.
public enum DetectionResult: String, CaseIterable, Sendable, Hashable {
    case spam
    case virus
    case spamAndVirus = "spam+virus"

    /// The keyword used in headers, logs and history.
    public var keyword: String { rawValue }
}

/// What the appliance did with a detected message (docs/product.md §5).
public enum DetectionAction: String, CaseIterable, Sendable {
    /// Relayed without a change (e.g. the subject already carried the prefix, docs/product.md §5).
    case pass
    /// Relayed with the subject prefix.
    case tag
    /// Refused (`554 5.7.1`).
    case reject
    /// Replaced by a notification mail.
    case transfer
    /// White-list match: relayed with the X- header.
    case white
}

/// One line of `show status mail security history`.
public struct DetectionEntry: Equatable, Sendable {
    public var date: Date
    public var mailProtocol: MailProtocol
    public var from: String
    public var to: String
    public var subject: String
    public var result: DetectionResult
    public var action: DetectionAction
    /// The scan service's spam score, when the recorder passed it.
    public var score: Int?
    /// Virus names, when the recorder passed them (cleaned and bounded like the other fields).
    public var virusNames: [String] = []

    /// From/To/Subject come from the message: they are kept printable and bounded
    /// (`TelemetryLimits.historyFieldCharacters`) so a hostile header cannot bloat or garble the console.
    public init(date: Date, mailProtocol: MailProtocol, from: String, to: String, subject: String,
                result: DetectionResult, action: DetectionAction) {
        self.date = date
        self.mailProtocol = mailProtocol
        self.from = HistoryField.clean(from)
        self.to = HistoryField.clean(to)
        self.subject = HistoryField.clean(subject)
        self.result = result
        self.action = action
    }
}

/// One line of `show status mail security white-list history`.
public struct WhiteListEntry: Equatable, Sendable {
    public var date: Date
    public var mailProtocol: MailProtocol
    public var pattern: Int
    public var from: String
    public var to: String
    public var subject: String

    public init(date: Date, mailProtocol: MailProtocol, pattern: Int, from: String, to: String, subject: String) {
        self.date = date
        self.mailProtocol = mailProtocol
        self.pattern = pattern
        self.from = HistoryField.clean(from)
        self.to = HistoryField.clean(to)
        self.subject = HistoryField.clean(subject)
    }
}

enum HistoryField {
    /// Control characters become spaces (no cursor tricks on the console), then the text is
    /// cut to `TelemetryLimits.historyFieldCharacters` characters.
    static func clean(_ text: String) -> String {
        var scalars = String.UnicodeScalarView()
        var characters = 0
        for scalar in text.unicodeScalars {
            // Count grapheme-ish units cheaply: combining marks ride along with their base.
            if !scalar.properties.isGraphemeExtend { characters += 1 }
            if characters > TelemetryLimits.historyFieldCharacters { break }
            let bad = scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
            scalars.append(bad ? " " : scalar)
        }
        return String(scalars)
    }
}

import MessageInspection
import Testing

/// Separate SMTP actions for spam and for viruses: each result follows its own action,
/// spam+virus the stricter of the two (reject, then transfer, then pass); POP3 always tags;
/// a white-list match still wins over any action.
struct SeparateDetectActionTests {
    typealias Action = InspectionPolicy.DetectAction

    static let spam = ScanOutcome.verdict(score: 95, virusNames: [])
    static let virus = ScanOutcome.verdict(score: 0, virusNames: ["Eicar-Test-Signature"])
    static let both = ScanOutcome.verdict(score: 95, virusNames: ["Eicar-Test-Signature"])

    struct Row: Sendable, CustomTestStringConvertible {
        let spamAction: Action
        let virusAction: Action
        let outcome: ScanOutcome
        let expected: Action
        var testDescription: String { "spam \(spamAction), virus \(virusAction), \(outcome) → \(expected)" }
    }

    static let rows: [Row] = {
        var rows: [Row] = []
        for spamAction in Action.allCases {
            for virusAction in Action.allCases {
                rows.append(Row(spamAction: spamAction, virusAction: virusAction, outcome: spam, expected: spamAction))
                rows.append(Row(spamAction: spamAction, virusAction: virusAction, outcome: virus, expected: virusAction))
                rows.append(Row(spamAction: spamAction, virusAction: virusAction, outcome: both,
                                expected: Action.allCases.last { $0 == spamAction || $0 == virusAction }!))
            }
        }
        return rows
    }()

    static func smtpAction(of decision: Decision) -> Action? {
        switch decision.action {
        case .tagSubject: .pass
        case .transfer: .transfer
        case .reject: .reject
        default: nil
        }
    }

    @Test(arguments: rows)
    func eachResultFollowsItsOwnAction(_ row: Row) {
        let policy = InspectionPolicy(spamAction: row.spamAction, virusAction: row.virusAction)
        let smtp = DecisionTable.decide(protocol: .smtp, outcome: row.outcome, whiteListMatch: nil, policy: policy)
        #expect(Self.smtpAction(of: smtp) == row.expected)
        let pop3 = DecisionTable.decide(protocol: .pop3, outcome: row.outcome, whiteListMatch: nil, policy: policy)
        #expect(Self.smtpAction(of: pop3) == .pass)
        let listed = DecisionTable.decide(protocol: .smtp, outcome: row.outcome, whiteListMatch: 3, policy: policy)
        guard case .addWhiteListHeader = listed.action else {
            Issue.record("white-listed \(row) gave \(listed.action)")
            return
        }
    }
}

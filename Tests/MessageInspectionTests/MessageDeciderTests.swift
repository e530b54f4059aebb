import MessageInspection
import NIOCore
import Testing

/// The one decider, as a table for both protocols: enabled, over size, service unavailable,
/// then verdict × white-list × action.
struct MessageDeciderTests {
    static let message = ByteBuffer(string: "From: alice@example.com\r\nTo: bob@example.net\r\nSubject: s\r\n\r\nbody\r\n")
    static let anonymous = ByteBuffer(string: "Subject: s\r\n\r\nbody\r\n")
    static let stamp = NotificationStamp(date: "Wed, 25 Nov 2026 23:00:00 +0000", messageID: "<1@fw>")
    static let spam = ScanOutcome.verdict(score: 95, virusNames: [])
    static let virus = ScanOutcome.verdict(score: 0, virusNames: ["Eicar-Test-Signature"])
    static let both = ScanOutcome.verdict(score: 100, virusNames: ["Eicar-Test-Signature"])
    static let clean = ScanOutcome.verdict(score: 10, virusNames: [])

    /// What the relay is told, in a form a row can state.
    enum Expected: Sendable, Equatable {
        case scanIt
        case unchanged
        /// The header block delivered in place of the original's.
        case rewritten(String)
        case reject(ApplianceReply)
        case tempfail(ApplianceReply)
        /// A notification from and to these addresses.
        case transfer(from: String, to: String)
    }

    struct Settings: Sendable {
        var enabled = true
        var maximumMessageSize = 1000
        /// `smtp detect illegal mail`: both actions; `virusAction` sets the virus one apart.
        var action = InspectionPolicy.DetectAction.pass
        var virusAction: InspectionPolicy.DetectAction?
        var sizeOverflow = InspectionPolicy.SizeOverflowAction.pass
        var inactive = InspectionPolicy.InactiveAction.reject
        var whiteListed = false

        var value: InspectionSettings {
            InspectionSettings(
                enabled: enabled, maximumMessageSize: maximumMessageSize,
                policy: InspectionPolicy(spamAction: action, virusAction: virusAction ?? action, sizeOverflow: sizeOverflow,
                                         inactiveAction: inactive),
                whiteList: WhiteList(patterns: [WhiteListPattern(number: 7, from: "*@example.com")],
                                     activeSet: whiteListed ? [7] : []))
        }
    }

    // MARK: before the scan

    struct BeforeScanRow: CustomTestStringConvertible, Sendable {
        var name: String
        var proto: MailProtocol
        var settings: Settings
        var size: Int
        var unavailability: UnavailableReason?
        var expected: Expected
        var counted: Bool
        var testDescription: String { "\(proto) \(name)" }
    }

    static let beforeScanRows: [BeforeScanRow] = {
        var rows: [BeforeScanRow] = []
        for proto in MailProtocol.allCases {
            let tempfail: ApplianceReply = proto == .smtp ? .smtpTemporaryReject : .pop3TemporaryReject
            rows += [
                BeforeScanRow(name: "off, over size and unavailable", proto: proto, settings: Settings(enabled: false),
                              size: 5000, unavailability: .serviceFailed, expected: .unchanged, counted: false),
                BeforeScanRow(name: "within size, available", proto: proto, settings: Settings(), size: 1000,
                              unavailability: nil, expected: .scanIt, counted: false),
                BeforeScanRow(name: "over size, pass", proto: proto, settings: Settings(), size: 1001,
                              unavailability: nil, expected: .unchanged, counted: true),
                // POP3 always relays an over-size message: it is already on the server.
                BeforeScanRow(name: "over size, reject", proto: proto, settings: Settings(sizeOverflow: .reject), size: 1001,
                              unavailability: .serviceFailed,
                              expected: proto == .smtp ? .reject(.sizeReject) : .unchanged, counted: true),
                BeforeScanRow(name: "service failed, reject", proto: proto, settings: Settings(), size: 10,
                              unavailability: .serviceFailed, expected: .tempfail(tempfail), counted: true),
                BeforeScanRow(name: "licence inactive, reject", proto: proto, settings: Settings(), size: 10,
                              unavailability: .licenceInactive, expected: .tempfail(tempfail), counted: true),
                BeforeScanRow(name: "service failed, pass", proto: proto, settings: Settings(inactive: .pass), size: 10,
                              unavailability: .serviceFailed, expected: .unchanged, counted: true),
            ]
        }
        return rows
    }()

    @Test(arguments: beforeScanRows)
    func beforeTheScan(_ row: BeforeScanRow) {
        let ruling = MessageDecider.decideBeforeScan(protocol: row.proto, size: row.size, unavailability: row.unavailability,
                                                     settings: row.settings.value)
        #expect(ruling.map { Self.expected($0.disposition) } ?? .scanIt == row.expected)
        #expect((ruling?.decision != nil) == row.counted)
    }

    @Test func theServiceIsNotAskedWhenOffOrOverSize() {
        var asked = 0
        func ask() -> UnavailableReason? {
            asked += 1
            return nil
        }
        _ = MessageDecider.decideBeforeScan(protocol: .smtp, size: 10, unavailability: ask(), settings: Settings(enabled: false).value)
        _ = MessageDecider.decideBeforeScan(protocol: .pop3, size: 5000, unavailability: ask(), settings: Settings().value)
        #expect(asked == 0)
        _ = MessageDecider.decideBeforeScan(protocol: .pop3, size: 10, unavailability: ask(), settings: Settings().value)
        #expect(asked == 1)
    }

    // MARK: after the scan

    struct VerdictRow: CustomTestStringConvertible, Sendable {
        var name: String
        var proto: MailProtocol
        var outcome: ScanOutcome
        var settings: Settings
        var message: ByteBuffer = MessageDeciderTests.message
        var expected: Expected
        var testDescription: String { "\(proto) \(name)" }
    }

    static func tagged(_ prefix: String) -> String {
        "From: alice@example.com\r\nTo: bob@example.net\r\nSubject: \(prefix) s\r\n\r\n"
    }

    static func whiteHeader(_ operation: String, _ result: String) -> String {
        "X-Yamaha-Mail-Security: operation=\(operation); result=\(result); match=white\r\n"
            + "From: alice@example.com\r\nTo: bob@example.net\r\nSubject: s\r\n\r\n"
    }

    static let verdictRows: [VerdictRow] = {
        var rows: [VerdictRow] = []
        for action in InspectionPolicy.DetectAction.allCases {
            for proto in MailProtocol.allCases {
                rows.append(VerdictRow(name: "clean, \(action)", proto: proto, outcome: clean,
                                       settings: Settings(action: action), expected: .unchanged))
                // White-listed: the X- header, whatever the action.
                rows.append(VerdictRow(name: "spam white-listed, \(action)", proto: proto, outcome: spam,
                                       settings: Settings(action: action, whiteListed: true),
                                       expected: .rewritten(whiteHeader(proto.operation, "spam"))))
            }
            // POP3 always tags: the message is already on the server.
            rows.append(VerdictRow(name: "virus, \(action)", proto: .pop3, outcome: virus, settings: Settings(action: action),
                                   expected: .rewritten(tagged("[VIRUS]"))))
            rows.append(VerdictRow(name: "spam+virus, \(action)", proto: .pop3, outcome: both, settings: Settings(action: action),
                                   expected: .rewritten(tagged("[VIRUS] [SPAM]"))))
        }
        rows += [
            VerdictRow(name: "spam, pass", proto: .smtp, outcome: spam, settings: Settings(), expected: .rewritten(tagged("[SPAM]"))),
            VerdictRow(name: "spam+virus, pass", proto: .smtp, outcome: both, settings: Settings(),
                       expected: .rewritten(tagged("[VIRUS] [SPAM]"))),
            VerdictRow(name: "virus, reject", proto: .smtp, outcome: virus, settings: Settings(action: .reject),
                       expected: .reject(.contentReject(.virus))),
            VerdictRow(name: "spam, transfer", proto: .smtp, outcome: spam, settings: Settings(action: .transfer),
                       expected: .transfer(from: "mail-security@example.com", to: "alice@example.com")),
            // No sender to address the notification to: refused rather than delivered.
            VerdictRow(name: "spam, transfer, no sender", proto: .smtp, outcome: spam, settings: Settings(action: .transfer),
                       message: anonymous, expected: .reject(.contentReject(.spam))),
            // Spam and viruses apart: spam tagged while viruses are refused; both take the stricter.
            VerdictRow(name: "spam, spam pass, virus reject", proto: .smtp, outcome: spam,
                       settings: Settings(action: .pass, virusAction: .reject), expected: .rewritten(tagged("[SPAM]"))),
            VerdictRow(name: "virus, spam pass, virus reject", proto: .smtp, outcome: virus,
                       settings: Settings(action: .pass, virusAction: .reject), expected: .reject(.contentReject(.virus))),
            VerdictRow(name: "spam+virus, spam transfer, virus reject", proto: .smtp, outcome: both,
                       settings: Settings(action: .transfer, virusAction: .reject), expected: .reject(.contentReject(.spamAndVirus))),
            VerdictRow(name: "spam+virus, spam reject, virus pass", proto: .smtp, outcome: both,
                       settings: Settings(action: .reject, virusAction: .pass), expected: .reject(.contentReject(.spamAndVirus))),
            VerdictRow(name: "virus, spam reject, virus pass", proto: .pop3, outcome: virus,
                       settings: Settings(action: .reject, virusAction: .pass), expected: .rewritten(tagged("[VIRUS]"))),
            VerdictRow(name: "off", proto: .smtp, outcome: spam, settings: Settings(enabled: false, action: .reject),
                       expected: .unchanged),
            VerdictRow(name: "off", proto: .pop3, outcome: spam, settings: Settings(enabled: false), expected: .unchanged),
            VerdictRow(name: "service failed, reject", proto: .pop3, outcome: .unavailable(.serviceFailed), settings: Settings(),
                       expected: .tempfail(.pop3TemporaryReject)),
        ]
        return rows
    }()

    @Test(arguments: verdictRows)
    func afterTheScan(_ row: VerdictRow) {
        let ruling = MessageDecider.decide(protocol: row.proto, row.outcome, message: row.message, settings: row.settings.value,
                                           stamp: Self.stamp)
        #expect(Self.expected(ruling.disposition) == row.expected)
        #expect((ruling.decision == nil) == !row.settings.enabled)
    }

    @Test func aRewriteKeepsTheBodyInTheStore() {
        let ruling = MessageDecider.decide(protocol: .pop3, Self.spam, message: Self.message, settings: Settings().value,
                                           stamp: Self.stamp)
        guard case .deliverRewritten(_, let replacing) = ruling.disposition else {
            Issue.record("\(ruling.disposition)")
            return
        }
        #expect(replacing == Self.message.readableBytes - "body\r\n".utf8.count)
    }

    static func expected(_ disposition: MessageDisposition) -> Expected {
        switch disposition {
        case .deliverUnchanged: return .unchanged
        case .deliverRewritten(let header, _): return .rewritten(String(buffer: header))
        case .reject(let reply): return .reject(reply)
        case .tempfail(let reply): return .tempfail(reply)
        case .transfer(_, let from, let to): return .transfer(from: from, to: to)
        }
    }
}

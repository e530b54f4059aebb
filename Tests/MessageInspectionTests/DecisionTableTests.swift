import MessageInspection
import NIOCore
import Testing
import Telemetry

/// docs/product.md §5, row by row and column by column.
struct DecisionTableTests {
    static let spamVerdict = ScanOutcome.verdict(score: 95, virusNames: [])
    static let virusVerdict = ScanOutcome.verdict(score: 0, virusNames: ["Eicar-Test-Signature"])
    static let bothVerdict = ScanOutcome.verdict(score: 100, virusNames: ["Eicar-Test-Signature", "Other"])

    static func policy(_ action: InspectionPolicy.DetectAction = .pass,
                       size: InspectionPolicy.SizeOverflowAction = .pass,
                       inactive: InspectionPolicy.InactiveAction = .reject) -> InspectionPolicy {
        InspectionPolicy(spamLevel: 3, spamAction: action, virusAction: action, sizeOverflow: size, inactiveAction: inactive,
                         spamPrefix: "[SPAM]", virusPrefix: "[VIRUS]")
    }

    struct Row: CustomTestStringConvertible, Sendable {
        var name: String
        var proto: MailProtocol
        var outcome: ScanOutcome
        var whiteList: Int?
        var policy: InspectionPolicy
        var expected: Decision
        var testDescription: String { "\(proto) \(name)" }
    }

    static let detectLog: [DetectionResult: InspectionLogEvent] = [
        .spam: .detectSpam(score: 95),
        .virus: .detectVirus(names: ["Eicar-Test-Signature"]),
        .spamAndVirus: .detectSpamAndVirus(score: 100, names: ["Eicar-Test-Signature", "Other"]),
    ]
    static let detectCount: [DetectionResult: InspectionCount] = [.spam: .spam, .virus: .virus, .spamAndVirus: .spamAndVirus]
    static let verdicts: [(DetectionResult, ScanOutcome)] = [(.spam, spamVerdict), (.virus, virusVerdict), (.spamAndVirus, bothVerdict)]
    static let prefixes: [DetectionResult: [String]] = [.spam: ["[SPAM]"], .virus: ["[VIRUS]"], .spamAndVirus: ["[VIRUS]", "[SPAM]"]]

    static let rows: [Row] = {
        var rows: [Row] = []
        let actions = InspectionPolicy.DetectAction.allCases
        // clean: relay unchanged (both protocols, any action).
        for proto in MailProtocol.allCases {
            for action in actions {
                rows.append(Row(name: "clean, \(action)", proto: proto, outcome: .verdict(score: 10, virusNames: []),
                                whiteList: 1, policy: policy(action),
                                expected: Decision(action: .relayUnchanged, counts: [.inspected, .clean])))
            }
        }
        for (result, verdict) in verdicts {
            let log = detectLog[result]!
            let count = detectCount[result]!
            // detected, white-list match: X- header, no prefix, whatever the action.
            for proto in MailProtocol.allCases {
                for action in actions {
                    rows.append(Row(
                        name: "\(result) white-listed, \(action)", proto: proto, outcome: verdict, whiteList: 7, policy: policy(action),
                        expected: Decision(action: .addWhiteListHeader(SecurityHeader(operation: proto, result: result)), result: result,
                                           counts: [.inspected, count, .whiteListed(pattern: 7)],
                                           logs: [log, .whiteListMatch(pattern: 7)])))
                }
            }
            // detected, no match: SMTP follows the action.
            rows.append(Row(name: "\(result) pass", proto: .smtp, outcome: verdict, whiteList: nil, policy: policy(.pass),
                            expected: Decision(action: .tagSubject(prefixes: prefixes[result]!, result: result), result: result,
                                               counts: [.inspected, count, .tagged], logs: [log])))
            rows.append(Row(name: "\(result) reject", proto: .smtp, outcome: verdict, whiteList: nil, policy: policy(.reject),
                            expected: Decision(action: .reject(.smtp(code: 554, enhancedCode: "5.7.1",
                                                                     text: "Message rejected by mail security (\(result.keyword))")),
                                               result: result, counts: [.inspected, count, .rejected], logs: [log])))
            rows.append(Row(name: "\(result) transfer", proto: .smtp, outcome: verdict, whiteList: nil, policy: policy(.transfer),
                            expected: Decision(action: .transfer(result), result: result,
                                               counts: [.inspected, count, .transferred], logs: [log])))
            // POP3 always tags.
            for action in actions {
                rows.append(Row(name: "\(result) \(action)", proto: .pop3, outcome: verdict, whiteList: nil, policy: policy(action),
                                expected: Decision(action: .tagSubject(prefixes: prefixes[result]!, result: result), result: result,
                                                   counts: [.inspected, count, .tagged], logs: [log])))
            }
        }
        // over max size.
        let over = ScanOutcome.notScanned(.overSize(octets: 6_000_000))
        rows.append(Row(name: "over size, pass", proto: .smtp, outcome: over, whiteList: nil, policy: policy(size: .pass),
                        expected: Decision(action: .relayUnscanned(.overSize), counts: [.overSize],
                                           logs: [.sizeOver(.smtp, octets: 6_000_000)])))
        rows.append(Row(name: "over size, reject", proto: .smtp, outcome: over, whiteList: nil, policy: policy(size: .reject),
                        expected: Decision(action: .sizeReject(.smtp(code: 552, enhancedCode: "5.3.4",
                                                                     text: "Message size exceeds the mail security limit")),
                                           counts: [.overSize], logs: [.sizeOver(.smtp, octets: 6_000_000)])))
        for size in InspectionPolicy.SizeOverflowAction.allCases {
            rows.append(Row(name: "over size, \(size)", proto: .pop3, outcome: over, whiteList: nil, policy: policy(size: size),
                            expected: Decision(action: .relayUnscanned(.overSize), counts: [.overSize],
                                               logs: [.sizeOver(.pop3, octets: 6_000_000)])))
        }
        // service unavailable.
        let smtp451 = ApplianceReply.smtp(code: 451, enhancedCode: "4.7.1", text: "Mail security is unavailable, try again later")
        let pop3Temp = ApplianceReply.pop3Error(text: "[SYS/TEMP] Mail security is unavailable, try again later")
        for proto in MailProtocol.allCases {
            let reply = proto == .smtp ? smtp451 : pop3Temp
            rows.append(Row(name: "licence inactive, reject", proto: proto, outcome: .unavailable(.licenceInactive), whiteList: nil,
                            policy: policy(inactive: .reject),
                            expected: Decision(action: .tempfail(reply), counts: [.couldNotScan, .rejectedForInactiveLicence],
                                               logs: [.rejectForInactiveLicence])))
            rows.append(Row(name: "service failed, reject", proto: proto, outcome: .unavailable(.serviceFailed), whiteList: nil,
                            policy: policy(inactive: .reject),
                            expected: Decision(action: .tempfail(reply), counts: [.couldNotScan, .rejectedForServiceFailure],
                                               logs: [.cannotScan(proto), .rejectForServiceFailure])))
            rows.append(Row(name: "licence inactive, pass", proto: proto, outcome: .unavailable(.licenceInactive), whiteList: nil,
                            policy: policy(inactive: .pass),
                            expected: Decision(action: .relayUnscanned(.licenceInactive), counts: [.couldNotScan])))
            rows.append(Row(name: "service failed, pass", proto: proto, outcome: .unavailable(.serviceFailed), whiteList: nil,
                            policy: policy(inactive: .pass),
                            expected: Decision(action: .relayUnscanned(.serviceFailed), counts: [.couldNotScan],
                                               logs: [.cannotScan(proto)])))
        }
        return rows
    }()

    @Test(arguments: rows)
    func decide(_ row: Row) {
        let decision = DecisionTable.decide(protocol: row.proto, outcome: row.outcome, whiteListMatch: row.whiteList, policy: row.policy)
        #expect(decision == row.expected)
    }

    @Test func tableCoversEveryCell() {
        #expect(Self.rows.count == 6 + 3 * (6 + 3 + 3) + 4 + 8)
    }

    /// docs/product.md §4: spam when score ≥ 90/80/70/60/50 for level 1–5; each boundary from both sides.
    @Test(arguments: [(1, 90), (2, 80), (3, 70), (4, 60), (5, 50)])
    func spamLevelBoundary(level: Int, threshold: Int) {
        var policy = InspectionPolicy(spamLevel: level)
        #expect(policy.spamThreshold == threshold)
        for proto in MailProtocol.allCases {
            let below = DecisionTable.decide(protocol: proto, outcome: .verdict(score: threshold - 1, virusNames: []),
                                             whiteListMatch: nil, policy: policy)
            #expect(below.action == .relayUnchanged)
            let at = DecisionTable.decide(protocol: proto, outcome: .verdict(score: threshold, virusNames: []),
                                          whiteListMatch: nil, policy: policy)
            #expect(at.result == .spam)
            #expect(at.logs == [.detectSpam(score: threshold)])
        }
        policy.spamPrefix = "[S]"
        let top = DecisionTable.decide(protocol: .smtp, outcome: .verdict(score: 100, virusNames: []), whiteListMatch: nil, policy: policy)
        #expect(top.action == .tagSubject(prefixes: ["[S]"], result: .spam))
        let zero = DecisionTable.decide(protocol: .smtp, outcome: .verdict(score: 0, virusNames: []), whiteListMatch: nil, policy: policy)
        #expect(zero.action == .relayUnchanged)
    }

    @Test func outOfRangeValuesAreClamped() {
        #expect(InspectionPolicy.spamThreshold(level: 0) == 90)
        #expect(InspectionPolicy.spamThreshold(level: 9) == 50)
        let policy = InspectionPolicy(spamLevel: 3)
        #expect(DecisionTable.decide(protocol: .smtp, outcome: .verdict(score: -20, virusNames: []), whiteListMatch: nil, policy: policy).action
                == .relayUnchanged)
        let high = DecisionTable.decide(protocol: .smtp, outcome: .verdict(score: 250, virusNames: []), whiteListMatch: nil, policy: policy)
        #expect(high.logs == [.detectSpam(score: 100)])
    }

    @Test func replyLinesAndLogTexts() {
        #expect(ApplianceReply.contentReject(.spamAndVirus).line == "554 5.7.1 Message rejected by mail security (spam+virus)")
        #expect(ApplianceReply.sizeReject.line == "552 5.3.4 Message size exceeds the mail security limit")
        #expect(ApplianceReply.smtpTemporaryReject.line == "451 4.7.1 Mail security is unavailable, try again later")
        #expect(ApplianceReply.pop3TemporaryReject.line == "-ERR [SYS/TEMP] Mail security is unavailable, try again later")
        #expect(InspectionLogEvent.detectSpam(score: 88).message == "Detect spam mail (88)")
        #expect(InspectionLogEvent.detectVirus(names: ["A", "B"]).message == "Detect virus mail (A, B)")
        #expect(InspectionLogEvent.detectSpamAndVirus(score: 77, names: ["A"]).message == "Detect spam(77) + virus mail (A)")
        #expect(InspectionLogEvent.sizeOver(.pop3, octets: 123).message == "POP3: Mail size is over (123)")
        #expect(InspectionLogEvent.cannotScan(.smtp).message == "SMTP: can't scan mail")
        #expect(InspectionLogEvent.whiteListMatch(pattern: 12).message == "Match white-list pattern (12)")
        #expect(InspectionLogEvent.rejectForInactiveLicence.message == "Reject mail transfer for inactive license")
        #expect(InspectionLogEvent.rejectForServiceFailure.message == "Reject mail transfer for failure to access YSC")
        #expect(SecurityHeader(operation: .smtp, result: .virus).fieldLine
                == "X-Yamaha-Mail-Security: operation=send; result=virus; match=white")
    }
}

/// From a message to the bytes to deliver.
struct DecisionForMessageTests {
    static let message = """
    From: "Partner" <news@partner.example>\r
    To: staff@office.example\r
    Subject: =?UTF-8?B?44GC?=\r
    \r
    body\r

    """

    @Test func whiteListedDetectionGetsTheHeader() throws {
        let message = ByteBuffer(string: Self.message)
        let list = WhiteList(patterns: [WhiteListPattern(number: 9, from: "*@partner.example")], activeSet: [9])
        let decision = DecisionTable.decide(protocol: .smtp, outcome: .verdict(score: 99, virusNames: []), message: message,
                                            whiteList: list, policy: InspectionPolicy())
        #expect(decision.action == .addWhiteListHeader(SecurityHeader(operation: .smtp, result: .spam)))
        let edits = try #require(HeaderEdits(for: decision.action))
        let out = HeaderRewriter.rewrite(message, edits: edits).assembled(with: message)
        #expect(String(decoding: out.bytes, as: UTF8.self)
                == "X-Yamaha-Mail-Security: operation=send; result=spam; match=white\r\n" + Self.message)
    }

    @Test func otherDetectionIsTagged() throws {
        let message = ByteBuffer(string: Self.message)
        let list = WhiteList(patterns: [WhiteListPattern(number: 9, from: "*@elsewhere.example")], activeSet: [9])
        let decision = DecisionTable.decide(protocol: .pop3, outcome: .verdict(score: 99, virusNames: ["V"]), message: message,
                                            whiteList: list, policy: InspectionPolicy())
        let edits = try #require(HeaderEdits(for: decision.action))
        let out = HeaderRewriter.rewrite(message, edits: edits).assembled(with: message)
        #expect(String(decoding: out.bytes, as: UTF8.self).contains("Subject: [VIRUS] [SPAM] =?UTF-8?B?44GC?=\r\n"))
    }

    @Test func cleanMessageIsNotParsedForTheWhiteList() {
        let list = WhiteList(patterns: [WhiteListPattern(number: 1)], activeSet: [1])
        let decision = DecisionTable.decide(protocol: .smtp, outcome: .verdict(score: 0, virusNames: []),
                                            message: ByteBuffer(string: Self.message), whiteList: list, policy: InspectionPolicy())
        #expect(decision.counts == [.inspected, .clean])
        #expect(HeaderEdits(for: decision.action) == nil)
    }
}

import Testing
@testable import ApplianceConfig

/// `mail security smtp detect illegal|spam|virus mail`: the FWX120's one action and the two
/// separate ones, and `show config` printing the shortest form that gives the same actions.
struct DetectActionCommandTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let lines: [String]
        let spam: DetectAction
        let virus: DetectAction
        let rendered: String
        var testDescription: String { lines.joined(separator: "; ") }
    }

    static let cases: [Case] = [
        Case(lines: ["mail security smtp detect illegal mail reject"], spam: .reject, virus: .reject,
             rendered: "mail security smtp detect illegal mail reject\n"),
        Case(lines: ["mail security smtp detect spam mail pass", "mail security smtp detect virus mail reject"],
             spam: .pass, virus: .reject,
             rendered: "mail security smtp detect spam mail pass\nmail security smtp detect virus mail reject\n"),
        // Two separate actions that agree print as the one FWX120 line.
        Case(lines: ["mail security smtp detect spam mail transfer", "mail security smtp detect virus mail transfer"],
             spam: .transfer, virus: .transfer, rendered: "mail security smtp detect illegal mail transfer\n"),
        // The later command wins for the action it names; the other keeps the illegal-mail value.
        Case(lines: ["mail security smtp detect illegal mail reject", "mail security smtp detect spam mail pass"],
             spam: .pass, virus: .reject,
             rendered: "mail security smtp detect spam mail pass\nmail security smtp detect virus mail reject\n"),
        Case(lines: ["mail security smtp detect spam mail pass", "mail security smtp detect illegal mail transfer"],
             spam: .transfer, virus: .transfer, rendered: "mail security smtp detect illegal mail transfer\n"),
        // An entered default is still shown (docs/product.md §7), in its own form.
        Case(lines: ["mail security smtp detect virus mail pass"], spam: .pass, virus: .pass,
             rendered: "mail security smtp detect virus mail pass\n"),
        // `no` of one action keeps the other as entered.
        Case(lines: ["mail security smtp detect illegal mail reject", "no mail security smtp detect spam mail"],
             spam: .pass, virus: .reject, rendered: "mail security smtp detect virus mail reject\n"),
        Case(lines: ["mail security smtp detect spam mail reject", "mail security smtp detect virus mail transfer",
                     "no mail security smtp detect illegal mail"], spam: .pass, virus: .pass, rendered: ""),
        // Abbreviated and mixed case, as the console accepts it.
        Case(lines: ["Mail Sec Smtp Det Vir Mail Rej"], spam: .pass, virus: .reject,
             rendered: "mail security smtp detect virus mail reject\n"),
    ]

    @Test(arguments: cases)
    func actionsAndShortestRendering(_ testCase: Case) throws {
        var config = Configuration()
        for line in testCase.lines {
            guard case .success(.configured) = config.execute(line) else {
                Issue.record("refused: \(line)")
                return
            }
        }
        #expect(config.smtpDetectSpamMail == testCase.spam)
        #expect(config.smtpDetectVirusMail == testCase.virus)
        #expect(config.rendered() == testCase.rendered)
        // The rendering reproduces the same configuration.
        let (loaded, problems) = Configuration.load(config.rendered())
        #expect(problems.isEmpty)
        #expect(loaded == config)
    }

    @Test func unknownResultOrActionIsAnIllegalKeyword() {
        var config = Configuration()
        #expect(config.execute("mail security smtp detect worm mail reject") == .failure(.illegalKeyword))
        #expect(config.execute("mail security smtp detect spam mail delete") == .failure(.illegalKeyword))
        #expect(config.execute("mail security smtp detect virus mail") == .failure(.wrongParameterCount))
        #expect(config == Configuration())
    }
}

import Testing
@testable import ApplianceConfig

/// The table's own consistency, `help` and `show command`.
struct CommandTableTests {
    @Test func tableIsInIdentifierOrderAndComplete() {
        #expect(CommandTable.specs.map(\.id) == CommandID.allCases)
    }

    @Test(arguments: CommandID.allCases)
    func everyEntryIsDocumented(id: CommandID) {
        let spec = id.spec
        #expect(!spec.summary.isEmpty)
        #expect(!spec.details.isEmpty)
        #expect(!spec.examples.isEmpty)
        #expect(spec.isSetting == (spec.defaultValue != nil))
        #expect(spec.parameters.allSatisfy { !$0.description.isEmpty })
        #expect(spec.keywords.allSatisfy { $0 == $0.lowercased() })
    }

    @Test(arguments: CommandTable.specs.flatMap { spec in spec.examples.map { (spec.id, $0) } })
    func everyExampleIsAccepted(id: CommandID, example: String) {
        var config = Configuration()
        switch config.execute(example) {
        case .success(.configured):
            #expect(id.spec.isSetting)
            // The example is stored under its own command.
            #expect(config.entries.keys.map(\.command) == [id])
        case .success(.operation):
            #expect(!id.spec.isSetting)
        case .failure(let error):
            Issue.record("\(example): \(error)")
        }
    }

    @Test(arguments: CommandID.allCases)
    func fullSpellingResolvesToItself(id: CommandID) {
        let words = id.spec.keywords
        #expect(CommandTree.shared.walk(words[...]).map(\.consumed) == .success(words.count))
        guard case .success(let (resolved, _)) = CommandTree.shared.resolve(words[...]) else {
            Issue.record("\(words) does not resolve")
            return
        }
        #expect(resolved == id)
    }

    @Test func commandListHasOneLinePerCommand() {
        let lines = Configuration.commandList().split(separator: "\n")
        #expect(lines.count == CommandID.allCases.count)
        #expect(lines.first == "mail security use SW")
        #expect(lines.contains("mail security port smtp PORT [PORT ...]"))
        #expect(lines.contains("mail security white-list pattern NUM [from=KEYWORD] [to=KEYWORD]"))
        #expect(lines.contains("show status mail security white-list [history]"))
        #expect(lines.contains("mail security monitor IFNAME"))
        #expect(lines.contains("show status mail security monitor"))
        #expect(lines.contains("login timer SECONDS|clear"))
    }

    @Test(arguments: [
        ([String](), CommandID.allCases.count),
        (["mail"], 30),
        (["mail", "security", "white-list"], 3),
        (["m", "s", "w"], 3),
        (["MAIL", "SEC", "white-list", "set"], 2),
        (["ysc"], 4),
        (["syslog"], 6),
        (["show", "status"], 5),
        (["clear"], 3),
        (["login"], 2),
    ])
    func helpListsTheCommandsUnderTheWords(words: [String], count: Int) throws {
        let text = try Configuration.helpText(for: words).get()
        let syntaxLines = text.split(separator: "\n").filter { !$0.hasPrefix(" ") }
        let descriptions = text.split(separator: "\n").filter { $0.hasPrefix("    ") }
        #expect(syntaxLines.count == count)
        #expect(descriptions.count == count)
    }

    @Test func helpOfOneCommand() {
        #expect(Configuration.helpText(for: ["mail", "security", "max", "size"]) == .success(
            "mail security max size SIZE\n    Largest message that is scanned\n"))
    }

    @Test(arguments: [["nothing"], ["mail", "security", "s"], ["mail", "security", "use", "on"], [""]])
    func helpOfUnknownWords(words: [String]) {
        #expect(Configuration.helpText(for: words) == .failure(.invalidCommandName))
    }
}

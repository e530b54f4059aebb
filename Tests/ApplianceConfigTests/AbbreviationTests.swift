import Testing
@testable import ApplianceConfig

/// Every command accepts its keywords abbreviated to the shortest unique prefix, in any case,
/// and one letter less is refused when that is ambiguous.
struct AbbreviationTests {
    /// The keywords of `id`, each cut to the shortest prefix that still selects it.
    static func shortest(_ id: CommandID) -> [String] {
        let tree = CommandTree.shared
        var node = 0
        var words: [String] = []
        for keyword in id.spec.keywords {
            for length in 1...keyword.count {
                let prefix = String(keyword.prefix(length))
                if case .child(let next) = tree.step(from: node, word: prefix), tree.nodes[next].keyword == keyword {
                    words.append(prefix)
                    node = next
                    break
                }
            }
        }
        return words
    }

    @Test(arguments: CommandTable.specs.flatMap { spec in spec.examples.map { (spec.id, $0) } })
    func abbreviatedUpperCaseExampleMeansTheSame(id: CommandID, example: String) {
        let keywords = id.spec.keywords
        let short = Self.shortest(id)
        #expect(short.count == keywords.count)
        // The example's parameter words follow its keywords.
        let rest = example.split(separator: " ", omittingEmptySubsequences: false).dropFirst(keywords.count)
        let abbreviated = (short.map { $0.uppercased() } + rest.map(String.init)).joined(separator: " ")
        var full = Configuration()
        var abbreviatedConfig = Configuration()
        let a = full.execute(example)
        let b = abbreviatedConfig.execute(abbreviated)
        if id == .administratorPassword || id == .loginPassword {
            // Fresh salts differ; both must still accept the same password.
            #expect((try? a.get()) == (try? b.get()))
            #expect(full.hasAdministratorPassword == abbreviatedConfig.hasAdministratorPassword)
        } else {
            #expect(a == b)
            #expect(full == abbreviatedConfig, "\(abbreviated)")
        }
    }

    @Test func ambiguousPrefixesAreRefused() {
        var config = Configuration()
        for line in ["mail security s 1", "ysc re 1", "syslog f user", "s", "show status mail security white-list h x"] {
            #expect(config.execute(line).isFailure, "\(line)")
        }
        #expect(config == Configuration())
    }
}

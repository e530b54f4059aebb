import Testing
@testable import ApplianceConfig
import TestSupport

/// Random bytes, random words and long lines never crash the parser; whatever is accepted
/// still round-trips through `show config`.
struct FuzzTests {
    static let alphabet: [Character] = Array("mailsecuritywhtpnofd0123456789 -=@*.:[]'\"\\\t\r\n#") + ["é", "\u{301}", "\u{0}", "\u{7f}", "迷"]

    static let words: [String] = CommandTable.specs.flatMap(\.keywords) + [
        "no", "on", "off", "1", "0", "65535", "65536", "-1", "from=*@x", "to=", "\"a b\"", "'", "\"", "\\",
        "encrypted", "clear", "history", "https://h/", "[::1]:1", "auto", "x@y", "", "999999999999999999999",
    ]

    @Test(arguments: 0..<20)
    func randomCharacters(seed: Int) {
        var generator = SeededGenerator(state: UInt64(seed) &+ 1000)
        var config = Configuration()
        for _ in 0..<200 {
            let length = Int.random(in: 0...80, using: &generator)
            let line = String((0..<length).map { _ in Self.alphabet.randomElement(using: &generator)! })
            _ = config.execute(line)
        }
        #expect(Configuration.load(config.rendered()).0 == config)
    }

    @Test(arguments: 0..<20)
    func randomWords(seed: Int) {
        var generator = SeededGenerator(state: UInt64(seed) &+ 2000)
        var config = Configuration()
        for _ in 0..<300 {
            let count = Int.random(in: 0...8, using: &generator)
            let line = (0..<count).map { _ in Self.words.randomElement(using: &generator)! }.joined(separator: " ")
            if line.lowercased().contains("password") { continue }  // hashing is slow in debug builds
            _ = config.execute(line)
        }
        let (reloaded, problems) = Configuration.load(config.rendered())
        #expect(problems.isEmpty)
        #expect(reloaded == config)
    }

    @Test(arguments: 0..<10)
    func randomBytesAsLatin1AndUTF8(seed: Int) {
        var generator = SeededGenerator(state: UInt64(seed) &+ 3000)
        var config = Configuration()
        for _ in 0..<100 {
            let bytes = (0..<Int.random(in: 0...200, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            _ = config.execute(String(decoding: bytes, as: UTF8.self))
            _ = Configuration.load(String(decoding: bytes, as: UTF8.self))
        }
        #expect(Configuration.load(config.rendered()).0 == config)
    }

    @Test(arguments: [4097, 10_000, 1_000_000])
    func longLinesAreRefusedQuickly(length: Int) {
        var config = Configuration()
        let line = "mail security prefix spam " + String(repeating: "x", count: length)
        #expect(config.execute(line) == .failure(.lineTooLong))
        let words = String(repeating: "a ", count: length / 2)
        #expect(config.execute(words).isFailure)
    }

    @Test func manyWordsWithinTheLimit() {
        var config = Configuration()
        let ports = "mail security port smtp" + String(repeating: " 1", count: 2000)
        #expect(config.execute(ports) == .failure(.wrongParameterCount))
        let help = "help" + String(repeating: " mail", count: 800)
        #expect(config.execute(help) == .success(.operation(.help(Array(repeating: "mail", count: 800)))))
        #expect(Configuration.helpText(for: Array(repeating: "mail", count: 800)) == .failure(.invalidCommandName))
    }
}

extension Result {
    var isFailure: Bool {
        if case .failure = self { true } else { false }
    }
}

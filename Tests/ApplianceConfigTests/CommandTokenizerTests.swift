import Testing
@testable import ApplianceConfig

struct CommandTokenizerTests {
    @Test(arguments: [
        ("a b  c", ["a", "b", "c"]),
        ("  leading\tand\ttabs  ", ["leading", "and", "tabs"]),
        ("'[SPAM] !'", ["[SPAM] !"]),
        ("\"[SPAM MAIL]\"", ["[SPAM MAIL]"]),
        ("\\[SPAM\\]\\ MAIL", ["[SPAM] MAIL"]),
        ("a\\\"b", ["a\"b"]),
        ("a\\'b", ["a'b"]),
        ("a\\\\b", ["a\\b"]),
        ("\"x \\\" y \\\\ z\"", ["x \" y \\ z"]),
        ("'single \\ keeps backslash'", ["single \\ keeps backslash"]),
        ("'it''s'", ["its"]),
        ("from=\"a b\"", ["from=a b"]),
        ("\"\"", [""]),
        ("'' x", ["", "x"]),
        ("\"it's\"", ["it's"]),
        ("'say \"hi\"'", ["say \"hi\""]),
        ("a\r\n", ["a"]),
        ("", []),
        ("   ", []),
        ("日本語 \"[迷惑 メール]\"", ["日本語", "[迷惑 メール]"]),
    ])
    func splitsWords(line: String, words: [String]) {
        #expect(CommandTokenizer.tokenize(line) == .success(words))
    }

    @Test(arguments: [
        ("'open", CommandError.unterminatedQuote),
        ("\"open", .unterminatedQuote),
        ("\"open \\\"", .unterminatedQuote),
        ("\"ends in escape\\", .unterminatedQuote),
        ("trailing\\", .danglingEscape),
        (String(repeating: "a", count: CommandLimits.maxLineLength + 1), .lineTooLong),
    ])
    func rejectsMalformedLines(line: String, error: CommandError) {
        #expect(CommandTokenizer.tokenize(line) == .failure(error))
    }

    @Test func acceptsLineAtTheLengthLimit() {
        let line = String(repeating: "a", count: CommandLimits.maxLineLength)
        #expect(CommandTokenizer.tokenize(line) == .success([line]))
    }

    @Test(arguments: [
        ("plain", "plain"),
        ("[SPAM]", "[SPAM]"),
        ("two words", "\"two words\""),
        ("", "\"\""),
        ("say \"hi\"", "\"say \\\"hi\\\"\""),
        ("back\\slash", "\"back\\\\slash\""),
        ("it's", "\"it's\""),
        ("tab\there", "\"tab\there\""),
    ])
    func quotesOnlyWhenNeeded(word: String, rendered: String) {
        #expect(CommandTokenizer.quote(word) == rendered)
        #expect(CommandTokenizer.tokenize(rendered) == .success([word]))
    }

    @Test(arguments: ["\u{301}lead", "\"\u{301}", "a'\u{301}b", "x\\\u{301}", " \u{301}", "é\"ü"])
    func quoteRoundTripsCombiningMarks(word: String) {
        #expect(CommandTokenizer.tokenize(CommandTokenizer.quote(word)) == .success([word]))
    }
}

/// Splits a console line into words.
///
/// Rules (the same as a POSIX shell, minus everything but quoting):
/// - Words are separated by runs of spaces, tabs, carriage returns or line feeds.
/// - `'…'` quotes literally: every character up to the next `'` belongs to the word, a
///   backslash included.
/// - `"…"` quotes with escapes: inside, a backslash makes the next character literal
///   (`\"` is `"`, `\\` is `\`); every other character is itself.
/// - Outside quotes, a backslash makes the next character literal (`\ ` is a space in the
///   word, `\'`, `\"`, `\\` are the quote or the backslash).
/// - Quoted and unquoted pieces join into one word when no separator is between them
///   (`from="a b"` is the one word `from=a b`); `""` alone is an empty word.
/// - An unterminated quote, or a backslash at the very end, is an error.
///
/// `quote(_:)` is the inverse used by `show config`: a value that needs it is written in
/// double quotes with `"` and `\` escaped, so tokenizing the rendered line gives the value back.
enum CommandTokenizer {
    static func tokenize(_ line: String) -> Result<[String], CommandError> {
        guard line.utf8.count <= CommandLimits.maxLineLength else { return .failure(.lineTooLong) }
        var words: [String] = []
        // Unicode scalars, not Characters: a combining mark after a quote must not hide the quote.
        var current = String.UnicodeScalarView()
        var inWord = false
        var iterator = line.unicodeScalars.makeIterator()
        while let c = iterator.next() {
            switch c {
            case " ", "\t", "\r", "\n":
                if inWord { words.append(String(current)) }
                current = String.UnicodeScalarView()
                inWord = false
            case "'":
                inWord = true
                var closed = false
                while let q = iterator.next() {
                    if q == "'" { closed = true; break }
                    current.append(q)
                }
                guard closed else { return .failure(.unterminatedQuote) }
            case "\"":
                inWord = true
                var closed = false
                while let q = iterator.next() {
                    if q == "\"" { closed = true; break }
                    if q == "\\" {
                        guard let escaped = iterator.next() else { return .failure(.unterminatedQuote) }
                        current.append(escaped)
                    } else {
                        current.append(q)
                    }
                }
                guard closed else { return .failure(.unterminatedQuote) }
            case "\\":
                inWord = true
                guard let escaped = iterator.next() else { return .failure(.danglingEscape) }
                current.append(escaped)
            default:
                inWord = true
                current.append(c)
            }
        }
        if inWord { words.append(String(current)) }
        return .success(words)
    }

    /// The word as `show config` writes it: bare when it can be, otherwise double-quoted.
    static func quote(_ word: String) -> String {
        let needsQuotes = word.isEmpty || word.unicodeScalars.contains { c in
            c == "\"" || c == "'" || c == "\\" || c.properties.isWhitespace || c.properties.generalCategory == .control
        }
        guard needsQuotes else { return word }
        var quoted = String.UnicodeScalarView()
        quoted.append("\"")
        for c in word.unicodeScalars {
            if c == "\"" || c == "\\" { quoted.append("\\") }
            quoted.append(c)
        }
        quoted.append("\"")
        return String(quoted)
    }
}

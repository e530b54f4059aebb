/// `show config` and its inverse, loading a configuration file.
extension Configuration {
    /// `show config`: the entered commands, one per line, each ending in "\n"; empty when
    /// nothing was entered.
    ///
    /// Order: command-table order (docs/product.md §7 row order for `mail security`, then `ysc`, `syslog`,
    /// console settings; see `show command`), indexed entries by number. Spelling: full
    /// lower-case keywords, canonical values, quoted by `CommandTokenizer.quote` when needed,
    /// passwords as `encrypted HASH`. `load(rendered())` gives back an equal configuration.
    public func rendered() -> String {
        var text = ""
        for key in entries.keys.sorted() {
            let words = key.command.spec.keywords + (entries[key] ?? []).map(CommandTokenizer.quote)
            text += words.joined(separator: " ") + "\n"
        }
        return text
    }

    /// Parses a configuration file (what `rendered()` printed, plus blank lines and `#` comments).
    /// Valid lines are applied in order; every bad line is reported with its 1-based number and
    /// left out. Operational commands are not configuration and are reported too.
    public static func load(_ text: String) -> (Configuration, [ConfigLoadProblem]) {
        var configuration = Configuration()
        var problems: [ConfigLoadProblem] = []
        // Split on LF only; a CR before it is removed (files edited on other systems).
        // Unicode scalars, because "\r\n" is one Character and would not split on "\n".
        for (offset, scalars) in text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = String(scalars.last == "\r" ? scalars.dropLast() : scalars[...])
            let trimmed = line.drop { $0 == " " || $0 == "\t" }
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            switch configuration.execute(line) {
            case .success(.configured):
                continue
            case .success(.operation):
                problems.append(ConfigLoadProblem(lineNumber: offset + 1, line: line, error: .notAConfigurationCommand))
            case .failure(let error):
                problems.append(ConfigLoadProblem(lineNumber: offset + 1, line: line, error: error))
            }
        }
        return (configuration, problems)
    }
}

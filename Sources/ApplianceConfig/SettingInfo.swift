/// A configuration command as a form sees it: derived from the command table, so a settings
/// page offers exactly the commands the console has (and a new command appears on it without
/// a change to the page). The web console builds its settings pages from these.
public struct SettingInfo: Equatable, Sendable {
    /// The full keywords, `mail security smtp size overflow`.
    public var command: String
    /// `mail security smtp size overflow TYPE`.
    public var syntax: String
    public var summary: String
    /// The factory default, as prose.
    public var defaultValue: String
    /// The keywords the one parameter may be, when it is a keyword choice (a select box).
    public var choices: [String]?
    /// Several entries rather than one value: numbered (`white-list pattern NUM …`), keyed by
    /// their first word (`tls server-certificate HOST …`) or a list added to line by line
    /// (`tls exempt HOST…`). A one-value form cannot show or replace them.
    public var indexed: Bool
    /// A password: never shown, never logged in clear.
    public var isPassword: Bool
    /// The CLI reference page (`mail-security`, `ysc`, `syslog`, `httpd`, `console-admin`).
    public var group: String
}

extension Configuration {
    /// Every configuration command, in command-table order.
    public static var settings: [SettingInfo] {
        CommandTable.specs.filter(\.isSetting).map { spec in
            var choices: [String]?
            if spec.parameters.count == 1, spec.parameters[0].count == 1...1, case .keyword(let words) = spec.parameters[0].kind {
                choices = words
            }
            let isPassword = spec.parameters.contains { if case .password = $0.kind { true } else { false } }
            return SettingInfo(command: spec.command, syntax: spec.syntax, summary: spec.summary,
                               defaultValue: spec.defaultValue ?? "", choices: choices, indexed: spec.isIndexed || spec.accumulates,
                               isPassword: isPassword, group: spec.group.rawValue)
        }
    }

    /// `word` quoted as `show config` quotes values, so it comes back as one word.
    public static func quoted(_ word: String) -> String { CommandTokenizer.quote(word) }

    /// The lines of `show config` that set `command` (several for numbered entries).
    public func renderedLines(of command: String) -> [String] {
        // `white-list set` must not also claim the lines of `white-list set enable`.
        let longer = CommandTable.specs.map(\.command).filter { $0.hasPrefix(command + " ") }
        return rendered().split(separator: "\n").map(String.init).filter { line in
            (line.hasPrefix(command + " ") || line == command) && !longer.contains { line.hasPrefix($0 + " ") || line == $0 }
        }
    }
}

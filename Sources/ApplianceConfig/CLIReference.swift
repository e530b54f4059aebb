/// The CLI reference: one Markdown page per command group, generated from the command table
/// so that the documentation cannot drift from the parser. The pages are checked in under
/// `cli-reference/`; a test fails when they differ from what this produces.
public enum CLIReference {
    public static func pages() -> [(fileName: String, markdown: String)] {
        CommandGroup.allCases.map { group in
            (fileName: group.rawValue + ".md", markdown: page(for: group))
        }
    }

    static func page(for group: CommandGroup) -> String {
        let specs = CommandTable.specs.filter { $0.group == group }
        var md = "# \(group.title)\n\n"
        md += "<!-- Generated from the command table in Sources/ApplianceConfig; run `make cli-reference` after changing it. -->\n\n"
        md += group.introduction + "\n\n"
        md += "Keywords are case-insensitive and may be abbreviated to any unique prefix (`mail sec use on`). "
        md += "Values keep their case; quote a value containing spaces with `\"…\"` or `'…'`, or escape single characters with a backslash.\n\n"
        md += "| command | summary |\n|---|---|\n"
        for spec in specs {
            md += "| `\(escape(spec.syntax))` | \(spec.summary) |\n"
        }
        md += "\n"
        for spec in specs {
            md += section(for: spec)
        }
        return md
    }

    private static func section(for spec: CommandSpec) -> String {
        var md = "## \(spec.command)\n\n"
        md += "\(spec.summary).\n\n"
        md += "```\n\(spec.syntax)\n"
        if let noSyntax = spec.noSyntax { md += "\(noSyntax)\n" }
        md += "```\n\n"
        if !spec.parameters.isEmpty {
            md += "| parameter | values |\n|---|---|\n"
            for parameter in spec.parameters {
                md += "| `\(escape(parameter.syntax))` | \(escape(parameter.description))\(range(parameter)) |\n"
            }
            md += "\n"
        }
        md += spec.details + "\n\n"
        if let defaultValue = spec.defaultValue {
            md += "- Default: `\(defaultValue)`\n"
            if let noSyntax = spec.noSyntax {
                md += spec.isIndexed
                    ? "- `\(noSyntax)` removes that entry; other parameter words are ignored.\n"
                    : spec.accumulates
                    ? "- `\(noSyntax)` removes those entries; without them, the whole list.\n"
                    : "- `\(noSyntax)` restores the default and removes the line from `show config`; parameter words are ignored.\n"
            }
            md += "- Shown by `show config` once entered, even when it sets the default.\n"
        } else {
            md += "- Operational command: not stored in the configuration.\n"
        }
        md += "\nExamples:\n\n```\n" + spec.examples.map { $0 + "\n" }.joined() + "```\n\n"
        return md
    }

    /// Machine-checked ranges, appended so the documented range is the one enforced.
    private static func range(_ parameter: ParameterSpec) -> String {
        var notes: [String] = []
        switch parameter.kind {
        case .integer(let range), .integerOrKeyword(let range, _):
            notes.append("range \(range.lowerBound)-\(range.upperBound)")
        case .keyword(let choices):
            notes.append("one of " + choices.map { "`\($0)`" }.joined(separator: ", "))
        case .text(let maxLength):
            notes.append("at most \(maxLength) characters")
        default:
            break
        }
        if case .password = parameter.kind {
            notes.append("or `encrypted HASH` as `show config` writes it")
        } else if parameter.count.upperBound > 1, parameter.count.upperBound < CommandLimits.maxLineLength {
            notes.append("\(parameter.count.lowerBound) to \(parameter.count.upperBound) values")
        }
        return notes.isEmpty ? "" : " (" + notes.joined(separator: "; ") + ")"
    }

    /// A `|` would end the table cell.
    private static func escape(_ text: String) -> String {
        text.split(separator: "|", omittingEmptySubsequences: false).joined(separator: "\\|")
    }
}

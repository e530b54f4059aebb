/// `help [WORDS…]` and `show command`, generated from the command table.
extension Configuration {
    /// `help WORDS`: every command whose keywords start with WORDS (abbreviations accepted), as
    /// its syntax line followed by an indented one-line description; without WORDS, every
    /// command. Words that name no command give `Error: Invalid command name`.
    public static func helpText(for words: [String]) -> Result<String, CommandError> {
        let tree = CommandTree.shared
        var node = 0
        for word in words {
            guard case .child(let next) = tree.step(from: node, word: word) else { return .failure(.invalidCommandName) }
            node = next
        }
        var text = ""
        for command in tree.commands(under: node) {
            let spec = command.spec
            text += spec.syntax + "\n    " + spec.summary + "\n"
        }
        return .success(text)
    }

    /// `show command`: every command's syntax, one per line, in table order.
    public static func commandList() -> String {
        CommandTable.specs.map { $0.syntax + "\n" }.joined()
    }
}

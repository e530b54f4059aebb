/// `mail security white-list pattern NUM [from=KW] [to=KW]`; an omitted keyword is `*`.
public struct WhiteListPattern: Equatable, Sendable {
    public var from: String
    public var to: String
    public init(from: String = "*", to: String = "*") {
        self.from = from
        self.to = to
    }

    /// Reads the canonical `from=…`/`to=…` words stored for the command.
    init(canonical words: some Sequence<String>) {
        self.init()
        for word in words {
            if word.hasPrefix("from=") { from = String(word.dropFirst(5)) }
            if word.hasPrefix("to=") { to = String(word.dropFirst(3)) }
        }
    }
}

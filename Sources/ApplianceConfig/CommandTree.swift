/// The command table as a tree of keywords, for resolving abbreviated words.
///
/// A word selects the child keyword it equals, or else the only child keyword it is a prefix
/// of (case-insensitively), as routers accept `mail sec use on`. An ambiguous prefix is an
/// error; a word that matches no child ends the keywords, and the rest are parameters of the
/// command reached (if any).
struct CommandTree: Sendable {
    struct Node: Sendable {
        var keyword: String
        var path: [String]
        var children: [Int] = []
        var command: CommandID?
    }

    /// Node 0 is the root; children are listed in table order.
    private(set) var nodes: [Node] = [Node(keyword: "", path: [])]

    static let shared = CommandTree(CommandTable.specs)

    init(_ specs: [CommandSpec]) {
        for spec in specs {
            var current = 0
            for keyword in spec.keywords {
                if let existing = nodes[current].children.first(where: { nodes[$0].keyword == keyword }) {
                    current = existing
                } else {
                    nodes.append(Node(keyword: keyword, path: nodes[current].path + [keyword]))
                    nodes[current].children.append(nodes.count - 1)
                    current = nodes.count - 1
                }
            }
            nodes[current].command = spec.id
        }
    }

    enum Step {
        case child(Int)
        case noMatch
        case ambiguous
    }

    /// The child of `node` that `word` selects.
    func step(from node: Int, word: String) -> Step {
        let lowered = word.lowercased()
        guard !lowered.isEmpty else { return .noMatch }
        let children = nodes[node].children
        if let exact = children.first(where: { nodes[$0].keyword == lowered }) { return .child(exact) }
        let candidates = children.filter { nodes[$0].keyword.hasPrefix(lowered) }
        switch candidates.count {
        case 0: return .noMatch
        case 1: return .child(candidates[0])
        default: return .ambiguous
        }
    }

    /// Follows keywords from the root as far as they go.
    /// Returns the node reached and how many words were keywords.
    func walk(_ words: ArraySlice<String>) -> Result<(node: Int, consumed: Int), CommandError> {
        var node = 0
        var consumed = 0
        for word in words {
            switch step(from: node, word: word) {
            case .child(let next):
                node = next
                consumed += 1
            case .ambiguous:
                return .failure(.invalidCommandName)
            case .noMatch:
                return .success((node, consumed))
            }
        }
        return .success((node, consumed))
    }

    /// Every command at or below `node`, in table order.
    func commands(under node: Int) -> [CommandID] {
        var found: [CommandID] = []
        if let command = nodes[node].command { found.append(command) }
        for child in nodes[node].children { found += commands(under: child) }
        return found.sorted()
    }

    /// Resolves the command of a line (without a leading `no`): its id and its parameter words.
    func resolve(_ words: ArraySlice<String>) -> Result<(CommandID, [String]), CommandError> {
        switch walk(words) {
        case .failure(let error):
            return .failure(error)
        case .success(let (node, consumed)):
            let rest = Array(words.dropFirst(consumed))
            if let command = nodes[node].command { return .success((command, rest)) }
            if consumed == 0 { return .failure(.invalidCommandName) }
            if rest.isEmpty { return .failure(.wrongParameterCount) }
            if CommandTable.keywordChoiceNodes.contains(nodes[node].path) { return .failure(.illegalKeyword) }
            return .failure(.invalidCommandName)
        }
    }
}

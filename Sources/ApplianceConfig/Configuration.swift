import Telemetry

/// The appliance's configuration: every setting of docs/product.md §7 with its default, plus the
/// record of which commands were entered (what `show config` prints).
///
/// The model is the set of entered commands, each kept as its canonical parameter words (the
/// words `show config` writes). A setting never entered has its default; `no` removes the
/// entry. Two configurations are equal when they would print the same `show config`.
///
/// CONTRACT (used by ControlPlane, mailsecd, mailsec): keep these public names.
public struct Configuration: Equatable, Sendable {
    /// Names one entered command: indexed commands (`white-list pattern 3`) have one entry per
    /// number, commands keyed by a word (`tls server-certificate HOST`) one per word; the others
    /// use index 0 and no name.
    struct EntryKey: Hashable, Comparable, Sendable {
        var command: CommandID
        var index: Int
        var name = ""

        static func < (lhs: Self, rhs: Self) -> Bool {
            (lhs.command, lhs.index, lhs.name) < (rhs.command, rhs.index, rhs.name)
        }
    }

    /// Canonical parameter words of every entered setting (the index included, for indexed ones).
    /// Set here and by the list commands of Configuration+TLS.swift.
    var entries: [EntryKey: [String]] = [:]

    /// Factory defaults, nothing entered.
    public init() {}

    /// Executes one console line (configuration or operational command).
    /// Configuration commands change `self`; operational ones are returned for the caller.
    ///
    /// A blank line does nothing and succeeds with `.configured([])`. `no COMMAND [params]`
    /// restores the default of a setting; extra words are ignored, except that indexed commands
    /// need their number (`no mail security white-list pattern 3`) to know which entry to remove.
    public mutating func execute(_ line: String) -> Result<CommandOutcome, CommandError> {
        let words: [String]
        switch CommandTokenizer.tokenize(line) {
        case .success(let tokens): words = tokens
        case .failure(let error): return .failure(error)
        }
        guard let first = words.first else { return .success(.configured([])) }
        if Self.isNo(first) { return executeNo(words.dropFirst()) }

        let command: CommandID
        let parameterWords: [String]
        switch CommandTree.shared.resolve(words[...]) {
        case .success(let resolved): (command, parameterWords) = resolved
        case .failure(let error): return .failure(error)
        }
        let spec = command.spec
        let canonical: [String]
        switch ParameterParser.parse(parameterWords, for: spec) {
        case .success(let values): canonical = values
        case .failure(let error): return .failure(error)
        }
        switch spec.kind {
        case .operation(let make):
            return .success(.operation(make(canonical)))
        case .setting(let indexed):
            let key = EntryKey(command: command, index: indexed ? Int(canonical[0]) ?? 0 : 0)
            let events = events(applying: key, canonical)
            if let stored = storeTLSEntry(command, canonical) {
                if case .failure(let error) = stored { return .failure(error) }
            } else if !setDetectAction(command, canonical) {
                entries[key] = canonical
            }
            return .success(.configured(events))
        }
    }

    /// `no` (or its abbreviation `n`: no other first keyword starts with n).
    private static func isNo(_ word: String) -> Bool {
        let lowered = word.lowercased()
        return lowered == "no" || lowered == "n"
    }

    private mutating func executeNo(_ words: ArraySlice<String>) -> Result<CommandOutcome, CommandError> {
        let command: CommandID
        let parameterWords: [String]
        switch CommandTree.shared.resolve(words) {
        case .success(let resolved): (command, parameterWords) = resolved
        case .failure(let error): return .failure(error)
        }
        let spec = command.spec
        guard spec.isSetting else { return .failure(.invalidCommandName) }
        if let removed = removeTLSEntry(command, parameterWords) { return removed.map { CommandOutcome.configured([]) } }
        var index = 0
        if spec.isIndexed, let numberSpec = spec.parameters.first, case .integer(let range) = numberSpec.kind {
            guard let word = parameterWords.first else { return .failure(.wrongParameterCount) }
            switch ParameterParser.integer(word, range) {
            case .success(let number): index = number
            case .failure(let error): return .failure(error)
            }
        }
        if !setDetectAction(command, nil) { entries[EntryKey(command: command, index: index)] = nil }
        return .success(.configured([]))
    }

    /// The spam and virus actions as entered, each nil when not entered (the `illegal mail` form
    /// stands for both).
    var enteredDetectActions: (spam: [String]?, virus: [String]?) {
        let both = entered(.mailSecuritySMTPDetectIllegalMail)
        return (entered(.mailSecuritySMTPDetectSpamMail) ?? both, entered(.mailSecuritySMTPDetectVirusMail) ?? both)
    }

    /// Enters (or, with nil, removes) one of the three detect-action commands, and keeps them in
    /// the shortest form that reproduces the two actions: `illegal mail` while both are entered
    /// and the same, `spam mail` / `virus mail` otherwise. False for any other command.
    private mutating func setDetectAction(_ command: CommandID, _ words: [String]?) -> Bool {
        var (spam, virus) = enteredDetectActions
        switch command {
        case .mailSecuritySMTPDetectIllegalMail: (spam, virus) = (words, words)
        case .mailSecuritySMTPDetectSpamMail: spam = words
        case .mailSecuritySMTPDetectVirusMail: virus = words
        default: return false
        }
        let both = spam == virus ? spam : nil
        entries[EntryKey(command: .mailSecuritySMTPDetectIllegalMail, index: 0)] = both
        entries[EntryKey(command: .mailSecuritySMTPDetectSpamMail, index: 0)] = both == nil ? spam : nil
        entries[EntryKey(command: .mailSecuritySMTPDetectVirusMail, index: 0)] = both == nil ? virus : nil
        return true
    }

    /// The side effects of entering `values` for `key`, judged against the state before it.
    private func events(applying key: EntryKey, _ values: [String]) -> [ConfigEvent] {
        switch key.command {
        case .mailSecurityUse where values == ["on"] && !mailSecurityEnabled:
            return [.statisticsCleared]
        case .mailSecurityWhiteListSetEnable:
            return values.first.flatMap(Int.init).map { [.whiteListSetEnabled($0)] } ?? []
        default:
            return []
        }
    }

    /// The canonical words entered for a non-indexed command, nil when not entered.
    func entered(_ command: CommandID) -> [String]? {
        entries[EntryKey(command: command, index: 0)]
    }

    /// The entries of an indexed command, by number, without the number itself.
    func enteredByIndex(_ command: CommandID) -> [Int: [String]] {
        var found: [Int: [String]] = [:]
        for (key, words) in entries where key.command == command {
            found[key.index] = Array(words.dropFirst())
        }
        return found
    }
}

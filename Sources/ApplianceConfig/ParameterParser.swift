/// Checks the parameter words of one command against its `ParameterSpec`s and returns them
/// in canonical form: the words `show config` writes (keywords in full and lower case,
/// integers without leading zeros, `from=` before `to=`, passwords as `encrypted HASH`).
///
/// The word count is checked before any value, so `port smtp 1 2 3 4 5` is a count error
/// even though every port is valid. Values are then checked left to right; the first bad one
/// gives the error.
enum ParameterParser {
    static func parse(_ words: [String], for spec: CommandSpec) -> Result<[String], CommandError> {
        let positional = spec.parameters.filter { !$0.isAssignment }
        let assignments = spec.parameters.filter(\.isAssignment)

        // Positional parameters: all but the last take one word; the last takes its range.
        let fixed = positional.dropLast().reduce(0) { $0 + $1.count.upperBound }
        let lastRange = positional.last?.count ?? 0...0
        let minimum = fixed + lastRange.lowerBound
        let maximumPositional = fixed + lastRange.upperBound
        guard words.count >= minimum else { return .failure(.wrongParameterCount) }
        let positionalCount = assignments.isEmpty ? words.count : min(words.count, maximumPositional)
        guard positionalCount <= maximumPositional, words.count - positionalCount <= assignments.count else {
            return .failure(.wrongParameterCount)
        }

        var canonical: [String] = []
        var index = 0
        for (n, parameter) in positional.enumerated() {
            let take = n == positional.count - 1 ? positionalCount - fixed : 1
            let slice = Array(words[index..<index + take])
            index += take
            switch values(slice, parameter.kind) {
            case .success(let checked): canonical += checked
            case .failure(let error): return .failure(error)
            }
        }

        var assigned: [String: String] = [:]
        for word in words[index...] {
            guard let equals = word.firstIndex(of: "=") else { return .failure(.illegalKeyword) }
            let key = word[..<equals].lowercased()
            let value = String(word[word.index(after: equals)...])
            guard assignments.contains(where: { if case .assignment(key) = $0.kind { true } else { false } }),
                  assigned[key] == nil else { return .failure(.illegalKeyword) }
            switch ValueSyntax.whiteListKeyword(value) {
            case .success(let checked): assigned[key] = checked
            case .failure(let error): return .failure(error)
            }
        }
        for parameter in assignments {
            if case .assignment(let key) = parameter.kind, let value = assigned[key] { canonical.append("\(key)=\(value)") }
        }
        return .success(canonical)
    }

    /// Checks the words of one parameter.
    static func values(_ words: [String], _ kind: ParameterKind) -> Result<[String], CommandError> {
        if case .password = kind { return ValueSyntax.password(words) }
        if case .words = kind { return .success(words) }
        // `any` and `none` say everything: mixed with addresses they would contradict them.
        if case .httpdHost = kind, words.count > 1,
           words.contains(where: { ["any", "none"].contains($0.lowercased()) }) {
            return .failure(.illegalKeyword)
        }
        var checked: [String] = []
        for word in words {
            switch value(word, kind) {
            case .success(let value): checked.append(value)
            case .failure(let error): return .failure(error)
            }
        }
        return .success(checked)
    }

    static func value(_ word: String, _ kind: ParameterKind) -> Result<String, CommandError> {
        switch kind {
        case .integer(let range):
            return integer(word, range).map(String.init)
        case .keyword(let choices):
            return keyword(word, choices).map { .success($0) } ?? .failure(.illegalKeyword)
        case .text(let maxLength):
            return ValueSyntax.text(word, maxLength: maxLength)
        case .notificationAddress:
            return ValueSyntax.notificationAddress(word)
        case .host:
            return ValueSyntax.host(word)
        case .httpsURL:
            return ValueSyntax.httpsURL(word)
        case .interfaceName:
            return ValueSyntax.interfaceName(word)
        case .integerOrKeyword(let range, let special):
            if word.lowercased() == special { return .success(special) }
            return integer(word, range).map(String.init)
        case .httpdHost:
            // Canonical: keywords in lower case, addresses as typed (validated).
            guard HTTPDHost(word: word) != nil else { return .failure(.illegalAddress) }
            return .success(["any", "none", "lan1"].contains(word.lowercased()) ? word.lowercased() : word)
        case .filePath:
            return ValueSyntax.filePath(word)
        case .ipAddress:
            return AddressText.canonical(word).map { .success($0) } ?? .failure(.illegalAddress)
        case .tlsExemptHost:
            return TLSExemptEntry(word: word).map { .success($0.canonical) } ?? .failure(.illegalAddress)
        case .assignment, .password, .words:
            // Handled by the callers above; reaching here is a table mistake, not user input.
            return .failure(.illegalKeyword)
        }
    }

    /// A decimal integer: digits only, optionally signed. Digits that overflow are out of
    /// range rather than "not an integer".
    static func integer(_ word: String, _ range: ClosedRange<Int>) -> Result<Int, CommandError> {
        var digits = Substring(word)
        if digits.first == "-" || digits.first == "+" { digits = digits.dropFirst() }
        guard !digits.isEmpty, digits.allSatisfy(\.isASCIIDigit) else { return .failure(.parameterMustBeInteger) }
        guard let number = Int(word), range.contains(number) else { return .failure(.parameterOutOfRange) }
        return .success(number)
    }

    /// The keyword `word` names: itself, or the only one it abbreviates (case-insensitive).
    static func keyword(_ word: String, _ choices: [String]) -> String? {
        let lowered = word.lowercased()
        guard !lowered.isEmpty else { return nil }
        if choices.contains(lowered) { return lowered }
        let candidates = choices.filter { $0.hasPrefix(lowered) }
        return candidates.count == 1 ? candidates[0] : nil
    }
}

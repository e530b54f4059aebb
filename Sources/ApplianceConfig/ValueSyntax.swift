/// Checks of the free-form values: prefixes, mail addresses, hosts, URLs, white-list keywords,
/// passwords. Each returns the canonical value (the value itself: values keep their case).
enum ValueSyntax {
    /// Printable text: no control characters, since a prefix ends up in a mail header where a
    /// CR or LF would start a new header line.
    static func text(_ word: String, maxLength: Int) -> Result<String, CommandError> {
        guard !word.isEmpty, !hasControl(word) else { return .failure(.illegalString) }
        guard word.count <= maxLength else { return .failure(.tooLongString) }
        return .success(word)
    }

    /// A Linux interface name as the kernel accepts it (dev_valid_name): 1-15 bytes, not `.`
    /// or `..`, no `/`, `:`, whitespace or control characters. Kept as typed (names are
    /// case-sensitive).
    static func interfaceName(_ word: String) -> Result<String, CommandError> {
        guard !word.isEmpty, word != ".", word != "..",
              word.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F && $0 != "/" && $0 != ":" })
        else { return .failure(.illegalString) }
        guard word.utf8.count <= CommandLimits.maxInterfaceNameLength else { return .failure(.tooLongString) }
        return .success(word)
    }

    /// An absolute path, printable, bounded: the daemon opens it as given (never through a shell).
    static func filePath(_ word: String) -> Result<String, CommandError> {
        guard word.hasPrefix("/"), !hasControl(word) else { return .failure(.illegalString) }
        guard word.utf8.count <= CommandLimits.maxFilePathLength else { return .failure(.tooLongString) }
        return .success(word)
    }

    /// `auto` (any case), a full address (contains `@`), or a local part.
    static func notificationAddress(_ word: String) -> Result<String, CommandError> {
        if word.lowercased() == "auto" { return .success("auto") }
        if word.contains("@") {
            guard word.utf8.count <= CommandLimits.maxAddressLength else { return .failure(.illegalAddress) }
            let parts = word.split(separator: "@", omittingEmptySubsequences: false)
            guard parts.count == 2, isLocalPart(parts[0]), isHostName(parts[1]) else { return .failure(.illegalAddress) }
            return .success(word)
        }
        return isLocalPart(Substring(word)) ? .success(word) : .failure(.illegalAddress)
    }

    /// RFC 5322 dot-atom local part (the quoted-string form is not offered on the console).
    static func isLocalPart(_ part: Substring) -> Bool {
        let atext = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-/=?^_`{|}~")
        guard !part.isEmpty, part.utf8.count <= CommandLimits.maxLocalPartLength,
              part.first != ".", part.last != ".", !part.contains("..") else { return false }
        return part.allSatisfy { $0 == "." || atext.contains($0) }
    }

    /// RFC 1123 host name: dot-separated labels of letters, digits and inner hyphens. The last
    /// label must not be all digits (RFC 1123 §2.1), so a mistyped address such as `256.1.1.1`
    /// is not taken for a name.
    static func isHostName(_ name: Substring) -> Bool {
        guard !name.isEmpty, name.utf8.count <= CommandLimits.maxHostNameLength else { return false }
        let labels = name.split(separator: ".", omittingEmptySubsequences: false)
        guard let last = labels.last, !last.allSatisfy(\.isASCIIDigit) else { return false }
        return labels.allSatisfy { label in
            !label.isEmpty && label.utf8.count <= CommandLimits.maxHostLabelLength && label.first != "-" && label.last != "-"
                && label.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
        }
    }

    /// Dotted-quad IPv4, each part 0-255 without leading zeros (which some resolvers read as octal).
    static func isIPv4(_ text: Substring) -> Bool {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts.allSatisfy { part in
            !part.isEmpty && part.count <= 3 && part.allSatisfy(\.isASCIIDigit)
                && (part.count == 1 || part.first != "0") && Int(part).map { $0 <= 255 } == true
        }
    }

    /// RFC 4291 §2.2 text form: eight groups, one `::`, optionally ending in an IPv4 address.
    static func isIPv6(_ text: Substring) -> Bool {
        guard text.utf8.count <= CommandLimits.maxIPv6TextLength, text.contains(":") else { return false }
        let halves = text.split(separator: "::", omittingEmptySubsequences: false)
        guard halves.count <= 2 else { return false }
        var groups = 0
        for (h, half) in halves.enumerated() {
            guard !half.isEmpty else { continue }
            let parts = half.split(separator: ":", omittingEmptySubsequences: false)
            for (p, part) in parts.enumerated() {
                let isLast = h == halves.count - 1 && p == parts.count - 1
                if isLast, part.contains(".") {
                    guard isIPv4(part) else { return false }
                    groups += 2
                } else {
                    guard (1...4).contains(part.count), part.allSatisfy({ $0.isASCII && $0.isHexDigit }) else { return false }
                    groups += 1
                }
            }
        }
        return halves.count == 2 ? groups <= 7 : groups == 8
    }

    /// `HOST`, `HOST:PORT`, `V6`, or `[V6]` / `[V6]:PORT`.
    static func host(_ word: String) -> Result<String, CommandError> {
        let text = Substring(word)
        if text.first == "[" {
            guard let close = text.firstIndex(of: "]"), isIPv6(text[text.index(after: text.startIndex)..<close]) else {
                return .failure(.illegalAddress)
            }
            let rest = text[text.index(after: close)...]
            if rest.isEmpty { return .success(word) }
            guard rest.first == ":" else { return .failure(.illegalAddress) }
            return port(rest.dropFirst()).map { _ in word }
        }
        if text.filter({ $0 == ":" }).count > 1 {
            return isIPv6(text) ? .success(word) : .failure(.illegalAddress)
        }
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard isIPv4(parts[0]) || isHostName(parts[0]) else { return .failure(.illegalAddress) }
        if parts.count == 2 { return port(parts[1]).map { _ in word } }
        return .success(word)
    }

    private static func port(_ text: Substring) -> Result<Int, CommandError> {
        // Digits only; more than "65535" has is out of range, not malformed.
        guard !text.isEmpty, text.allSatisfy(\.isASCIIDigit) else { return .failure(.illegalAddress) }
        return ParameterParser.integer(String(text), CommandLimits.portRange)
    }

    /// `https://HOST[:PORT][/PATH]`: the scan service is only spoken to over TLS.
    static func httpsURL(_ word: String) -> Result<String, CommandError> {
        let scheme = "https://"
        guard word.utf8.count <= CommandLimits.maxURLLength, word.lowercased().hasPrefix(scheme), !hasControl(word),
              !word.contains(where: { $0.isWhitespace || !$0.isASCII })
        else { return .failure(.illegalAddress) }
        let afterScheme = word.dropFirst(scheme.count)
        let authority = afterScheme.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        let rest = afterScheme.dropFirst(authority.count)
        guard !authority.contains("@"), rest.isEmpty || rest.first == "/" else { return .failure(.illegalAddress) }
        if authority.first != "[", authority.filter({ $0 == ":" }).count > 1 { return .failure(.illegalAddress) }
        return host(String(authority)).map { _ in word }
    }

    /// A `from=`/`to=` keyword: an address pattern with `*` wildcards, no spaces.
    static func whiteListKeyword(_ value: String) -> Result<String, CommandError> {
        guard !value.isEmpty, !hasControl(value), !value.contains(where: \.isWhitespace) else { return .failure(.illegalKeyword) }
        guard value.utf8.count <= CommandLimits.maxWhiteListKeywordLength else { return .failure(.tooLongString) }
        return .success(value)
    }

    /// `PASSWORD` (hashed here) or `encrypted HASH` (checked and kept).
    static func password(_ words: [String]) -> Result<[String], CommandError> {
        if words.count == 2 {
            guard words[0].lowercased() == "encrypted" else { return .failure(.wrongParameterCount) }
            guard let hash = PasswordHash(text: words[1]) else { return .failure(.illegalEncryptedPassword) }
            return .success(["encrypted", hash.text])
        }
        let password = words[0]
        guard !password.isEmpty, !hasControl(password) else { return .failure(.illegalString) }
        guard password.count <= CommandLimits.maxPasswordLength else { return .failure(.tooLongString) }
        return .success(["encrypted", PasswordHash(hashing: password).text])
    }

    static func hasControl(_ text: String) -> Bool {
        text.unicodeScalars.contains { $0.properties.generalCategory == .control }
    }
}

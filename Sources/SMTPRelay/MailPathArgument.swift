/// The argument of `MAIL FROM:` or `RCPT TO:` (RFC 5321 §4.1.1.2, §4.1.1.3): a path and
/// ESMTP parameters (RFC 5321 §4.1.2 `Mail-parameters`).
///
///     C: MAIL FROM:<a@example.com> SIZE=1200 BODY=8BITMIME
///        → address "a@example.com", parameters [SIZE=1200, BODY=8BITMIME], size 1200, body "8BITMIME"
///
/// Leniency (marked, common in the wild, accepted by Postfix): a space after the colon
/// (`MAIL FROM: <a@b>`) and a path without angle brackets (`MAIL FROM:a@b`).
public struct MailPathArgument: Equatable, Sendable {
    public struct Parameter: Equatable, Sendable {
        /// Upper-cased keyword.
        public var keyword: String
        public var value: String?
    }

    /// The address inside the angle brackets; empty for the null reverse-path `<>`.
    public var address: String
    public var parameters: [Parameter]

    /// `SIZE=` (RFC 1870 §6), when present and a valid number.
    public var size: Int? {
        guard let value = parameter("SIZE"), !value.isEmpty, value.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else {
            return nil
        }
        return Int(value) ?? Int.max  // more digits than Int holds: certainly too big
    }

    /// `BODY=` (RFC 6152 §2, RFC 3030 §3), upper-cased.
    public var body: String? { parameter("BODY")?.uppercased() }

    public func parameter(_ keyword: String) -> String? {
        parameters.first { $0.keyword == keyword }?.value
    }

    /// Parses the argument of a MAIL (`prefix` "FROM:") or RCPT (`prefix` "TO:") command;
    /// nil when it does not have that shape (the server will say why).
    public static func parse(_ argument: String, prefix: String) -> MailPathArgument? {
        var rest = Substring(argument)
        guard rest.count >= prefix.count, rest.prefix(prefix.count).uppercased() == prefix else { return nil }
        rest = rest.dropFirst(prefix.count)
        rest = rest.drop { $0 == " " }  // leniency: "FROM: <a@b>"
        let address: Substring
        if rest.first == "<" {
            // Quoted local parts may hold '>' (RFC 5321 §4.1.2 Quoted-string).
            var inQuotes = false
            var escaped = false
            var end: Substring.Index?
            var index = rest.index(after: rest.startIndex)
            while index < rest.endIndex {
                let c = rest[index]
                if escaped {
                    escaped = false
                } else if c == "\\" && inQuotes {
                    escaped = true
                } else if c == "\"" {
                    inQuotes.toggle()
                } else if c == ">" && !inQuotes {
                    end = index
                    break
                }
                index = rest.index(after: index)
            }
            guard let close = end else { return nil }
            address = rest[rest.index(after: rest.startIndex)..<close]
            rest = rest[rest.index(after: close)...]
        } else {
            // Leniency: a bare address, up to the first space.
            let close = rest.firstIndex(of: " ") ?? rest.endIndex
            address = rest[..<close]
            rest = rest[close...]
            if address.isEmpty { return nil }
        }
        var parameters: [Parameter] = []
        for token in rest.split(separator: " ") {
            if let equals = token.firstIndex(of: "=") {
                parameters.append(Parameter(keyword: token[..<equals].uppercased(), value: String(token[token.index(after: equals)...])))
            } else {
                parameters.append(Parameter(keyword: token.uppercased(), value: nil))
            }
        }
        return MailPathArgument(address: String(address), parameters: parameters)
    }
}

/// Extracts the addresses (addr-spec, `local@domain`) of an address-list header value
/// (RFC 5322 §3.4):
///
/// ```
/// To: "Doe, John" <john@example.com>, jane@example.com (Jane),
///     Team: a@example.com, <b@example.com>;, undisclosed-recipients:;
/// ```
/// gives `john@example.com`, `jane@example.com`, `a@example.com`, `b@example.com`.
///
/// Display names (quoted, encoded or not) and comments are skipped; groups yield their members;
/// a quoted local part is given unquoted (`"john doe"@x` → `john doe@x`, RFC 5322 §3.4.1: the
/// quotes are not part of the address's value). Leniency for obsolete forms (RFC 5322 §4.4):
/// white space and comments around dots and `@`, routes (`<@a,@b:c@d>`), empty list members.
/// A bare word without `@` (a local address such as `To: staff`) is kept as it is.
/// Parsing never fails: what cannot be understood yields no address.
public enum AddressList {
    public static func addresses(in value: [UInt8]) -> [String] {
        var parser = Parser(tokens: tokenize(value))
        return parser.run()
    }

    enum Token: Equatable {
        case atom([UInt8])
        case quoted([UInt8])
        case literal([UInt8])
        case special(UInt8)
    }

    static let specials: Set<UInt8> = Set("()<>[]:;@\\,.\"".utf8)

    static func tokenize(_ value: [UInt8]) -> [Token] {
        var tokens: [Token] = []
        var index = 0
        while index < value.count {
            let byte = value[index]
            switch byte {
            case 0x20, 0x09, 0x0D, 0x0A:
                index += 1
            case UInt8(ascii: "("):
                // Comments nest (RFC 5322 §3.2.2) and may hold quoted pairs.
                var depth = 0
                while index < value.count {
                    let c = value[index]
                    if c == UInt8(ascii: "\\") { index += 2; continue }
                    if c == UInt8(ascii: "(") { depth += 1 }
                    if c == UInt8(ascii: ")") { depth -= 1; if depth == 0 { index += 1; break } }
                    index += 1
                }
            case UInt8(ascii: "\""):
                var content: [UInt8] = []
                index += 1
                while index < value.count && value[index] != UInt8(ascii: "\"") {
                    if value[index] == UInt8(ascii: "\\"), index + 1 < value.count { index += 1 }
                    content.append(value[index])
                    index += 1
                }
                index += 1
                tokens.append(.quoted(content))
            case UInt8(ascii: "["):
                var content: [UInt8] = [byte]
                index += 1
                while index < value.count && value[index] != UInt8(ascii: "]") {
                    if value[index] == UInt8(ascii: "\\"), index + 1 < value.count { index += 1 }
                    content.append(value[index])
                    index += 1
                }
                content.append(UInt8(ascii: "]"))
                index += 1
                tokens.append(.literal(content))
            case _ where specials.contains(byte):
                tokens.append(.special(byte))
                index += 1
            default:
                var atom: [UInt8] = []
                while index < value.count {
                    let c = value[index]
                    if c == 0x20 || c == 0x09 || c == 0x0D || c == 0x0A || specials.contains(c) { break }
                    atom.append(c)
                    index += 1
                }
                tokens.append(.atom(atom))
            }
        }
        return tokens
    }

    struct Parser {
        var tokens: [Token]
        var index = 0
        var result: [String] = []

        init(tokens: [Token]) { self.tokens = tokens }

        mutating func run() -> [String] {
            var pending: [Token] = []
            var tookAngle = false
            func finishMailbox(_ pending: inout [Token], _ tookAngle: inout Bool, into result: inout [String]) {
                if !tookAngle, let address = AddressList.addrSpec(pending) { result.append(address) }
                pending = []
                tookAngle = false
            }
            while index < tokens.count && result.count < HeaderLimits.maximumAddressCount {
                let token = tokens[index]
                index += 1
                switch token {
                case .special(UInt8(ascii: "<")):
                    var inner: [Token] = []
                    while index < tokens.count, tokens[index] != .special(UInt8(ascii: ">")) {
                        inner.append(tokens[index])
                        index += 1
                    }
                    index += 1
                    // obs-route (RFC 5322 §4.4): "@a,@b:" before the address is dropped.
                    if let colon = inner.lastIndex(of: .special(UInt8(ascii: ":"))) {
                        inner.removeSubrange(...colon)
                    }
                    if let address = AddressList.addrSpec(inner) { result.append(address) }
                    tookAngle = true
                    pending = []
                case .special(UInt8(ascii: ":")):
                    // A group's display name ends: its members follow (RFC 5322 §3.4).
                    pending = []
                    tookAngle = false
                case .special(UInt8(ascii: ";")), .special(UInt8(ascii: ",")):
                    finishMailbox(&pending, &tookAngle, into: &result)
                default:
                    if !tookAngle { pending.append(token) }
                }
            }
            finishMailbox(&pending, &tookAngle, into: &result)
            return result
        }
    }

    /// `local-part "@" domain` from tokens, or a lone word (a local address); nil for a phrase.
    static func addrSpec(_ tokens: [Token]) -> String? {
        guard !tokens.isEmpty else { return nil }
        guard let at = tokens.firstIndex(of: .special(UInt8(ascii: "@"))) else {
            guard tokens.count == 1, case .atom(let word) = tokens[0] else { return nil }
            return String(decoding: word, as: UTF8.self)
        }
        // Leniency: `From: Jane Doe jane.doe@example.com` (display name without angle
        // brackets). The local part is the last run of words joined by dots before "@".
        var start = at
        var expectWord = true
        while start > tokens.startIndex {
            let previous = tokens[start - 1]
            let isDot = previous == .special(UInt8(ascii: "."))
            if case .special = previous, !isDot { break }
            if expectWord == isDot { break }
            expectWord.toggle()
            start -= 1
        }
        var bytes: [UInt8] = []
        for token in tokens[start...] {
            switch token {
            case .atom(let b), .quoted(let b), .literal(let b): bytes += b
            case .special(let s) where s == UInt8(ascii: "@") || s == UInt8(ascii: "."): bytes.append(s)
            case .special: return nil
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

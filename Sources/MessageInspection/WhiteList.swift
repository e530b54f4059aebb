import NIOCore

/// One white-list pattern (docs/product.md §6): `mail security white-list pattern NUM [from=KW] [to=KW]`.
public struct WhiteListPattern: Sendable, Hashable {
    public var number: Int
    /// Address pattern for the `From:` addresses; nil (omitted) means `*`.
    public var from: String?
    /// Address pattern for the `To:`/`Cc:`/`Bcc:` addresses; nil (omitted) means `*`.
    public var to: String?

    public init(number: Int, from: String? = nil, to: String? = nil) {
        self.number = number
        self.from = from
        self.to = to
    }

    /// Whether the pattern matches. Each part matches when ANY address of its headers matches
    /// its keyword; both parts must match. An omitted part, or one that is exactly `*`, is no
    /// condition at all: it matches even a message without such a header.
    public func matches(_ addresses: MessageAddresses) -> Bool {
        Self.part(from, matchesAnyOf: addresses.from) && Self.part(to, matchesAnyOf: addresses.recipients)
    }

    static func part(_ keyword: String?, matchesAnyOf addresses: [String]) -> Bool {
        guard let keyword, keyword != "*" else { return true }
        return addresses.contains { Wildcard.matches(keyword, $0) }
    }
}

/// The addresses a white-list looks at.
public struct MessageAddresses: Sendable, Hashable {
    /// Addresses of every `From:` field.
    public var from: [String]
    /// Addresses of every `To:`, `Cc:` and `Bcc:` field (several fields of one name included).
    public var recipients: [String]

    public init(from: [String], recipients: [String]) {
        self.from = from
        self.recipients = recipients
    }

    public init(header block: HeaderBlock, of message: ByteBuffer) {
        func collect(_ names: [String]) -> [String] {
            var result: [String] = []
            for name in names {
                for field in block.fields(named: name, in: message) {
                    let value = block.unfoldedValue(of: field, in: message, limit: HeaderLimits.maximumHeaderBlockOctets)
                    result += AddressList.addresses(in: value)
                    if result.count >= HeaderLimits.maximumAddressCount { return result }
                }
            }
            return result
        }
        self.from = collect(["From"])
        self.recipients = collect(["To", "Cc", "Bcc"])
    }
}

/// The white-list in effect: the patterns and the enabled set (docs/product.md §6).
public struct WhiteList: Sendable, Hashable {
    public var patterns: [WhiteListPattern]
    /// Pattern numbers of the enabled set, in the order the set lists them; empty when no set
    /// is enabled (then nothing matches).
    public var activeSet: [Int]

    public init(patterns: [WhiteListPattern], activeSet: [Int]) {
        self.patterns = patterns
        self.activeSet = activeSet
    }

    /// The number of the first pattern of the active set (in the set's order) that matches, for
    /// the log line `Match white-list pattern (ID)` and the per-pattern counter; nil when none
    /// does. Numbers of the set without a defined pattern are skipped.
    public func match(_ addresses: MessageAddresses) -> Int? {
        for number in activeSet {
            guard let pattern = patterns.first(where: { $0.number == number }) else { continue }
            if pattern.matches(addresses) { return number }
        }
        return nil
    }
}

/// `*` wildcard matching: `*` stands for any run of characters (empty included), every other
/// character for itself, compared case-insensitively.
public enum Wildcard {
    public static func matches(_ pattern: String, _ text: String) -> Bool {
        let p = Array(pattern.lowercased()), t = Array(text.lowercased())
        // Iterative matching with one backtrack point: O(|p|·|t|) at worst, no recursion.
        var pi = 0, ti = 0
        var star = -1, starText = 0
        while ti < t.count {
            if pi < p.count && p[pi] != "*" && p[pi] == t[ti] {
                pi += 1
                ti += 1
            } else if pi < p.count && p[pi] == "*" {
                star = pi
                starText = ti
                pi += 1
            } else if star >= 0 {
                pi = star + 1
                starText += 1
                ti = starText
            } else {
                return false
            }
        }
        while pi < p.count && p[pi] == "*" { pi += 1 }
        return pi == p.count
    }
}

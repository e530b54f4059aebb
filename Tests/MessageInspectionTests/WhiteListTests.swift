import MessageInspection
import NIOCore
import Testing

struct WhiteListTests {
    @Test(arguments: [
        ("*", "anything@example.com", true),
        ("*", "", true),
        ("*@example.com", "user@example.com", true),
        ("*@example.com", "USER@EXAMPLE.COM", true),
        ("*@EXAMPLE.com", "user@example.com", true),
        ("*@example.com", "user@sub.example.com", false),
        ("*@*example.com", "user@sub.example.com", true),
        ("*example.com", "user@badexample.com", true),
        ("user@example.com", "user@example.com", true),
        ("user@example.com", "user@example.com.evil", false),
        ("user@example.com", "xuser@example.com", false),
        ("u*r@*.com", "user@example.com", true),
        ("u*r@*.com", "user@example.org", false),
        ("a*b*c", "aXbYc", true),
        ("a*b*c", "aXcYb", false),
        ("**", "x", true),
        ("", "", true),
        ("", "x", false),
        ("*a", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaab", false),
    ])
    func wildcard(pattern: String, text: String, matches: Bool) {
        #expect(Wildcard.matches(pattern, text) == matches)
    }

    static let addresses = MessageAddresses(
        from: ["boss@corp.example"],
        recipients: ["alice@corp.example", "partner@other.example"])

    @Test(arguments: [
        (WhiteListPattern(number: 1), true),
        (WhiteListPattern(number: 1, from: "*@corp.example"), true),
        (WhiteListPattern(number: 1, from: "*@other.example"), false),
        // to= matches when ANY recipient matches.
        (WhiteListPattern(number: 1, to: "partner@*"), true),
        (WhiteListPattern(number: 1, to: "nobody@*"), false),
        // Both parts must match.
        (WhiteListPattern(number: 1, from: "boss@*", to: "*@other.example"), true),
        (WhiteListPattern(number: 1, from: "boss@*", to: "*@third.example"), false),
        (WhiteListPattern(number: 1, from: "x@*", to: "*@other.example"), false),
        (WhiteListPattern(number: 1, from: "*", to: "*"), true),
    ])
    func pattern(_ pattern: WhiteListPattern, matches: Bool) {
        #expect(pattern.matches(Self.addresses) == matches)
    }

    @Test func omittedOrStarPartMatchesAMessageWithoutThatHeader() {
        let noFrom = MessageAddresses(from: [], recipients: ["a@b.example"])
        #expect(WhiteListPattern(number: 1, to: "a@*").matches(noFrom))
        #expect(WhiteListPattern(number: 1, from: "*", to: "a@*").matches(noFrom))
        #expect(!WhiteListPattern(number: 1, from: "*@*", to: "a@*").matches(noFrom))
    }

    @Test func activeSetIsAnOrInSetOrder() {
        let list = WhiteList(
            patterns: [
                WhiteListPattern(number: 1, from: "*@nowhere.example"),
                WhiteListPattern(number: 2, to: "alice@*"),
                WhiteListPattern(number: 3, from: "boss@*"),
            ],
            activeSet: [7, 1, 3, 2])
        // 7 is not defined (skipped), 1 does not match, 3 is the first that does.
        #expect(list.match(Self.addresses) == 3)
        #expect(WhiteList(patterns: list.patterns, activeSet: [1]).match(Self.addresses) == nil)
        #expect(WhiteList(patterns: list.patterns, activeSet: []).match(Self.addresses) == nil)
    }

    /// From a real header block: display names, quotes, groups, comments and case.
    @Test func matchesFromARealHeader() {
        let message = ByteBuffer(string: """
        From: "Support (EU)" <Support@Vendor.Example> (sales)\r
        To: undisclosed-recipients:;\r
        Cc: Team: "j doe"@Corp.Example, =?UTF-8?B?44G/44GR44KL?= <Boss@corp.example>;\r
        Subject: offer\r
        \r
        body\r

        """)
        let addresses = MessageAddresses(header: HeaderBlock(parsing: message), of: message)
        #expect(addresses.from == ["Support@Vendor.Example"])
        #expect(addresses.recipients == ["j doe@Corp.Example", "Boss@corp.example"])
        let list = WhiteList(patterns: [
            WhiteListPattern(number: 4, from: "support@vendor.example", to: "boss@corp.example"),
            WhiteListPattern(number: 5, from: "*@vendor.example", to: "j doe@*"),
        ], activeSet: [5, 4])
        #expect(list.match(addresses) == 5)
        #expect(WhiteList(patterns: list.patterns, activeSet: [4]).match(addresses) == 4)
    }
}

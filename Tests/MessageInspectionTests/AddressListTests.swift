import MessageInspection
import NIOCore
import Testing

struct AddressListTests {
    @Test(arguments: [
        ("a@example.com", ["a@example.com"]),
        ("John Doe <john@example.com>", ["john@example.com"]),
        ("\"Doe, John\" <john@example.com>, jane@example.com (Jane)", ["john@example.com", "jane@example.com"]),
        ("=?UTF-8?B?44G/44GR44KL?= <raasdnil@gmail.com>", ["raasdnil@gmail.com"]),
        ("\"john doe\"@example.com", ["john doe@example.com"]),
        ("\"a\\\"b\"@example.com", ["a\"b@example.com"]),
        ("undisclosed-recipients:;", []),
        ("Team: a@x.example, <b@y.example>;, c@z.example", ["a@x.example", "b@y.example", "c@z.example"]),
        ("Team: ;", []),
        ("(comment) a (more (nested) comment) @ example.com", ["a@example.com"]),
        ("<@route1,@route2:user@example.com>", ["user@example.com"]),
        ("user@[192.0.2.1]", ["user@[192.0.2.1]"]),
        (" , , a@b.example,,", ["a@b.example"]),
        ("John Smith", []),
        // Leniency: a display name without angle brackets.
        ("Stefanie Schwabe stefanie.schwabe@wanadoo.fr", ["stefanie.schwabe@wanadoo.fr"]),
        ("first . last @ example.com", ["first.last@example.com"]),
        ("localrecipient", ["localrecipient"]),
        ("M\u{E4}ry <m\u{E4}ry@ex\u{E4}mple.net>", ["m\u{E4}ry@ex\u{E4}mple.net"]),
        ("Pete(A nice \\) chap) <pete(his account)@silly.test(his host)>", ["pete@silly.test"]),
        ("\"unterminated <x@y>", []),
        ("<unterminated@x", ["unterminated@x"]),
    ] as [(String, [String])])
    func parses(value: String, addresses: [String]) {
        #expect(AddressList.addresses(in: Array(value.utf8)) == addresses)
    }

    /// RFC 2822 Appendix A.1.2: display names with specials, quoted pairs in quoted strings.
    @Test func rfcExampleFixture() throws {
        let message = try Fixture.buffer("mailgem__rfc2822_example03.eml")
        let addresses = MessageAddresses(header: HeaderBlock(parsing: message), of: message)
        #expect(addresses.from == ["john.q.public@example.com"])
        #expect(addresses.recipients == ["mary@x.test", "jdoe@example.org", "one@y.test", "boss@nil.test", "sysservices@example.net"])
    }

    /// RFC 5322 Appendix A.1.3 group syntax.
    @Test func rfcExampleGroups() {
        let value = "A Group:Ed Jones <c@a.test>,joe@where.test,John <jdoe@one.test>;, Undisclosed recipients:;"
        #expect(AddressList.addresses(in: Array(value.utf8)) == ["c@a.test", "joe@where.test", "jdoe@one.test"])
    }

    @Test func severalFieldsAndCcBcc() {
        let message = ByteBuffer(string: """
        From: a@one.example\r
        To: b@two.example\r
        To: c@three.example\r
        Cc: d@four.example\r
        Bcc: e@five.example\r
        \r
        To: not-a-header@body.example\r

        """)
        let addresses = MessageAddresses(header: HeaderBlock(parsing: message), of: message)
        #expect(addresses.from == ["a@one.example"])
        #expect(addresses.recipients == ["b@two.example", "c@three.example", "d@four.example", "e@five.example"])
    }

    @Test func hugeFoldedTo() throws {
        let message = try Fixture.buffer("mimekit__stack-overflow.txt")
        let addresses = MessageAddresses(header: HeaderBlock(parsing: message), of: message)
        #expect(!addresses.recipients.isEmpty)
        #expect(addresses.recipients.count <= HeaderLimits.maximumAddressCount)
    }
}

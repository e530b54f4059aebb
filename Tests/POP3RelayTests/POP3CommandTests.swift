import NIOCore
import Testing
@testable import POP3Relay

@Test(arguments: [
    ("RETR 1", POP3Command.Keyword.retr, "1", 1 as Int?),
    ("retr 12", .retr, "12", 12),
    ("TOP 3 10", .top, "3 10", 3),
    ("LIST", .list, "", nil),
    ("Capa", .capa, "", nil),
    ("STLS", .stls, "", nil),
    ("APOP mrose c4c9334bac560ecc979e58001b3e22fb", .apop, "mrose c4c9334bac560ecc979e58001b3e22fb", nil),
    ("XTND XMIT", .other, "XMIT", nil),
    ("RETR -1", .retr, "-1", nil),
    ("RETR 99999999999", .retr, "99999999999", nil),
])
func commandsAreSplitIntoKeywordAndArgument(line: String, keyword: POP3Command.Keyword, argument: String, number: Int?) {
    let command = POP3Command.parse(ByteBuffer(string: line))
    #expect(command.keyword == keyword)
    #expect(command.argument == argument)
    #expect(command.messageNumber == number)
}

@Test(arguments: [
    ("TOP 1 0", false),
    ("TOP 1 10", false),
    ("TOP 1 99999", false),           // just under `POP3Limits.wholeMessageTopLines`
    ("TOP 1 100000", true),
    ("top 1 99999999", true),         // fetchmail 6.4's "everything"
    ("TOP 1 2147483647", true),
    ("TOP 1 99999999999999999999999", true),  // too large for an Int: still "everything"
    ("TOP 1", false),
    ("TOP 1 x", false),
    ("RETR 1 99999999", false),
])
func aTOPAsksForTheWholeMessageFromTheNamedLineCountOn(line: String, whole: Bool) {
    #expect(POP3Command.parse(ByteBuffer(string: line)).isWholeMessageTop == whole)
}

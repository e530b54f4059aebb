import NIOCore
import Testing
@testable import POP3Relay

@Test(arguments: [
    ("+OK", POP3Response.Status.ok),
    ("+OK 120 octets", .ok),
    ("+ok lenient", .ok),
    ("-ERR", .err),
    ("-ERR [IN-USE] locked", .err),
    ("+ VXNlcm5hbWU6", .continuation),
    ("+", .continuation),
])
func statusLinesAreRecognised(line: String, status: POP3Response.Status) {
    #expect(POP3Response.parse(ByteBuffer(string: line))?.status == status)
}

@Test(arguments: ["", "OK", "+OKAY", "-ERROR", "+\tx", "250 ok", "-"])
func anythingElseIsGarbage(line: String) {
    #expect(POP3Response.parse(ByteBuffer(string: line)) == nil)
}

@Test(arguments: [
    ("-ERR [SYS/TEMP] try later", POP3ResponseCode.sysTemp),
    ("-ERR [SYS/PERM] gone", .sysPerm),
    ("-ERR [AUTH] bad password", .auth),
    ("-ERR [IN-USE] locked", .inUse),
    ("-ERR [LOGIN-DELAY] wait", .loginDelay),
    ("-ERR [sys/temp] lower case", .sysTemp),
    ("-ERR [X-VENDOR/THING] other", .other("X-VENDOR/THING")),
])
func responseCodesOfRFC2449And3206AreRead(line: String, code: POP3ResponseCode) {
    #expect(POP3Response.parse(ByteBuffer(string: line))?.code == code)
}

@Test(arguments: ["-ERR no code", "-ERR [unterminated", "-ERR", "+OK x [SYS/TEMP]"])
func linesWithoutALeadingBracketHaveNoCode(line: String) {
    #expect(POP3Response.parse(ByteBuffer(string: line))?.code == nil)
}

@Test(arguments: [
    ("+OK 1234 octets", 1234, "+OK 1250 octets\r\n"),
    ("+OK 1234", 1234, "+OK 1250\r\n"),
    ("+OK message follows", nil, "+OK message follows\r\n"),
    ("+OK 12a octets", nil, "+OK 12a octets\r\n"),
    ("+OK  1234 octets", nil, "+OK  1234 octets\r\n"),
])
func octetCountIsFoundAndCorrectedKeepingTheRestOfTheLine(line: String, count: Int?, corrected: String) {
    let response = POP3Response.parse(ByteBuffer(string: line))!
    #expect(response.octetCount == count)
    #expect(response.wire(statingOctetCount: 1250).string == corrected)
}

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

@Test func capabilityFilterRemovesTagsCaseInsensitivelyAndKeepsParameters() {
    let out = POP3CapabilityFilter.filter(ByteBuffer(string: "USER\r\nstls\r\nPIPELINING\r\nSASL PLAIN\r\n.odd\r\n"), removing: POP3CapabilityFilter.removedByDefault)
    #expect(out.string == "USER\r\nSASL PLAIN\r\n..odd\r\n.\r\n")
}

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

@Test(arguments: ["", "OK", "+OKAY", "-ERROR", "+\tx", "250 ok", "-", "+OK a\rb", "+OK\r", "+ \r"])
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

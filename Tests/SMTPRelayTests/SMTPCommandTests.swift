import NIOCore
import Testing
@testable import SMTPRelay

struct CommandCase: CustomTestStringConvertible, Sendable {
    let line: String
    let verb: SMTPCommand.Verb
    let argument: String
    var testDescription: String { line }
}

let commandCases: [CommandCase] = [
    .init(line: "EHLO pc.example.com", verb: .ehlo, argument: "pc.example.com"),
    .init(line: "helo x", verb: .helo, argument: "x"),
    .init(line: "HELO", verb: .helo, argument: ""),
    .init(line: "MAIL FROM:<a@b> SIZE=10", verb: .mail, argument: "FROM:<a@b> SIZE=10"),
    .init(line: "Rcpt To:<c@d>", verb: .rcpt, argument: "To:<c@d>"),
    .init(line: "DATA", verb: .data, argument: ""),
    .init(line: "data", verb: .data, argument: ""),
    .init(line: "RSET", verb: .rset, argument: ""),
    .init(line: "NOOP hello", verb: .noop, argument: "hello"),
    .init(line: "QUIT", verb: .quit, argument: ""),
    .init(line: "VRFY postel", verb: .vrfy, argument: "postel"),
    .init(line: "EXPN list", verb: .expn, argument: "list"),
    .init(line: "HELP", verb: .help, argument: ""),
    .init(line: "AUTH PLAIN AGEAYg==", verb: .auth, argument: "PLAIN AGEAYg=="),
    .init(line: "StartTLS", verb: .starttls, argument: ""),
    .init(line: "BDAT 100 LAST", verb: .bdat, argument: "100 LAST"),
    .init(line: "TURN", verb: .turn, argument: ""),
    .init(line: "XCLIENT ADDR=1.2.3.4", verb: .xclient, argument: "ADDR=1.2.3.4"),
    .init(line: "xforward NAME=x", verb: .xforward, argument: "NAME=x"),
    .init(line: "XCLIENTS x", verb: .other, argument: "x"),
    .init(line: "DATAX", verb: .other, argument: ""),
    .init(line: "", verb: .other, argument: ""),
    .init(line: "\u{00FF}\u{0001}garbage", verb: .other, argument: ""),
]

@Test(arguments: commandCases)
func commandParsesVerbAndArgument(_ c: CommandCase) {
    let command = SMTPCommand.parse(ByteBuffer(string: c.line))
    #expect(command.verb == c.verb)
    #expect(command.argument == c.argument)
}

@Test func commandNeverCrashesOnInvalidUTF8() {
    let command = SMTPCommand.parse(ByteBuffer(bytes: [0xFF, 0xFE, 0x20, 0xC3]))
    #expect(command.verb == .other)
}

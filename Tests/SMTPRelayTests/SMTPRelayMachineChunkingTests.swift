import NIOCore
import Testing
@testable import SMTPRelay
import MailRelay

/// One step of a session: bytes from one side, or a decision.
enum Step: Sendable {
    case client(String)
    case server(String)
    case decide(RelayDecision)
}

/// Actions with consecutive `storeContent` merged: how content is cut depends on the reads,
/// what is stored must not.
func merged(_ actions: [Action]) -> [Action] {
    var out: [Action] = []
    for action in actions {
        if case .storeContent(let next) = action, case .storeContent(var previous)? = out.last {
            previous.writeImmutableBuffer(next)
            out[out.count - 1] = .storeContent(previous)
        } else {
            out.append(action)
        }
    }
    return out
}

func run(_ steps: [Step], oneByteAtATime: Bool) -> [Action] {
    var machine = SMTPRelayMachine()
    var actions: [Action] = []
    for step in steps {
        switch step {
        case .client(let text), .server(let text):
            let isClient = if case .client = step { true } else { false }
            let pieces: [ByteBuffer] = oneByteAtATime ? text.utf8.map { ByteBuffer(bytes: [$0]) } : [ByteBuffer(string: text)]
            for piece in pieces {
                machine.handle(isClient ? .clientReceived(piece) : .serverReceived(piece), into: &actions)
            }
        case .decide(let decision):
            machine.handle(.decision(decision), into: &actions)
        }
    }
    return merged(actions)
}

struct SessionScript: CustomTestStringConvertible, Sendable {
    let name: String
    let steps: [Step]
    var testDescription: String { name }
}

let sessionScripts: [SessionScript] = [
    .init(name: "clean session", steps: [
        .server("220-mx\r\n220 ready\r\n"), .client("EHLO pc\r\n"), .server("250-mx\r\n250-PIPELINING\r\n250 STARTTLS\r\n"),
        .client("MAIL FROM:<a@b>\r\n"), .server("250 ok\r\n"), .client("RCPT TO:<c@d>\r\n"), .server("250 ok\r\n"),
        .client("DATA\r\n"), .client("Subject: x\r\n\r\n..a\r\n.b\r\n\n.\nz\r\n.\r\n"), .decide(.deliverUnchanged),
        .server("354 go\r\n"), .server("250 queued\r\n"), .client("QUIT\r\n"), .server("221 bye\r\n"),
    ]),
    .init(name: "pipelined", steps: [
        .server("220 mx\r\n"),
        .client("MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\nhello\r\n.\r\nRSET\r\nQUIT\r\n"),
        .server("250 ok\r\n"), .server("250 ok\r\n"), .decide(.contentRejected), .server("250 reset\r\n"),
        .server("250 reset\r\n"), .server("221 bye\r\n"),
    ]),
    .init(name: "BDAT, STARTTLS, AUTH, over-long line", steps: [
        .server("220 mx\r\n"), .client("STARTTLS\r\nBDAT 6\r\nQUIT\r\n" + String(repeating: "x", count: 700) + "\r\nAUTH LOGIN\r\n"),
        .server("334 VXNlcm5hbWU6\r\n"), .client("dXNlcg==\r\n"), .server("235 ok\r\n"),
    ]),
]

@Test(arguments: sessionScripts)
func sessionFedOneByteAtATimeActsTheSame(_ script: SessionScript) {
    let whole = run(script.steps, oneByteAtATime: false)
    let bytewise = run(script.steps, oneByteAtATime: true)
    #expect(whole == bytewise)
    #expect(whole.count > 5)
}

@Test func bareCRInACommandIsRefused() {
    var h = RelayHarness()
    _ = h.server("220 mx\r\n")
    #expect(h.client("NOOP\rDATA\r\n") == [.toClient("500 5.5.2 Syntax error: bare CR in command\r\n")])
}

import NIOCore
import Testing
@testable import POP3Relay
import MailRelay

typealias Action = POP3RelayMachine.Action

extension POP3RelayMachine.Action {
    static func toServer(_ text: String) -> Self { .sendToServer(ByteBuffer(string: text)) }
    static func toClient(_ text: String) -> Self { .replyToClient(ByteBuffer(string: text)) }
    static func store(_ text: String) -> Self { .storeContent(ByteBuffer(string: text)) }
}

/// The instant the tests' clock starts at; `.tick(at(s))` is `s` seconds later.
let origin = NIODeadline.uptimeNanoseconds(1_000_000_000)
func at(_ seconds: Int64) -> NIODeadline { origin + .seconds(seconds) }

/// One event of a scripted session (docs/engineering-habits.md, habit 11).
enum Step: CustomStringConvertible {
    case client(String)
    case server(String)
    case decide(POP3Decision)
    case tick(Int64)
    case clientClosed
    case serverClosed

    var description: String {
        switch self {
        case .client(let s): return "C: \(s.debugDescription.prefix(60))"
        case .server(let s): return "S: \(s.debugDescription.prefix(60))"
        case .decide(let d): return "decision \(d)"
        case .tick(let s): return "tick \(s)s"
        case .clientClosed: return "client closed"
        case .serverClosed: return "server closed"
        }
    }
}

/// Joins adjacent writes of the same kind (to the client, to the server, to the store), so that
/// a session read in one piece and the same session read one byte at a time compare equal: how
/// the bytes were cut into writes is the I/O layer's business, the bytes and their order are not.
func coalesced(_ actions: [Action]) -> [Action] {
    var out: [Action] = []
    for action in actions {
        switch (out.last, action) {
        case (.replyToClient(var a)?, .replyToClient(var b)):
            a.writeBuffer(&b); out[out.count - 1] = .replyToClient(a)
        case (.sendToServer(var a)?, .sendToServer(var b)):
            a.writeBuffer(&b); out[out.count - 1] = .sendToServer(a)
        case (.storeContent(var a)?, .storeContent(var b)):
            a.writeBuffer(&b); out[out.count - 1] = .storeContent(a)
        default:
            out.append(action)
        }
    }
    return out
}

/// Runs a script, returning each step's (coalesced) actions; `byteAtATime` feeds every byte of
/// every read as its own event.
func run(_ steps: [Step], _ configuration: POP3RelayConfiguration, byteAtATime: Bool, machine: inout POP3RelayMachine) -> [[Action]] {
    steps.map { step in
        var actions: [Action] = []
        func feed(_ text: String, _ event: (ByteBuffer) -> POP3RelayMachine.Event) {
            let bytes = Array(text.utf8)
            if byteAtATime {
                for byte in bytes { machine.handle(event(ByteBuffer(bytes: [byte])), into: &actions) }
            } else {
                machine.handle(event(ByteBuffer(bytes: bytes)), into: &actions)
            }
        }
        switch step {
        case .client(let text): feed(text) { .clientReceived($0) }
        case .server(let text): feed(text) { .serverReceived($0) }
        case .decide(let decision): machine.handle(.decision(decision), into: &actions)
        case .tick(let seconds): machine.handle(.tick(at(seconds)), into: &actions)
        case .clientClosed: machine.handle(.clientClosed, into: &actions)
        case .serverClosed: machine.handle(.serverClosed, into: &actions)
        }
        return coalesced(actions)
    }
}

/// Checks a transcript — each step with the actions it must cause — twice: the reads as
/// written, and every read cut into single bytes. Returns the machine after the whole-read run.
@discardableResult
func expectTranscript(
    _ transcript: [(Step, [Action])],
    _ configuration: POP3RelayConfiguration = POP3RelayConfiguration(),
    sourceLocation: SourceLocation = #_sourceLocation
) -> POP3RelayMachine {
    let steps = transcript.map(\.0)
    var result = POP3RelayMachine(configuration: configuration)
    for byteAtATime in [false, true] {
        var machine = POP3RelayMachine(configuration: configuration)
        let got = run(steps, configuration, byteAtATime: byteAtATime, machine: &machine)
        for (index, (step, expected)) in transcript.enumerated() {
            #expect(got[index] == coalesced(expected), "step \(index) \(step) byteAtATime=\(byteAtATime)", sourceLocation: sourceLocation)
        }
        if !byteAtATime { result = machine }
    }
    return result
}

/// The opening every retrieval test shares: greeting, USER/PASS accepted.
let loggedIn: [(Step, [Action])] = [
    (.tick(0), []),
    (.server("+OK POP3 ready\r\n"), [.toClient("+OK POP3 ready\r\n")]),
    (.client("USER alice\r\n"), [.toServer("USER alice\r\n")]),
    (.server("+OK\r\n"), [.toClient("+OK\r\n")]),
    (.client("PASS secret\r\n"), [.toServer("PASS secret\r\n")]),
    (.server("+OK Welcome.\r\n"), [.toClient("+OK Welcome.\r\n")]),
]

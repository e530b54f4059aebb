import NIOCore
import Testing
@testable import SMTPRelay
import MailRelay
import TestSupport

/// Bytes that look enough like SMTP to reach deep states: verbs, codes, dots, line endings.
private let pieces: [String] = [
    "\r\n", "\n", "\r", ".", "..", " ", "-", "250", "354", "334", "421", "550", "221", "220",
    "EHLO x", "MAIL FROM:<a@b>", "RCPT TO:<c@d>", "DATA", "BDAT 3", "AUTH LOGIN", "RSET", "QUIT",
    "STARTTLS", "SIZE=99999999", "\u{0}", "\u{FF}", "x",
]

@Test(arguments: 0..<40)
func arbitraryBytesFromBothSidesNeverCrashAndRepliesStayWellFormed(seed: Int) {
    var rng = SeededGenerator(state: UInt64(seed))
    var machine = SMTPRelayMachine(configuration: SMTPRelayConfiguration(maximumMessageSize: 64, sizeOverflow: seed % 2 == 0 ? .pass : .reject))
    var actions: [SMTPRelayMachine.Action] = []
    for _ in 0..<300 {
        var text = ""
        for _ in 0..<Int.random(in: 1...12, using: &rng) { text += pieces.randomElement(using: &rng)! }
        let bytes = ByteBuffer(string: text)
        switch Int.random(in: 0..<10, using: &rng) {
        case 0..<4: machine.handle(.clientReceived(bytes), into: &actions)
        case 4..<8: machine.handle(.serverReceived(bytes), into: &actions)
        case 8:
            let decisions: [RelayDecision] = [
                .deliverUnchanged, .deliverRewritten(header: bytes, replacing: bytes.readableBytes / 2), .contentRejected, .serviceUnavailable,
                .transfer(notification: bytes, envelope: SMTPEnvelope(reversePath: "n@x", forwardPaths: ["a@x"])),
            ]
            machine.handle(.decision(decisions.randomElement(using: &rng)!), into: &actions)
        default:
            let events: [SMTPRelayMachine.Event] = [.keepaliveDue, .timeout(.client), .timeout(.server), .timeout(.decision)]
            machine.handle(events.randomElement(using: &rng)!, into: &actions)
        }
        if machine.isClosed { break }
    }
    for action in actions {
        switch action {
        case .replyToClient(let bytes):
            // Every reply the client gets is whole: code, text, CRLF.
            let view = Array(bytes.readableBytesView)
            #expect(view.count >= 5 && view.suffix(2) == [13, 10], "\(action)")
        case .sendToServer(let bytes):
            #expect(Array(bytes.readableBytesView.suffix(2)) == [13, 10], "\(action)")
        default:
            break
        }
    }
    #expect(!actions.isEmpty)
}

import NIOCore
import SMTPRelay
import MailRelay

typealias Action = SMTPRelayMachine.Action

/// The envelope of `RelayHarness.inTransaction()` with its defaults.
let transactionEnvelope = SMTPEnvelope(reversePath: "a@example.com", forwardPaths: ["b@example.net"])

extension SMTPRelayMachine.Action {
    static func toServer(_ text: String) -> Self { .sendToServer(ByteBuffer(string: text)) }
    static func toClient(_ text: String) -> Self { .replyToClient(ByteBuffer(string: text)) }
    static func store(_ text: String) -> Self { .storeContent(ByteBuffer(string: text)) }
}

/// Drives one relay the way a session transcript reads (docs/engineering-habits.md, habit 11): each call is one event, the
/// result the actions it caused.
struct RelayHarness {
    var machine: SMTPRelayMachine

    init(_ configuration: SMTPRelayConfiguration = SMTPRelayConfiguration()) {
        machine = SMTPRelayMachine(configuration: configuration)
    }

    mutating func client(_ text: String) -> [Action] { machine.handle(.clientReceived(ByteBuffer(string: text))) }
    mutating func client(bytes: [UInt8]) -> [Action] { machine.handle(.clientReceived(ByteBuffer(bytes: bytes))) }
    mutating func server(_ text: String) -> [Action] { machine.handle(.serverReceived(ByteBuffer(string: text))) }
    mutating func decide(_ decision: RelayDecision) -> [Action] { machine.handle(.decision(decision)) }
    mutating func event(_ event: SMTPRelayMachine.Event) -> [Action] { machine.handle(event) }

    /// Greeting, EHLO, MAIL and one RCPT accepted; returns nothing (checked elsewhere).
    static func inTransaction(
        _ configuration: SMTPRelayConfiguration = SMTPRelayConfiguration(),
        from: String = "a@example.com", to: [String] = ["b@example.net"]
    ) -> RelayHarness {
        var h = RelayHarness(configuration)
        _ = h.server("220 mx.example.net ESMTP\r\n")
        _ = h.client("EHLO pc.example.com\r\n")
        _ = h.server("250-mx.example.net\r\n250 8BITMIME\r\n")
        _ = h.client("MAIL FROM:<\(from)>\r\n")
        _ = h.server("250 2.1.0 Ok\r\n")
        for recipient in to {
            _ = h.client("RCPT TO:<\(recipient)>\r\n")
            _ = h.server("250 2.1.5 Ok\r\n")
        }
        return h
    }

    /// In a transaction, DATA given and the content sent; the relay now waits for a decision.
    static func scanning(
        _ configuration: SMTPRelayConfiguration = SMTPRelayConfiguration(),
        content: String = "Subject: t\r\n\r\nhello\r\n.\r\n"
    ) -> RelayHarness {
        var h = inTransaction(configuration)
        _ = h.client("DATA\r\n")
        _ = h.client(content)
        return h
    }
}

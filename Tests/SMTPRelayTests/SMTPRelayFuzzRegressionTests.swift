import NIOCore
import SMTPRelay
import Testing
import MailRelay

/// Inputs the fuzz target `fuzz-smtp-relay` (fuzz/targets/) found breaking an invariant, kept as
/// fixtures (`Fixtures/fuzz__*.script`) and replayed here.
///
/// A script is what the fuzz target reads (fuzz/targets/FuzzSupport/SessionScript.swift): two
/// bytes of configuration, then records — a kind byte; for client (kind % 8 in 0, 1, 2, 7) and
/// server (3, 4) bytes a two-byte big-endian length (modulo 4097) and the bytes.
/// This replay knows only those two kinds, which is all the fixtures hold.
func replayScript(_ script: [UInt8]) -> [SMTPRelayMachine.Action] {
    var machine = SMTPRelayMachine()
    var actions: [SMTPRelayMachine.Action] = []
    var i = 2
    while i + 2 < script.count {
        let kind = script[i] % 8
        let length = (Int(script[i + 1]) << 8 | Int(script[i + 2])) % 4097
        let bytes = ByteBuffer(bytes: script[(i + 3)..<min(script.count, i + 3 + length)])
        i += 3 + length
        switch kind {
        case 0, 1, 2, 7: machine.handle(.clientReceived(bytes), into: &actions)
        case 3, 4: machine.handle(.serverReceived(bytes), into: &actions)
        default: Issue.record("record kind \(kind) not replayed")
        }
    }
    return actions
}

/// Every reply to the client is whole CRLF lines: no CR or LF but the line endings.
func isCRLFLines(_ buffer: ByteBuffer) -> Bool {
    let bytes = Array(buffer.readableBytesView)
    guard bytes.count >= 2, bytes.suffix(2) == [0x0D, 0x0A] else { return false }
    for (i, byte) in bytes.enumerated() {
        if byte == 0x0D && (i + 1 == bytes.count || bytes[i + 1] != 0x0A) { return false }
        if byte == 0x0A && (i == 0 || bytes[i - 1] != 0x0D) { return false }
    }
    return true
}

/// A server greeting `220 mx ESP<NUL><CR><NUL><LF>`: its bare CR went to the client as it was.
/// The reply is now malformed (RFC 5321 §4.2): the client hears the relay's 421 and the session
/// closes, as for any reply the relay cannot read.
@Test func serverReplyWithABareCRIsNotRelayed() throws {
    let actions = replayScript(try fixture("fuzz__reply-with-bare-cr.script"))
    var replies: [ByteBuffer] = []
    for case .replyToClient(let reply) in actions { replies.append(reply) }
    #expect(!replies.isEmpty)
    for reply in replies { #expect(isCRLFLines(reply), "\(reply.string.debugDescription)") }
    #expect(actions.contains(.notice(.serverProtocolError(.malformedLine))))
    #expect(actions.contains(.closeClient))
}

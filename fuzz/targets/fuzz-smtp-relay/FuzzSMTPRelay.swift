import FuzzSupport
import LineProtocol
import NIOCore
import SMTPRelay
import MailRelay

/// The SMTP relay machine driven by a session script (client bytes, server bytes, decisions,
/// closes, timeouts), with a model of the I/O layer's message store, checking after every event:
/// - every command to the server is one CRLF line; every content write carries exactly one
///   end of data, at its end — the relay never lets a second message follow the first;
/// - content is stored only while a message is collected, and the stored message delivered
///   at most once, only after the scan was asked for;
/// - replies to the client are CRLF lines with a three-digit code;
/// - nothing is written to a side after it was closed;
/// - client reads stay paused while more than `maximumQueuedCommandBytes` wait;
/// - STARTTLS keeps `TLSUpgradeModel`'s order under the policy the input picks.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSMTPRelay(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    var input = FuzzInput(data, size)
    let settings = input.byte()
    let configuration = SMTPRelayConfiguration(
        maximumMessageSize: 1 + Int(input.byte()) * 64,
        sizeOverflow: settings & 1 == 0 ? .pass : .reject,
        bareLineFeeds: settings & 2 == 0 ? .normalize : .reject,
        tls: TLSUpgradeModel.policy(settings)
    )
    var relay = SMTPRelayModel(machine: SMTPRelayMachine(configuration: configuration),
                               tls: TLSUpgradeModel(policy: configuration.tls))
    var steps = 0
    while let step = input.nextStep(), steps < 512 {
        steps += 1
        switch step {
        case .client(let bytes):
            // The I/O layer does not read from a paused client.
            if !relay.clientPaused { relay.handle(.clientReceived(ByteBuffer(bytes: bytes))) }
        case .server(let bytes):
            relay.handle(.serverReceived(ByteBuffer(bytes: bytes)))
        case .decision(let choice):
            relay.handle(.decision(decision(choice, input: &input)))
        case .other(let choice):
            switch choice % 9 {
            case 0: relay.handle(.clientClosed)
            case 1: relay.handle(.serverClosed)
            case 2: relay.handle(.timeout(.client))
            case 3: relay.handle(.timeout(.server))
            case 4: relay.handle(.timeout(.decision))
            case 5, 6:
                // A handshake ends only when one was asked for (the session's own guard).
                let side: RelaySide = choice % 9 == 5 ? .server : .client
                if relay.tls.mayFinish(side) {
                    relay.tls.handshakeDone(side)
                    relay.handle(.secured(side))
                }
            default: relay.handle(.keepaliveDue)
            }
        }
    }
    return 0
}

func decision(_ choice: UInt8, input: inout FuzzInput) -> RelayDecision {
    switch choice % 6 {
    case 0, 1: return .deliverUnchanged
    case 2: return .deliverRewritten(header: ByteBuffer(bytes: input.chunk()), replacing: input.uint16() % 512)
    case 3: return .contentRejected
    case 4: return .serviceUnavailable
    default:
        // Addresses as a header could give them: any bytes, a CR or LF among them.
        let from = String(decoding: input.chunk(maximum: 40), as: UTF8.self)
        let count = 1 + input.choice(3)
        let to = (0..<count).map { _ in String(decoding: input.chunk(maximum: 40), as: UTF8.self) }
        return .transfer(notification: ByteBuffer(bytes: input.chunk()),
                         envelope: SMTPEnvelope(reversePath: from, forwardPaths: to))
    }
}

/// The relay plus what the I/O layer around it would hold, with the invariants.
struct SMTPRelayModel {
    var machine: SMTPRelayMachine
    var tls: TLSUpgradeModel
    var actions: [SMTPRelayMachine.Action] = []
    var clientPaused = false
    var clientClosed = false
    var serverClosed = false
    /// The message store: nil when none is open.
    var store: [UInt8]?
    var collecting = false
    var scanned = false
    var delivered = false
    /// The last command line sent to the server (content writes follow a DATA).
    var lastCommand: [UInt8] = []

    mutating func handle(_ event: SMTPRelayMachine.Event) {
        actions.removeAll(keepingCapacity: true)
        machine.handle(event, into: &actions)
        for action in actions { check(action) }
    }

    mutating func check(_ action: SMTPRelayMachine.Action) {
        switch action {
        case .sendToServer(let buffer):
            invariant(!serverClosed, "write to the server after closing it")
            tls.write(to: .server)
            if tls.isOpaque { return }
            let bytes = buffer.bytes
            // After the relay's DATA the next write is the content, unless the relay gives up
            // the transaction (RSET) or the session (QUIT).
            let data = Array("DATA\r\n".utf8), reset = Array("RSET\r\n".utf8), quit = Array("QUIT\r\n".utf8)
            if lastCommand == data && bytes != reset && bytes != quit {
                checkContent(bytes)
                lastCommand = []
            } else {
                invariant(isCommandLine(bytes), "a command to the server is not one CRLF line: \(bytes.prefix(80))")
                lastCommand = bytes
            }
        case .sendStoredMessage(to: .server):
            invariant(!serverClosed, "write to the server after closing it")
            invariant(store != nil && scanned && !collecting, "delivery of a message not stored and scanned")
            invariant(!delivered, "the stored message delivered twice")
            invariant(lastCommand == Array("DATA\r\n".utf8), "content sent without DATA before it")
            delivered = true
            checkContent(DotStuffer.stuff(ByteBuffer(bytes: store ?? [])).bytes)
            lastCommand = []
        case .sendStoredMessage(to: .client):
            // The shared action vocabulary names both sides; SMTP content flows to the server only.
            invariant(false, "SMTP delivered a stored message to the client")
        case .sendRewrittenMessage(let side, let header, let storedFrom):
            invariant(side == .server, "SMTP delivered a rewritten message to the client")
            invariant(!serverClosed, "write to the server after closing it")
            invariant(store != nil && scanned && !collecting, "delivery of a message not stored and scanned")
            invariant(!delivered, "the stored message delivered twice")
            invariant(lastCommand == Array("DATA\r\n".utf8), "content sent without DATA before it")
            delivered = true
            let rest = Array((store ?? []).dropFirst(storedFrom))
            checkContent(DotStuffer.stuff(ByteBuffer(bytes: header.readableBytesView + rest)).bytes)
            lastCommand = []
        case .replyToClient(let buffer):
            invariant(!clientClosed, "reply to the client after closing it")
            tls.write(to: .client)
            if tls.isOpaque { return }
            let bytes = buffer.bytes
            invariant(isCRLFLines(bytes), "a reply to the client is not CRLF lines")
            invariant(bytes.count >= 5 && bytes[0...2].allSatisfy { (0x30...0x39).contains($0) },
                      "a reply to the client without a code")
        case .startCollecting:
            invariant(store == nil, "a new message while one is still held")
            store = []
            collecting = true
            scanned = false
            delivered = false
        case .storeContent(let buffer):
            invariant(collecting && store != nil, "content stored outside a message")
            store! += buffer.bytes
            if machine.configuration.sizeOverflow == .reject {
                invariant(store!.count <= machine.configuration.maximumMessageSize,
                          "over-size content stored under the reject policy")
            }
        case .discardCollected:
            invariant(collecting, "discard outside a message")
            invariant(machine.configuration.sizeOverflow == .reject, "discard under the pass policy")
            store = []
            collecting = false
        case .scanMessage(_, let size):
            invariant(store != nil && !scanned, "scan without a message, or twice")
            invariant(collecting && size == store!.count, "scan size \(size) is not the stored \(store!.count)")
            collecting = false
            scanned = true
        case .releaseMessage:
            invariant(store != nil, "release without a message")
            store = nil
            collecting = false
        case .notice(.overSize(_, delivered: true)):
            // Size overflow pass (docs/product.md §5): the complete message goes unscanned.
            invariant(collecting && store != nil, "an over-size delivery without a message")
            collecting = false
            scanned = true
        case .notice(.tls(.passed)):
            tls.passed()
        case .notice:
            break
        case .secureServer:
            invariant(!serverClosed, "secureServer after closing the server")
            tls.secureServer()
        case .secureClient:
            invariant(!clientClosed, "secureClient after closing the client")
            tls.secureClient()
        case .pauseClientReads:
            invariant(!clientPaused, "paused twice")
            clientPaused = true
        case .resumeClientReads:
            invariant(clientPaused, "resumed without a pause")
            clientPaused = false
        case .closeClient:
            clientClosed = true
        case .closeServer:
            serverClosed = true
        }
    }

    /// A content write: exactly one end of data, at its very end.
    func checkContent(_ bytes: [UInt8]) {
        var decoder = DataContentDecoder()
        let outcome = decoder.decode(ByteBuffer(bytes: bytes)) { _ in }
        guard case .endOfData(let rest) = outcome else {
            invariant(false, "content written to the server without its end of data")
            return
        }
        invariant(rest.readableBytes == 0, "bytes after the end of data: a second message")
    }
}

/// One command line: CRLF at the end, no other CR or LF, within the AUTH line limit.
func isCommandLine(_ bytes: [UInt8]) -> Bool {
    bytes.count <= SMTPLimits.maximumAuthLineLength && isCRLFLines(bytes)
        && bytes.dropLast(2).allSatisfy { $0 != 0x0A && $0 != 0x0D }
}

extension ByteBuffer {
    var bytes: [UInt8] { getBytes(at: readerIndex, length: readableBytes) ?? [] }
}

import FuzzSupport
import LineProtocol
import NIOCore
import POP3Relay
import MailRelay

/// The POP3 relay machine driven by a session script (client bytes, server bytes, decisions,
/// clock ticks, closes), with a model of the I/O layer's message store, checking after every
/// event:
/// - the server hears only lines the client sent (or `*`, the SASL cancel), each one CRLF line:
///   the relay never issues a DELE or a QUIT of its own, so nothing is deleted that the client
///   did not ask to delete (RFC 1939 §6);
/// - content is stored only while a message is collected; a stored message goes to the client
///   at most once, and a rewrite replaces no more than was stored;
/// - nothing is written to a side after it was closed;
/// - client reads stay paused while more than `maximumQueuedCommandBytes` wait;
/// - STLS keeps `TLSUpgradeModel`'s order under the policy the input picks.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPOP3Relay(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    var input = FuzzInput(data, size)
    let settings = input.byte()
    let configuration = POP3RelayConfiguration(
        maximumMessageSize: 1 + Int(input.byte()) * 64,
        unavailablePolicy: settings & 1 == 0 ? .reject : .pass,
        comfortInterval: settings & 2 == 0 ? POP3Limits.defaultComfortInterval : nil,
        tls: TLSUpgradeModel.policy(settings)
    )
    var relay = POP3RelayModel(machine: POP3RelayMachine(configuration: configuration),
                               tls: TLSUpgradeModel(policy: configuration.tls))
    var now = NIODeadline.uptimeNanoseconds(1_000_000_000)
    relay.handle(.tick(now))
    var steps = 0
    while let step = input.nextStep(), steps < 512 {
        steps += 1
        switch step {
        case .client(let bytes):
            relay.clientSent(bytes)
            if !relay.clientPaused { relay.handle(.clientReceived(ByteBuffer(bytes: bytes))) }
        case .server(let bytes):
            relay.handle(.serverReceived(ByteBuffer(bytes: bytes)))
        case .decision(let choice):
            switch choice % 4 {
            case 0, 1: relay.handle(.decision(.deliverUnchanged))
            case 2:
                let header = ByteBuffer(bytes: input.chunk())
                relay.handle(.decision(.deliverRewritten(header: header, replacing: input.uint16() % 512)))
            default: relay.handle(.decision(.serviceUnavailable))
            }
        case .other(let choice):
            switch choice % 8 {
            case 0: relay.handle(.clientClosed)
            case 1: relay.handle(.serverClosed)
            case 2:
                // A handshake ends only when one was asked for (the session's own guard).
                let side: RelaySide = choice & 0x80 == 0 ? .server : .client
                if relay.tls.mayFinish(side) {
                    relay.tls.handshakeDone(side)
                    relay.handle(.secured(side))
                }
            default:
                // Time passes: from one tick (1 s) to beyond every limit (10 min).
                let seconds: Int64 = [1, 5, 15, 50, 60, 700][Int(choice / 8) % 6]
                now = now + .seconds(seconds)
                relay.handle(.tick(now))
            }
        }
    }
    return 0
}

struct POP3RelayModel {
    var machine: POP3RelayMachine
    var tls: TLSUpgradeModel
    var actions: [POP3RelayMachine.Action] = []
    var clientPaused = false
    var clientClosed = false
    var serverClosed = false
    var store: [UInt8]?
    var collecting = false
    var scanned = false
    var delivered = false
    /// Every line the client sent, without its line ending (what the relay may pass on).
    var clientLines: Set<[UInt8]> = [Array("*".utf8)]
    var clientPartialLine: [UInt8] = []

    mutating func clientSent(_ bytes: [UInt8]) {
        for byte in bytes {
            if byte == 0x0A {
                var line = clientPartialLine
                if line.last == 0x0D { line.removeLast() }
                clientLines.insert(line)
                clientPartialLine = []
            } else if clientPartialLine.count < 16 * 1024 {
                clientPartialLine.append(byte)
            }
        }
    }

    mutating func handle(_ event: POP3RelayMachine.Event) {
        actions.removeAll(keepingCapacity: true)
        machine.handle(event, into: &actions)
        for action in actions { check(action) }
    }

    mutating func check(_ action: POP3RelayMachine.Action) {
        switch action {
        case .sendToServer(let buffer):
            invariant(!serverClosed, "write to the server after closing it")
            tls.write(to: .server)
            if tls.isOpaque { return }
            let bytes = buffer.bytes
            invariant(isCRLFLines(bytes) && !bytes.dropLast(2).contains(0x0A),
                      "a command to the server is not one CRLF line")
            invariant(clientLines.contains(Array(bytes.dropLast(2))),
                      "the server got a line the client never sent: \(String(decoding: bytes.prefix(60), as: UTF8.self))")
        case .replyToClient:
            invariant(!clientClosed, "reply to the client after closing it")
            tls.write(to: .client)
        case .startCollecting:
            invariant(store == nil, "a new message while one is still held")
            store = []
            collecting = true
            scanned = false
            delivered = false
        case .storeContent(let buffer):
            invariant(collecting && store != nil, "content stored outside a message")
            store! += buffer.bytes
        case .discardCollected:
            // Only SMTP's over-size reject discards; an over-size RETR is relayed unscanned.
            invariant(false, "POP3 discarded a collected message")
        case .scanMessage(_, let size):
            invariant(collecting && store != nil && !scanned, "scan without a message, or twice")
            invariant(size == store!.count, "scan size \(size) is not the stored \(store!.count)")
            collecting = false
            scanned = true
        case .sendStoredMessage(to: .client):
            invariant(!clientClosed, "write to the client after closing it")
            // TOP content goes unscanned (docs/product.md §3), as does an over-size RETR (docs/product.md §5).
            invariant(store != nil && !delivered, "delivery of no message, or twice")
            delivered = true
        case .sendStoredMessage(to: .server):
            // The shared action vocabulary names both sides; POP3 content flows to the client only.
            invariant(false, "POP3 delivered a stored message to the server")
        case .sendRewrittenMessage(let side, _, let storedFrom):
            invariant(side == .client, "POP3 delivered a rewritten message to the server")
            invariant(!clientClosed, "write to the client after closing it")
            invariant(store != nil && !delivered, "rewritten delivery of no message, or twice")
            invariant(storedFrom >= 0 && storedFrom <= store!.count, "rewrite replaces beyond the stored message")
            delivered = true
        case .releaseMessage:
            invariant(store != nil, "release without a message")
            store = nil
            collecting = false
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
}

extension ByteBuffer {
    var bytes: [UInt8] { getBytes(at: readerIndex, length: readableBytes) ?? [] }
}

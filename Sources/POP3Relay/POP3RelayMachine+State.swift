import LineProtocol
import NIOCore

extension POP3RelayMachine {
    enum Phase: Sendable {
        /// Waiting for the server's greeting; client commands wait in the framer.
        case awaitingGreeting
        /// Ready to serve the next client command.
        case idle
        /// One command is at the server; its status line is awaited.
        case awaitingResponse(Pending)
        /// The server answered AUTH with `+ `: the next client line is a SASL response, raw.
        case authContinuation
        /// Relaying the body of a multi-line response that is not message content.
        case listing(Listing)
        /// Reading RETR or TOP content into the store.
        case collecting(Retrieval)
        /// RETR content complete; waiting for `.decision`.
        case scanning(Retrieval)
        /// STLS accepted by the server: securing the server half, then the client half
        /// (`tls.step` says which).
        case securing
        /// STLS passed (`TLSPolicy.pass`): bytes go unchanged both ways until a close.
        case opaque
        case closed

        /// Whether server bytes go to the content decoder rather than the line framer.
        var readsBody: Bool {
            switch self {
            case .listing, .collecting: return true
            default: return false
            }
        }
    }


    /// What the response the server owes is for, and so whether it is multi-line (RFC 1939 §3).
    enum Pending: Sendable {
        /// Single-line whatever the status: USER, STAT, DELE, NOOP, RSET, LIST n, UIDL n, others.
        case singleLine
        /// PASS or APOP: `+OK` enters TRANSACTION.
        case login
        /// AUTH: `+ ` is a challenge; `+OK` enters TRANSACTION, or, for AUTH without a mechanism
        /// (RFC 1734 practice), starts the multi-line list of mechanisms.
        case auth(listsMechanisms: Bool)
        /// CAPA: `+OK` starts the listing, which is filtered (RFC 2449 §5).
        case capa
        /// LIST or UIDL without an argument: `+OK` starts a multi-line listing.
        case listing
        /// RETR, or a TOP that asks for the whole message (`POP3Command.isWholeMessageTop`).
        case retr(message: Int)
        /// A TOP that peeks (headers, a few lines): not scanned.
        case top(message: Int)
        case quit
        /// STLS (`POP3RelayMachine+TLS.swift`).
        case stls
    }

    enum Listing: Sendable {
        /// Relayed as it arrives, re-stuffed.
        case relay(DotStuffer)
        /// CAPA: kept whole (bounded), filtered at the end.
        case capabilities(status: ByteBuffer, listing: ByteBuffer, truncated: Bool)
    }

    /// A RETR or TOP whose content is being collected or judged.
    struct Retrieval: Sendable {
        enum Kind: Sendable {
            /// Scanned: RETR, or a TOP asking for the whole message.
            case retr
            /// TOP, with the rewrite this session applied to the same message, if any.
            case top(RememberedRewrites.Rewrite?)
        }

        var message: Int
        var kind: Kind
        var status: POP3Response
        var comfort: POP3ClientComfort
        var overSize = false
        /// Unstuffed octets collected (known once the content is complete).
        var size = 0
    }

    /// The final answer to a RETR.
    enum Answer: Sendable {
        case unchanged
        case rewritten(header: ByteBuffer, replacing: Int)
        case tempfail(text: String)

        init(_ decision: POP3Decision) {
            switch decision {
            case .deliverUnchanged: self = .unchanged
            case .deliverRewritten(let header, let replacing): self = .rewritten(header: header, replacing: replacing)
            case .tempfail(let text): self = .tempfail(text: text)
            }
        }
    }
}

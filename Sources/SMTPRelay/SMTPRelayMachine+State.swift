import NIOCore

extension SMTPRelayMachine {
    enum Phase: Sendable {
        /// Waiting for the server's 220; client commands wait in the framer.
        case awaitingGreeting
        /// Ready to serve the next client command.
        case idle
        /// One command is at the server.
        case awaitingReply(Pending)
        /// The server answered AUTH with 334: the next client line is a SASL response, raw.
        case authContinuation
        /// Reading DATA content from the client.
        case collecting
        /// Content complete; waiting for `.decision`.
        case scanning
        /// STARTTLS accepted by the server: securing the server half, then the client half
        /// (`tls.step` says which).
        case securing
        /// STARTTLS passed (`TLSPolicy.pass`): bytes go unchanged both ways until a close.
        case opaque
        case closed
    }



    /// What the reply the server owes is for.
    enum Pending: Sendable {
        case helo(extended: Bool)
        case mail(MailPathArgument?)
        case rcpt(MailPathArgument?)
        case rset
        case quit
        case auth
        /// STARTTLS (`SMTPRelayMachine+TLS.swift`).
        case starttls
        /// NOOP, VRFY, EXPN, HELP and verbs the relay does not know: relayed as they are.
        case other
        /// The appliance's own RSET after a refused transaction: the reply is swallowed.
        case internalReset
        /// The appliance's DATA for a delivery: on 354, the content goes.
        case deliveryData(DeliveryContent)
        /// Content sent: the reply is the client's final reply.
        case deliveryContent
        /// Transfer (see `apply(_:into:)`).
        case transferReset(ByteBuffer, SMTPEnvelope)
        case transferMail(ByteBuffer, SMTPEnvelope)
        case transferRcpt(ByteBuffer, SMTPEnvelope, next: Int, accepted: Int)
        case transferData(ByteBuffer)
    }

    enum DeliveryContent: Sendable {
        /// The collected message, held by the I/O layer.
        case stored
        /// A new header given with the decision, then the stored message from `replacing` on.
        case rewritten(header: ByteBuffer, replacing: Int)
    }

    /// The client's transaction as the server accepted it.
    struct Transaction: Sendable {
        var mailAccepted = false
        var reversePath = ""
        var recipients: [String] = []

        var envelope: SMTPEnvelope { SMTPEnvelope(reversePath: reversePath, forwardPaths: recipients) }
    }
}

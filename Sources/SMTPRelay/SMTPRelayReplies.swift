/// The replies the appliance gives itself (docs/product.md §3); everything else the client sees is the
/// server's own reply.
enum SMTPRelayReplies {
    /// RFC 5321 §4.1.1.4: the appliance collects the content itself.
    static let startMailInput = SMTPReply(code: 354, text: "End data with <CR><LF>.<CR><LF>")
    /// RFC 5321 §4.2.2 502: STARTTLS, BDAT (CHUNKING not offered), TURN.
    static let notImplemented = SMTPReply(code: 502, text: "5.5.1 Command not implemented")
    /// XCLIENT / XFORWARD: not offered (EHLOCapabilityFilter), never relayed. 502 as for any
    /// command not implemented; RFC 3463 5.7.0, because it is refused for security.
    static let identityAssertionRefused = SMTPReply(code: 502, text: "5.7.0 Command not permitted through mail security")
    /// RFC 3207 §4: STARTTLS inside TLS (RFC 3463 5.5.1 invalid command).
    static let tlsAlreadyActive = SMTPReply(code: 503, text: "5.5.1 TLS already active")
    /// RFC 3207 §4 454: the server half could not be secured (RFC 3463 4.7.0 security).
    static let tlsUnavailable = SMTPReply(code: 454, text: "4.7.0 TLS not available due to temporary reason")
    /// RFC 5321 §3.3: DATA without a MAIL the server accepted.
    static let needMail = SMTPReply(code: 503, text: "5.5.1 Bad sequence of commands: MAIL first")
    /// RFC 5321 §3.3: DATA when the server accepted no RCPT.
    static let noValidRecipients = SMTPReply(code: 554, text: "5.5.1 No valid recipients")
    /// RFC 5321 §4.5.3.1.10: more than `SMTPLimits.maximumRecipients`.
    static let tooManyRecipients = SMTPReply(code: 452, text: "4.5.3 Too many recipients")
    /// RFC 5321 §4.2.2 500 "line too long"; RFC 3463 5.5.2 syntax error.
    static let lineTooLong = SMTPReply(code: 500, text: "5.5.2 Line too long")
    /// RFC 5321 §2.3.8: a CR not followed by LF inside a command line.
    static let bareCarriageReturn = SMTPReply(code: 500, text: "5.5.2 Syntax error: bare CR in command")
    /// RFC 1870 §6.1, RFC 3463 5.3.4: message too big for system.
    static let messageTooBig = SMTPReply(code: 552, text: "5.3.4 Message size exceeds fixed maximum message size")
    /// RFC 3030 §3: BINARYMIME needs BDAT, which is not offered.
    static let binaryMIMENotSupported = SMTPReply(code: 555, text: "5.5.4 BODY=BINARYMIME not supported")
    /// Bare-LF policy `reject` (RFC 5321 §2.3.8; RFC 3463 5.6.0 other media error).
    static let bareLineFeedRejected = SMTPReply(code: 554, text: "5.6.0 Message has bare LF line endings")
    /// RFC 5321 §3.8, RFC 3463 4.4.2 bad connection: the server side went away or misbehaved.
    static let serverConnectionLost = SMTPReply(code: 421, text: "4.4.2 Connection to the mail server lost")
    static let serverProtocolError = SMTPReply(code: 421, text: "4.4.2 Mail server protocol error")
    static let serverTimeout = SMTPReply(code: 421, text: "4.4.2 Mail server timed out")
    /// No decision within `SMTPLimits.decisionTimeout` (RFC 3463 4.7.1, as the unavailable policy).
    static let decisionTimeout = SMTPReply(code: 451, text: "4.7.1 Mail security scan timed out, try again later")
    /// RFC 5321 §4.5.3.2.7: the client was silent too long.
    static let clientTimeout = SMTPReply(code: 421, text: "4.4.2 Timeout waiting for client input")
    /// `SMTPLimits.maximumErrorReplies` reached (RFC 5321 §7.8; RFC 3463 4.7.0 security policy).
    static let tooManyErrors = SMTPReply(code: 421, text: "4.7.0 Too many errors, closing connection")
}

import NIOCore

/// Every size and time limit of the SMTP relay, each named after the RFC section that sets it.
///
/// A limit here bounds memory (no buffer grows without one) or time (no wait lasts forever).
/// Where the appliance is deliberately more lenient than the RFC, the constant says so.
public enum SMTPLimits {
    // MARK: Line lengths (RFC 5321 §4.5.3.1)

    /// RFC 5321 §4.5.3.1.4: a command line is at most 512 octets, including the CRLF.
    public static let maximumCommandLineLength = 512

    /// RFC 5321 §4.5.3.1.5: a reply line is at most 512 octets, including the CRLF.
    public static let maximumReplyLineLength = 512

    /// RFC 5321 §4.5.3.1.6: a line of message content is at most 1000 octets, including the CRLF.
    ///
    /// Leniency: content lines longer than this are common in practice (HTML mail, long base64
    /// without folding). The content decoder never rejects them and never buffers a line: it
    /// streams every byte through with constant state, so a line of any length costs no memory.
    public static let maximumTextLineLength = 1000

    /// RFC 4954 §4: the AUTH command and its continuation lines may be up to 12288 octets,
    /// because a SASL initial response can be long. The client-side framer accepts lines up to
    /// this length; ordinary commands longer than `maximumCommandLineLength` are still refused.
    public static let maximumAuthLineLength = 12288

    // MARK: Multi-line replies

    /// RFC 5321 §4.2.1 sets no limit on the number of lines of a multi-line reply; this bound
    /// keeps a hostile server from growing the reply without end. Real EHLO replies have
    /// about 10–20 lines.
    public static let maximumReplyLines = 128

    // MARK: Recipients

    /// RFC 5321 §4.5.3.1.8 requires buffering at least 100 recipients. Beyond this many in one
    /// transaction the relay answers `452 4.5.3` (RFC 5321 §4.5.3.1.10) and the client sends
    /// the rest in another transaction; this bounds the envelope the relay keeps.
    public static let maximumRecipients = 1000

    // MARK: Pipelining

    /// RFC 2920 §3.1 lets a client send a group of commands without waiting; RFC 5321
    /// §4.5.3.1.8 requires buffering at least 100 recipients. Commands are served one at a time,
    /// so those not yet served wait unparsed in the client-side framer; above this many bytes the
    /// relay stops reading from the client until the queue drains (backpressure, not an error).
    /// 64 KiB holds several hundred pipelined commands.
    public static let maximumQueuedCommandBytes = 64 * 1024

    // MARK: Timeouts (RFC 5321 §4.5.3.2)

    /// RFC 5321 §4.5.3.2.1: initial 220 message, 5 minutes.
    public static let initialGreetingTimeout = TimeAmount.minutes(5)
    /// RFC 5321 §4.5.3.2.2: MAIL command, 5 minutes (used for every command the relay forwards
    /// other than DATA, as the RFC's RCPT value is the same).
    public static let mailCommandTimeout = TimeAmount.minutes(5)
    /// RFC 5321 §4.5.3.2.3: RCPT command, 5 minutes.
    public static let rcptCommandTimeout = TimeAmount.minutes(5)
    /// RFC 5321 §4.5.3.2.4: DATA initiation (waiting for the 354), 2 minutes.
    public static let dataInitiationTimeout = TimeAmount.minutes(2)
    /// RFC 5321 §4.5.3.2.5: data block (each write of content), 3 minutes.
    public static let dataBlockTimeout = TimeAmount.minutes(3)
    /// RFC 5321 §4.5.3.2.6: DATA termination (waiting for the final reply after "."), 10 minutes.
    public static let dataTerminationTimeout = TimeAmount.minutes(10)
    /// Waiting for the scan's decision after the client's "." (a guard behind the scan's own
    /// per-message deadline): one minute short of the client's DATA termination timeout
    /// (RFC 5321 §4.5.3.2.6, 10 minutes), so the client hears a tempfail rather than giving up.
    public static let decisionTimeout = TimeAmount.minutes(9)
    /// RFC 5321 §4.5.3.2.7 lets a server give up after 5 minutes without a command. While the
    /// client sends a long message and the scan runs, the server hears nothing; a NOOP
    /// (RFC 5321 §4.1.1.9) this often keeps its transaction open.
    public static let serverKeepaliveInterval = TimeAmount.minutes(2)
    /// RFC 5321 §4.5.3.2.7: server timeout, waiting for the next command or content from the
    /// client, at least 5 minutes.
    public static let clientIdleTimeout = TimeAmount.minutes(5)
    /// The longest a whole DATA phase (from the 354 to the final ".") may take, however steadily
    /// bytes trickle in. RFC 5321 §4.5.3.2.5 only bounds the wait for each block (3 minutes), so
    /// a client sending a byte every few seconds could hold a session forever; this caps it.
    /// Leniency: 30 minutes carries a 5 MiB message at under 3 KiB/s.
    public static let maximumDataDuration = TimeAmount.minutes(30)

    // MARK: Abuse (RFC 5321 §7.8: resistance to attacks; the bounds are the appliance's)

    /// Error replies (5xx to a command, the appliance's or the server's) one session may collect
    /// before the relay answers `421 4.7.0` and closes both sides (RFC 5321 §4.2.2 lets a server
    /// close with 421 when it must; §7.8 names such limits). The figure is Postfix's
    /// `smtpd_hard_error_limit`, so a real client never meets it first at the appliance.
    public static let maximumErrorReplies = 20

    /// NOOP, RSET, VRFY, EXPN and HELP (RFC 5321 §4.1.1.5, §4.1.1.6, §4.1.1.8, §4.1.1.9) carry no
    /// mail. Past this many without a MAIL the server accepted, each further one counts as an
    /// error (Postfix's `smtpd_junk_command_limit`), so a flood of them ends with the 421 above.
    public static let maximumJunkCommands = 100
}

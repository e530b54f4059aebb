import NIOCore

/// Every size and time limit of the POP3 relay, each named after the RFC section that sets it.
///
/// A limit here bounds memory (no buffer grows without one) or time (no wait lasts forever).
/// Where the appliance is deliberately more lenient than the RFC, the constant says so.
public enum POP3Limits {
    // MARK: Line lengths

    /// RFC 2449 §4: a command line is at most 255 octets, including the CRLF (RFC 1939 §3 allows
    /// keywords of 3–4 characters and arguments of up to 40 each, well inside this).
    public static let maximumCommandLineLength = 255

    /// RFC 2449 §4: a response line is at most 512 octets, including the CRLF. Enforced on
    /// status lines (the greeting included); lines of multi-line bodies are streamed through the
    /// content decoder whatever their length (leniency: nothing is buffered per line).
    public static let maximumResponseLineLength = 512

    /// SASL responses (RFC 5034 §4, the AUTH exchange) carry base64 and may be longer than an
    /// ordinary command. Leniency: the client-side framer accepts lines up to this length (the
    /// same bound the SMTP relay uses for RFC 4954 §4); ordinary commands longer than
    /// `maximumCommandLineLength` are still refused.
    public static let maximumSASLLineLength = 12288

    // MARK: Multi-line responses

    /// RFC 2449 §6 does not bound the CAPA listing; the relay keeps at most this many octets of
    /// it (real listings are a few hundred octets). Capability lines past the bound are dropped
    /// whole (leniency: a client only loses optional capabilities, never gets half a line).
    public static let maximumCapabilityListBytes = 16 * 1024

    // MARK: Pipelining

    /// RFC 2449 §6.6 lets a client send commands without waiting. The relay serves them one at a
    /// time, in order; those not yet served wait unparsed in the client-side framer. Above this
    /// many bytes the relay stops reading from the client until the queue drains.
    public static let maximumQueuedCommandBytes = 64 * 1024

    // MARK: Abuse

    /// `-ERR` responses (the server's or the relay's own) one session may collect before the
    /// relay closes both sides without QUIT, so nothing is deleted (RFC 1939 §6: no UPDATE state).
    /// RFC 1939 sets no figure; the same 20 as the SMTP relay's error limit. Dovecot's own limit
    /// on bad commands is lower for unauthenticated clients, so a real client meets it first.
    public static let maximumErrorResponses = 20

    // MARK: TOP as a retrieval (an extension of docs/product.md §3)

    /// RFC 1939 §7: `TOP n L` returns the headers and the first L lines of the body — the whole
    /// message when the body has fewer. Clients that download whole messages with TOP (fetchmail
    /// 6.4 with `nokeep` and no `fetchall`, or with `uidl`: `TOP n 99999999`) say "everything"
    /// with a huge L; clients that peek ask for the headers (`TOP n 0`) or a preview of a few
    /// dozen lines. `TOP n L` with L at or above this bound is therefore handled as `RETR n`:
    /// collected, scanned, decided, rewritten, comforted, counted and logged the same.
    ///
    /// Why a bound on L and not on what comes back: whether a TOP is a retrieval must be known
    /// when its status line arrives, because a retrieval's status line is held (under the
    /// `reject` policy a `-ERR` may still be the answer) while a peek's goes at once. The
    /// message's size is no help then: TOP status lines carry no octet count in practice, and
    /// LIST is not always asked. 100,000 lines is far above any preview (no reader shows one a
    /// thousandth that long) and far below every "everything" sentinel in use (999999, 99999999,
    /// 2147483647); a body that long is at least 200,000 octets (CRLF only), several megabytes
    /// in practice — about the size of the largest message scanned by default. A line count
    /// too large for an `Int` counts as at or above it.
    public static let wholeMessageTopLines = 100_000

    // MARK: Remembered verdicts (docs/product.md §3: TOP gets the tags of a known verdict)

    /// RFC 1939 §5: message numbers are stable for the whole session, so a decision can be
    /// remembered by number. At most this many decisions are kept per session (oldest dropped).
    public static let maximumRememberedDecisions = 256

    /// The header bytes of remembered rewrites, all together, stay under this bound (oldest
    /// dropped first; a single rewrite larger than this is not remembered).
    public static let maximumRememberedHeaderBytes = 256 * 1024

    // MARK: Time (RFC 1939 §3), injected through `.tick(now)`

    /// How often the I/O layer sends `.tick(now)` while `wantsTicks` is true. Every wait below is
    /// measured to within this much.
    public static let tickInterval = TimeAmount.seconds(1)

    /// RFC 1939 §3: a server's inactivity autologout timer is at least 10 minutes. The relay gives
    /// an idle client the same, then closes both sides without QUIT (no UPDATE state).
    public static let clientIdleTimeout = TimeAmount.minutes(10)

    /// Waiting for the server's response to a command. RFC 1939 sets none; the relay allows the
    /// same 10 minutes (§3) and then closes both sides, telling the client `-ERR [SYS/TEMP]`.
    public static let serverResponseTimeout = TimeAmount.minutes(10)

    /// The longest the relay lets the client hear nothing while a RETR waits for its decision
    /// (docs/product.md §3: clients give up after about 60 seconds of silence). When it runs out and no byte
    /// can be sent safely (see `POP3ClientComfort`), the relay commits to `+OK` under `reject`
    /// with comforting on, or else applies the unavailable policy; after a commitment it runs
    /// again from the last comfort byte.
    public static let defaultClientSilenceBudget = TimeAmount.seconds(50)

    /// Default spacing of comfort bytes (`mail security comfort interval`).
    public static let defaultComfortInterval = TimeAmount.seconds(15)

    /// The allowed range of the comfort interval: at least a second, and shorter than the
    /// silence budget, so a comfort byte always goes before the budget runs out.
    public static let comfortIntervalRange = TimeAmount.seconds(1)...TimeAmount.seconds(45)

    /// The longest a RETR waits for its decision in all, comforted or not: under the server's own
    /// 10-minute autologout (RFC 1939 §3), which runs while the server waits for the next command.
    public static let maximumDecisionWait = TimeAmount.minutes(9)
}

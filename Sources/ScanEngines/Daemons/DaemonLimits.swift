import NIOCore

/// Bounds on talking to clamd and spamd.
public enum DaemonLimits {
    /// Time to establish the connection (both run on the same box or LAN).
    public static let connectTimeout = TimeAmount.seconds(5)
    /// Time for one whole exchange (send, scan, answer). SpamAssassin on a large message is slow.
    public static let exchangeTimeout = TimeAmount.seconds(120)
    /// Largest reply buffered: clamd and spamd answer in a line or a few headers.
    public static let maxReplyBytes = 64 * 1024
    /// INSTREAM chunk size (clamd reads chunks up to its StreamMaxLength; small chunks keep
    /// its buffer small).
    public static let clamdChunkBytes = 64 * 1024
    /// Messages larger than this are not given to spamd (spamc's own default limit is 500 KB;
    /// rules on huge bodies cost minutes and spammers do not send them).
    public static let spamdMaxMessageBytes = 16 * 1024 * 1024
}

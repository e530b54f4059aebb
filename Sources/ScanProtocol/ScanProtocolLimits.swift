/// Bounds on what a peer of the YSC protocol may send us. Replies are small JSON documents;
/// anything beyond these is treated as a broken reply, never buffered without end.
public enum ScanProtocolLimits {
    /// Largest reply body a client should buffer before giving up (a scan reply is a few
    /// hundred bytes; 64 KiB leaves room for many virus names and still bounds memory).
    public static let maxReplyBytes = 64 * 1024
    /// Highest and lowest spam score (docs/product.md §4: 0–100).
    public static let spamScoreRange = 0...100
    /// Most virus names one reply may carry.
    public static let maxVirusNames = 64
    /// Most engine names one reply may carry.
    public static let maxEngines = 16
    /// Longest virus, engine, product, serial or error string accepted.
    public static let maxNameLength = 256
    /// Largest elapsed time a reply may report (one day, in milliseconds): a bigger value is a
    /// broken server, not a slow one.
    public static let maxElapsedMilliseconds = 86_400_000
}

/// Bounds of the MIME decoder. A message is at most `--max-body` bytes, but nesting and
/// re-decoding could multiply that; these keep time and memory linear in the input.
public enum MIMELimits {
    /// Deepest nesting of multipart and `message/rfc822` entities that is opened. Deeper
    /// entities are kept as opaque leaves (their raw bytes are still searched).
    public static let maxDepth = 16
    /// Most entities decoded from one message; the rest stay undecoded.
    public static let maxEntities = 2_000
    /// Largest header block of one entity that is parsed (RFC 5322 does not bound it; real
    /// headers are a few KiB, a hostile one must not cost more than this).
    public static let maxHeaderBytes = 256 * 1024
    /// How far into a body the split-header leniency looks for the rest of a header block.
    public static let maxRecoveredHeaderBytes = 16 * 1024
    /// Longest boundary accepted. RFC 2046 §5.1.1 says 70; broken mailers exceed it, so leniently more.
    public static let maxBoundaryLength = 200
    /// Total bytes all decoded bodies together may hold, as a multiple of the input size
    /// (plus `decodedBytesSlack`): nested encodings cannot blow memory up.
    public static let decodedBytesFactor = 2
    public static let decodedBytesSlack = 1024 * 1024
}

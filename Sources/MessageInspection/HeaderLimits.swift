/// Every bound the header code relies on, in one place, each with the rule it comes from.
///
/// Bytes from the wire never make these types grow without a bound: a header block larger than
/// ``maximumHeaderBlockOctets`` or with more than ``maximumFieldCount`` fields is cut at the last
/// whole field before the limit, and the rest of the message is treated as untouched remainder.
public enum HeaderLimits {
    /// RFC 5322 §2.1.1: "Each line of characters MUST be no more than 998 characters, and SHOULD
    /// be no more than 78 characters, excluding the CRLF." A line we write or lengthen is folded
    /// so it stays within this limit; lines we do not touch keep their original length.
    public static let maximumLineOctets = 998

    /// RFC 2047 §2: "An 'encoded-word' may not be more than 75 characters long, including
    /// 'charset', 'encoding', 'encoded-text', and delimiters."
    public static let maximumEncodedWordLength = 75

    /// RFC 5322 sets no limit on the size of a header block. We need one so that a message
    /// without an empty line (up to 100 MB) is not copied as "header": 1 MiB holds the largest
    /// real header blocks we know of (a To: folded over 135 KB) with room to spare.
    public static let maximumHeaderBlockOctets = 1 << 20

    /// RFC 2047 §2: "each line of a header field that contains one or more 'encoded-word's is
    /// limited to 76 characters." Applied to the lines we write or lengthen.
    public static let maximumEncodedWordLineLength = 76

    /// Bound on the number of fields kept as descriptors (each one a few integers).
    public static let maximumFieldCount = 10_000

    /// Bound on the size of a single decoded header value we build as a `String`
    /// (subject comparison, notification display, address parsing).
    public static let maximumDecodedValueOctets = 64 * 1024

    /// Bound on the number of addresses taken from one header block for white-list matching.
    public static let maximumAddressCount = 10_000
}

/// Why a YSC message (a reply the client got, or a request body the service got) was refused.
/// Peer error, not programmer error: every malformed input ends here, never in a trap.
public enum YSCDecodingError: Error, Sendable, Equatable {
    /// The body is larger than `ScanProtocolLimits.maxReplyBytes`.
    case tooLarge(bytes: Int)
    /// The body is not a JSON object at all (empty, truncated, HTML, binary …).
    case notJSON
    /// A required field is absent or `null`.
    case missingField(String)
    /// A field has the wrong JSON type (a string where a number belongs, …).
    case wrongType(field: String)
    /// A field has the right type but a value outside its documented range.
    case outOfRange(field: String, value: String)
    /// The service answered with an HTTP status other than the one this reply kind allows;
    /// `message` is the `error` of its JSON body when it had one.
    case serviceError(status: Int, message: String?)
}

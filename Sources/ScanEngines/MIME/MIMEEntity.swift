/// One node of a decoded MIME tree (RFC 2045/2046).
public struct MIMEEntity: Sendable, Equatable {
    /// `type/subtype`, lower-cased; `text/plain` when absent or unparsable (RFC 2045 §5.2).
    public var contentType: String
    /// `Content-Transfer-Encoding`, lower-cased; `7bit` when absent.
    public var transferEncoding: String
    /// The header fields in order, unfolded, names as written.
    public var headers: [MIMEHeaderField]
    /// For a leaf: its content with the transfer encoding removed. Empty for containers.
    public var body: [UInt8]
    /// Parts of a multipart, or the one message inside `message/rfc822`.
    public var children: [MIMEEntity]
    /// Notes on leniency applied (missing close delimiter, depth limit, …), for tests and logs.
    public var defects: [MIMEDefect]

    public init(contentType: String = "text/plain", transferEncoding: String = "7bit", headers: [MIMEHeaderField] = [],
                body: [UInt8] = [], children: [MIMEEntity] = [], defects: [MIMEDefect] = []) {
        self.contentType = contentType
        self.transferEncoding = transferEncoding
        self.headers = headers
        self.body = body
        self.children = children
        self.defects = defects
    }

    /// The leaves in document order (depth first).
    public var leaves: [MIMEEntity] {
        children.isEmpty ? [self] : children.flatMap(\.leaves)
    }

    /// Every entity of the tree, this one first.
    public var allEntities: [MIMEEntity] {
        [self] + children.flatMap(\.allEntities)
    }
}

public struct MIMEHeaderField: Sendable, Equatable {
    public var name: String
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

/// Leniencies the decoder applied instead of failing.
public enum MIMEDefect: String, Sendable, Equatable {
    case missingBoundaryParameter
    case missingCloseDelimiter
    case noPartsFound
    case depthLimitReached
    case entityLimitReached
    case decodedSizeLimitReached
    case headerBlockTooLarge
    case noHeaderBodySeparator
    case headerBlockSplitByEmptyLine
    case invalidBase64
    case invalidQuotedPrintable
}

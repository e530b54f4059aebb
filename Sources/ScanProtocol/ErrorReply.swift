/// The body of every non-200 reply: `{"error": "message body is empty"}`.
public struct ErrorReply: Codable, Sendable, Equatable {
    public var error: String

    public init(error: String) {
        self.error = error
    }
}

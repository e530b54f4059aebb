import Telemetry

/// The `X-Yamaha-Mail-Security` field added to a detected, white-listed message (docs/product.md §5).
///
/// ```
/// X-Yamaha-Mail-Security: operation=send; result=spam+virus; match=white
/// ```
public struct SecurityHeader: Sendable, Hashable {
    public static let fieldName = "X-Yamaha-Mail-Security"

    public var operation: MailProtocol
    public var result: DetectionResult

    public init(operation: MailProtocol, result: DetectionResult) {
        self.operation = operation
        self.result = result
    }

    /// The field line without its line ending (ASCII, well under 78 characters).
    public var fieldLine: String {
        "\(Self.fieldName): operation=\(operation.operation); result=\(result.keyword); match=white"
    }
}

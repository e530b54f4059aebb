/// Which way a message was travelling when the appliance caught it (docs/product.md §3 "Operation names"):
/// SMTP is `send`, POP3 is `receive`. Carried in the `X-Operation` request header.
public enum ScanOperation: String, Codable, Sendable, CaseIterable {
    case send
    case receive
}

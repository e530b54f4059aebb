import NIOCore

/// What came back: either a curl error or an HTTP status with its (bounded) body, plus the
/// connection facts the status page and DEBUG syslog lines need.
struct CurlExchange: Sendable {
    /// The CURLcode raw value; 0 (CURLE_OK) when an HTTP reply was read completely.
    var curlCode: Int
    /// libcurl's error text (CURLOPT_ERRORBUFFER), or its generic text for the code.
    var errorText: String
    /// The HTTP status (0 when none was received).
    var httpStatus: Int
    var body: ByteBuffer
    /// The server sent more than `CurlRequest.replyLimit` bytes.
    var replyTooLarge: Bool
    /// The transfer was cancelled by its owner (or by the engine shutting down).
    var cancelled: Bool
    /// CURLINFO_PRIMARY_IP / CURLINFO_PRIMARY_PORT ("" / 0 before a connection existed).
    var primaryIP: String
    var primaryPort: Int
    /// CURLINFO_NUM_CONNECTS: new connections this transfer had to open (0 = reused keep-alive).
    var newConnections: Int
    /// A TCP connection to the server was established (CURLINFO_CONNECT_TIME_T > 0).
    var connected: Bool
    /// Wall time of the transfer (CURLINFO_TOTAL_TIME_T).
    var totalTime: TimeAmount

    static func cancelledExchange() -> CurlExchange {
        CurlExchange(curlCode: 42, errorText: "cancelled", httpStatus: 0,
                     body: ByteBuffer(), replyTooLarge: false, cancelled: true,
                     primaryIP: "", primaryPort: 0, newConnections: 0, connected: false,
                     totalTime: .zero)
    }
}

import NIOCore

/// One HTTP exchange to hand to the `CurlEngine`: everything libcurl needs, as a value, so it
/// can cross from an event loop to the curl thread.
struct CurlRequest: Sendable {
    enum Method: String, Sendable { case get = "GET", post = "POST" }

    var method: Method
    var url: String
    var headers: [String]
    /// Sent by CURLOPT_READFUNCTION straight from this buffer (no second copy of the message).
    var body: ByteBuffer?
    /// CURLOPT_CONNECTTIMEOUT_MS: TCP connect plus TLS handshake.
    var connectTimeoutMilliseconds: Int
    /// CURLOPT_TIMEOUT_MS: the whole attempt, connect included.
    var totalTimeoutMilliseconds: Int
    /// PEM file of the CAs trusted for the service (CURLOPT_CAINFO); nothing else is trusted.
    var caBundlePath: String
    /// Reply bodies larger than this abort the transfer (bounded memory for a hostile server).
    var replyLimit: Int
}

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

/// Identifies a submitted transfer so its owner can cancel it.
struct CurlTransferID: Hashable, Sendable {
    let rawValue: UInt64
}

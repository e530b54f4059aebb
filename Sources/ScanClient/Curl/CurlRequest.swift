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
    /// Presented when the service asks for a client certificate (CURLOPT_SSLCERT/SSLKEY).
    var clientCertificate: ScanClientCertificate?
}

/// Identifies a submitted transfer so its owner can cancel it.
struct CurlTransferID: Hashable, Sendable {
    let rawValue: UInt64
}

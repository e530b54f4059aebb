/// Why a message could not be scanned.
public enum ScanFailureKind: Equatable, Hashable, Sendable {
    /// The service's host name did not resolve.
    case nameResolution
    /// No TCP connection (refused, unreachable, connect timeout).
    case connect
    /// TLS handshake or certificate verification failed.
    case tls
    /// Connected, but the reply did not arrive within the attempt's time.
    case timeout
    /// The connection broke while sending or reading.
    case read
    /// The service answered with a status other than 200 (400, 413, 503, …).
    case httpStatus(Int)
    /// The reply was not the JSON the protocol promises (or was over the size bound).
    case badReply
    /// The circuit breaker is open: the service is failing and was not asked.
    case unavailable
    /// The owner (the mail session) went away.
    case cancelled

    /// Worth another attempt: the fault may be gone on the next try. A 4xx is about this
    /// message and a certificate problem is configuration; repeating either changes nothing.
    var isRetryable: Bool {
        switch self {
        case .nameResolution, .connect, .timeout, .read, .badReply: true
        case .httpStatus(let code): code >= 500
        case .tls, .unavailable, .cancelled: false
        }
    }

    /// Evidence that the service is unusable (feeds the circuit breaker). A 4xx reply proves
    /// the service works; cancellation proves nothing.
    var indicatesServiceFailure: Bool {
        switch self {
        case .httpStatus(let code): code >= 500
        case .unavailable, .cancelled: false
        default: true
        }
    }
}

public struct ScanFailure: Equatable, Sendable, Error {
    public var kind: ScanFailureKind
    /// Human-readable reason (libcurl's text or the service's `error` field).
    public var detail: String

    public init(kind: ScanFailureKind, detail: String) {
        self.kind = kind
        self.detail = detail
    }
}

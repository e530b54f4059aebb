import ScanProtocol

/// What the service said about one message: the protocol's own `200` reply to `POST v1/scan`
/// (spam score, virus names, engines, elapsed time), already range-checked.
public typealias ScanVerdict = ScanReply

/// The result of one `ScanClient.scan`: a verdict or a failure, and how many HTTP attempts it took.
public struct ScanResult: Equatable, Sendable {
    public enum Result: Equatable, Sendable {
        case verdict(ScanVerdict)
        case failure(ScanFailure)
    }

    public var result: Result
    /// HTTP attempts made (0 when none started: breaker open, deadline passed, cancelled early).
    public var attempts: Int

    public init(result: Result, attempts: Int) {
        self.result = result
        self.attempts = attempts
    }

    public var verdict: ScanVerdict? {
        if case .verdict(let verdict) = result { verdict } else { nil }
    }

    public var failure: ScanFailure? {
        if case .failure(let failure) = result { failure } else { nil }
    }
}

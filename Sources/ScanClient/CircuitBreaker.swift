import NIOCore

/// The circuit breaker on the scan service (docs/product.md §8): after `failureThreshold` consecutive
/// failed attempts the service is reported unavailable at once for `openDuration`, so mail gets
/// the unavailable policy without paying every timeout; then one probe (`GET v1/health`) is let
/// through: success closes the breaker, failure opens it again.
///
/// Pure: time comes in as `now`, nothing happens by itself.
public struct CircuitBreaker: Equatable, Sendable {
    public static let defaultFailureThreshold = 5
    public static let defaultOpenDuration = TimeAmount.seconds(30)

    public enum State: Equatable, Sendable {
        case closed(consecutiveFailures: Int)
        case open(until: NIODeadline)
        /// One probe is in flight; everyone else is still turned away.
        case probing
    }

    /// What a caller about to contact the service may do.
    public enum Permission: Equatable, Sendable {
        case proceed
        /// The caller runs the health probe first and reports it with `probeSucceeded`/`probeFailed`.
        case probe
        case reject
    }

    public let failureThreshold: Int
    public let openDuration: TimeAmount
    public private(set) var state: State = .closed(consecutiveFailures: 0)

    public init(failureThreshold: Int = defaultFailureThreshold, openDuration: TimeAmount = defaultOpenDuration) {
        precondition(failureThreshold > 0, "a breaker that opens before any failure is a bug")
        self.failureThreshold = failureThreshold
        self.openDuration = openDuration
    }

    /// Asked before each attempt.
    public mutating func permission(now: NIODeadline) -> Permission {
        switch state {
        case .closed: return .proceed
        case .probing: return .reject
        case .open(let until):
            guard now >= until else { return .reject }
            state = .probing
            return .probe
        }
    }

    /// Whether the service is being avoided right now (for `isServiceAvailable`); does not
    /// change state. An open breaker whose time is up counts as available: the next scan probes.
    public func isOpen(now: NIODeadline) -> Bool {
        switch state {
        case .closed: false
        case .probing: true
        case .open(let until): now < until
        }
    }

    public mutating func recordSuccess() {
        if case .closed = state { state = .closed(consecutiveFailures: 0) }
    }

    public mutating func recordFailure(now: NIODeadline) {
        guard case .closed(let failures) = state else { return }
        state = failures + 1 >= failureThreshold ? .open(until: now + openDuration) : .closed(consecutiveFailures: failures + 1)
    }

    public mutating func probeSucceeded() {
        state = .closed(consecutiveFailures: 0)
    }

    public mutating func probeFailed(now: NIODeadline) {
        state = .open(until: now + openDuration)
    }

    /// The probe's owner went away before it finished: reopen, due at once, so the next caller
    /// probes instead of the breaker staying in `probing` forever.
    public mutating func probeAbandoned(now: NIODeadline) {
        if case .probing = state { state = .open(until: now) }
    }
}

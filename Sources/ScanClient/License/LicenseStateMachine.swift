import Foundation

/// The licence states of docs/product.md §10, decided from what the licence server said and the time.
/// Pure: the caller reports server answers and asks for the state at an instant.
///
/// - active: confirmed by the server since this start, not expired.
/// - renewal grace: confirmed, past the expiry day, within `renewalGracePeriod` of it.
/// - authentication grace: a licence is known from before the restart, but the server has not
///   been reached since; usable for `authenticationGracePeriod` after the start (as long as the
///   known licence is itself not beyond renewal grace).
/// - inactive: no licence, the server rejected it, or a grace period ran out. Only this state
///   makes the service unavailable.
public struct LicenseStateMachine: Equatable, Sendable {
    public static let renewalGracePeriod: TimeInterval = 30 * 86_400
    public static let authenticationGracePeriod: TimeInterval = 7 * 86_400

    public enum State: String, Equatable, Sendable {
        case active
        case renewalGrace = "renewal grace"
        case authenticationGrace = "authentication grace"
        case inactive
    }

    public private(set) var record: LicenseRecord?
    /// The server confirmed `record` since `startedAt`.
    public private(set) var confirmed = false
    public let startedAt: Date

    /// - Parameter previouslyKnown: the licence kept from before this start, if any.
    public init(previouslyKnown: LicenseRecord?, startedAt: Date) {
        record = previouslyKnown
        self.startedAt = startedAt
    }

    /// The server activated (or renewed) the licence.
    public mutating func activated(_ record: LicenseRecord) {
        self.record = record
        confirmed = true
    }

    /// The server answered that this box has no licence: it is forgotten.
    public mutating func rejected() {
        record = nil
        confirmed = false
    }

    /// The server could not be reached. Nothing is forgotten: a confirmed licence stays valid
    /// until its own dates say otherwise, an unconfirmed one runs in authentication grace.
    public mutating func unreachable() {}

    public func state(at now: Date) -> State {
        guard let record else { return .inactive }
        let expiry = record.expiryEnd
        if now >= expiry.addingTimeInterval(Self.renewalGracePeriod) { return .inactive }
        guard confirmed else {
            return now < startedAt.addingTimeInterval(Self.authenticationGracePeriod) ? .authenticationGrace : .inactive
        }
        return now < expiry ? .active : .renewalGrace
    }

}

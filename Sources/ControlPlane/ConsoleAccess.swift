import ApplianceConfig
import NIOConcurrencyHelpers

/// The rights of one console session (one control-socket connection): whether it entered
/// administrator mode, and how many wrong passwords it tried. Lives as long as the connection,
/// so a new connection starts unprivileged again.
public final class ConsoleAccess: Sendable {
    private struct State {
        var administrator: Bool
        var failures = 0
    }

    private let state: NIOLockedValueBox<State>

    public init(administrator: Bool = false) {
        state = NIOLockedValueBox(State(administrator: administrator))
    }

    /// Full rights from the start (the offline console; tests of the configuration path).
    public static var trusted: ConsoleAccess { ConsoleAccess(administrator: true) }

    public var isAdministrator: Bool { state.withLockedValue { $0.administrator } }

    var mayTryPassword: Bool { state.withLockedValue { $0.failures < AdministratorLogin.maximumAttempts } }

    func enterAdministratorMode() { state.withLockedValue { $0.administrator = true } }

    func recordFailure() { state.withLockedValue { $0.failures += 1 } }

    /// The refusal of a change made outside administrator mode.
    static let needsAdministrator = ConsoleReply.error(
        "Error: Administrator mode needed: enter 'administrator' and the administrator password first")
}

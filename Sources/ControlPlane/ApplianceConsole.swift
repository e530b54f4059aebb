import ApplianceConfig
import NIOConcurrencyHelpers

/// Executes console lines against the running configuration: the one place where a
/// command becomes a configuration change, a saved file, or a status report.
///
/// Calls may block on disk I/O (`save`), so the control server runs them on a thread pool.
/// A lock serialises commands from several consoles: each sees the previous one's effect.
public final class ApplianceConsole: Sendable {
    private let state: NIOLockedValueBox<Configuration>
    private let store: ConfigStore?
    private let services: (any ApplianceServices)?
    /// Offline console: every configuration change is written to the file at once, since
    /// there is no daemon to hold the running configuration until `save`.
    private let persistEveryChange: Bool

    public init(configuration: Configuration, store: ConfigStore?, services: (any ApplianceServices)?, persistEveryChange: Bool = false) {
        self.state = NIOLockedValueBox(configuration)
        self.store = store
        self.services = services
        self.persistEveryChange = persistEveryChange
    }

    public var configuration: Configuration { state.withLockedValue { $0 } }

    /// Replaces the running configuration (SIGHUP reload) and tells the services.
    public func replaceConfiguration(_ configuration: Configuration) {
        state.withLockedValue { $0 = configuration }
        services?.configurationChanged(configuration, events: [])
    }

    /// Runs `line` with full rights: the offline console (whoever can run it can write the file
    /// itself) and tests of the configuration path.
    public func execute(_ line: String) -> ConsoleReply {
        execute(line, access: .trusted)
    }

    /// Runs `line` for one console session. When `administrator password` is set, changing the
    /// configuration (and `save`) needs the session to have entered administrator mode first
    /// (`AdministratorLogin`); reading status and the configuration does not.
    public func execute(_ line: String, access: ConsoleAccess) -> ConsoleReply {
        if let password = AdministratorLogin.password(in: line) {
            return logIn(password ?? "", access: access)
        }
        return state.withLockedValue { config in
            var candidate = config
            let outcome = candidate.execute(line)
            if config.hasAdministratorPassword, !access.isAdministrator, Self.needsAdministrator(outcome) {
                return ConsoleAccess.needsAdministrator
            }
            switch outcome {
            case .failure(let error):
                return .error(error.message)
            case .success(.configured(let events)):
                if persistEveryChange, let store {
                    do { try store.write(candidate.rendered()) } catch {
                        return .error("Error: Cannot write the configuration (\(error))")
                    }
                }
                config = candidate
                services?.configurationChanged(candidate, events: events)
                return ConsoleReply(ok: true, output: "")
            case .success(.operation(let operation)):
                return perform(operation, configuration: config)
            }
        }
    }

    /// Changes (settings and `no …`), `save` and `restart` are administrator work.
    private static func needsAdministrator(_ outcome: Result<CommandOutcome, CommandError>) -> Bool {
        switch outcome {
        case .success(.configured): return true
        case .success(.operation(.save)): return true
        case .success(.operation(.restart)): return true
        case .success(.operation(.firmwareUpdate)): return true
        default: return false
        }
    }

    /// `administrator mode PASSWORD`: checked against the stored hash (constant time), off the
    /// configuration lock (the hash costs tens of milliseconds).
    private func logIn(_ password: String, access: ConsoleAccess) -> ConsoleReply {
        guard access.mayTryPassword else {
            return .error("Error: Too many password failures on this session")
        }
        let config = configuration
        if config.verifyAdministratorPassword(password) {
            access.enterAdministratorMode()
            return ConsoleReply(ok: true, output: "")
        }
        access.recordFailure()
        return .error("Error: Password incorrect")
    }

    private func perform(_ operation: ConsoleOperation, configuration: Configuration) -> ConsoleReply {
        switch operation {
        case .showConfig:
            return ConsoleReply(ok: true, output: configuration.rendered())
        case .save:
            guard let store else { return .error("Error: No configuration file to save to") }
            do {
                try store.write(configuration.rendered())
                return ConsoleReply(ok: true, output: "Saving ... Done\n")
            } catch {
                return .error("Error: Cannot save the configuration (\(error))")
            }
        case .help(let words):
            switch Configuration.helpText(for: words) {
            case .success(let text): return ConsoleReply(ok: true, output: text)
            case .failure(let error): return .error(error.message)
            }
        case .showCommand:
            return ConsoleReply(ok: true, output: Configuration.commandList())
        case .showMailSecurityTLSCA where services == nil:
            // The offline console edits a file; the CA lives only on the box that made it.
            return .error(SiteCertificateAuthorityInfo.offlineMessage)
        default:
            guard let services else {
                return .error("Error: This command needs the running daemon (mailsecd)")
            }
            return services.perform(operation, configuration: configuration)
        }
    }
}

import ApplianceConfig
import ControlPlane

/// Where console commands go: the daemon over its socket, or a config file offline.
enum ConsoleSession {
    case daemon(ControlClient)
    case offline(ApplianceConsole)

    static func daemon(controlPath: String) throws -> ConsoleSession {
        .daemon(try ControlClient(path: controlPath))
    }

    static func offline(configPath: String) throws -> ConsoleSession {
        let store = ConfigStore(path: configPath)
        let (configuration, problems) = Configuration.load(try store.read())
        guard problems.isEmpty else {
            let lines = problems.map { "\(configPath):\($0.lineNumber): \($0.line): \($0.error.message)" }
            throw OfflineConfigError(description: lines.joined(separator: "\n"))
        }
        return .offline(ApplianceConsole(configuration: configuration, store: store, services: nil, persistEveryChange: true))
    }

    func run(_ line: String) -> ConsoleReply {
        switch self {
        case .daemon(let client):
            do { return try client.run(line) } catch { return .error("\(error)") }
        case .offline(let console):
            return console.execute(line)
        }
    }
}

/// Offline, a config file with a bad line is refused whole: rewriting it would silently
/// drop the bad line.
struct OfflineConfigError: Error, CustomStringConvertible {
    let description: String
}

/// What executing one console line produced.
public enum CommandOutcome: Equatable, Sendable {
    /// A configuration command was applied to the model; the events say what else must happen.
    case configured([ConfigEvent])
    /// An operational command the daemon (or offline console) carries out itself.
    case operation(ConsoleOperation)
}

/// Side effects of a configuration change beyond the model itself.
public enum ConfigEvent: Equatable, Sendable {
    /// `mail security use` went from off to on: statistics are cleared (SPEC §7).
    case statisticsCleared
    /// `mail security white-list set enable N` took effect: logged as
    /// `White list set (N) enabled by configuration` (SPEC §9).
    case whiteListSetEnabled(Int)
}

/// Operational (non-configuration) commands: they are never stored in the configuration.
public enum ConsoleOperation: Equatable, Sendable {
    case showConfig
    case save
    case showLog
    case showStatusMailSecurity(history: Bool)
    case showStatusWhiteList(history: Bool)
    case clearMailSecurityHistory
    case clearWhiteListHistory
    case showStatusYSC
    case clearStatusYSC
    case showStatusLicense
    /// `help [WORDS…]`: help text for the commands that start with WORDS.
    case help([String])
    /// `show command`: the list of every command.
    case showCommand
}

/// A line of a configuration file that could not be applied.
public struct ConfigLoadProblem: Equatable, Sendable {
    public let lineNumber: Int
    public let line: String
    public let error: CommandError

    public init(lineNumber: Int, line: String, error: CommandError) {
        self.lineNumber = lineNumber
        self.line = line
        self.error = error
    }
}

/// Operational (non-configuration) commands: they are never stored in the configuration.
public enum ConsoleOperation: Equatable, Sendable {
    case showConfig
    case save
    case showLog
    case showStatusMailSecurity(history: Bool)
    case showStatusWhiteList(history: Bool)
    /// `show status mail security monitor`: the counters of monitor-only mode.
    case showStatusMonitor
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

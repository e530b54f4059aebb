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
    /// `restart`: reboot the appliance (administrator work).
    case restart
    /// `show environment`: firmware version, uptime, CPU and memory use, boot slot.
    case showEnvironment
    /// `show mail security tls ca`: the site CA's certificate and fingerprint (the daemon has it).
    case showMailSecurityTLSCA
    /// `firmware update URL`: install the root file system at URL into the other boot slot.
    case firmwareUpdate(String)
}

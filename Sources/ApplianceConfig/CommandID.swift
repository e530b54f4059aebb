/// Every command, in command-table order: the order `show config` prints settings in
/// (docs/product.md §7 row order, then syslog and console settings, then operations).
enum CommandID: Int, CaseIterable, Comparable, Sendable {
    case mailSecurityUse
    case mailSecurityPortSMTP
    case mailSecurityPortPOP
    case mailSecurityPrefixSpam
    case mailSecurityPrefixVirus
    case mailSecurityMaxSize
    case mailSecuritySpamLevel
    case mailSecuritySMTPSizeOverflow
    case mailSecuritySMTPDetectIllegalMail
    case mailSecuritySMTPDetectSpamMail
    case mailSecuritySMTPDetectVirusMail
    case mailSecuritySMTPFromAddress
    case mailSecuritySMTPToAddress
    case mailSecurityWhiteListPattern
    case mailSecurityWhiteListSet
    case mailSecurityWhiteListSetEnable
    case mailSecurityInactiveTransfer
    case mailSecurityPOP3ComfortInterval
    case mailSecurityMaxClientSessions
    case mailSecurityInterception
    case mailSecurityIPv6
    case mailSecurityMonitor
    // Encrypted mail (CommandTable+TLS.swift).
    case mailSecurityPortSMTPS
    case mailSecurityPortPOP3S
    case mailSecuritySMTPTLS
    case mailSecurityPOP3TLS
    case mailSecurityTLSUpstreamInvalid
    case mailSecurityTLSUpstreamCA
    case mailSecurityTLSExempt
    case mailSecurityTLSServerCertificate
    case showMailSecurityTLSCA
    case yscConnectionTimeout
    case yscRequestTimeout
    case yscRetry
    case yscURL
    case syslogHost
    case syslogFacility
    case syslogInfo
    case syslogDebug
    case syslogNotice
    case syslogFormat
    case httpdHost
    case httpdListen
    case administratorPassword
    case loginPassword
    case loginTimer
    case showConfig
    case save
    case showLog
    case help
    case showCommand
    case showStatusMailSecurity
    case showStatusWhiteList
    case showStatusMonitor
    case clearMailSecurityHistory
    case clearWhiteListHistory
    case showStatusYSC
    case clearStatusYSC
    case showStatusLicense
    // The firmware's own commands (CommandTable+Firmware.swift).
    case restart
    case showEnvironment
    case firmwareUpdate

    static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }

    var spec: CommandSpec { CommandTable.specs[rawValue] }
}

import Telemetry

/// The typed settings (defaults of docs/product.md §7), read from the entered commands.
extension Configuration {
    public var mailSecurityEnabled: Bool { entered(.mailSecurityUse) == ["on"] }
    public var smtpPorts: [Int] { integers(.mailSecurityPortSMTP) ?? [25] }
    public var pop3Ports: [Int] { integers(.mailSecurityPortPOP) ?? [110] }
    public var spamPrefix: String { entered(.mailSecurityPrefixSpam)?.first ?? "[SPAM]" }
    public var virusPrefix: String { entered(.mailSecurityPrefixVirus)?.first ?? "[VIRUS]" }
    /// `mail security max size`, in megabytes.
    public var maxSizeMegabytes: Int { integers(.mailSecurityMaxSize)?.first ?? 5 }
    public var spamLevel: Int { integers(.mailSecuritySpamLevel)?.first ?? 3 }
    public var smtpSizeOverflow: OverflowAction {
        entered(.mailSecuritySMTPSizeOverflow)?.first.flatMap(OverflowAction.init(rawValue:)) ?? .pass
    }
    /// `mail security smtp detect spam mail` (or the `illegal mail` form that set it).
    public var smtpDetectSpamMail: DetectAction {
        enteredDetectActions.spam?.first.flatMap(DetectAction.init(rawValue:)) ?? .pass
    }
    /// `mail security smtp detect virus mail` (or the `illegal mail` form that set it).
    public var smtpDetectVirusMail: DetectAction {
        enteredDetectActions.virus?.first.flatMap(DetectAction.init(rawValue:)) ?? .pass
    }
    public var smtpFromAddress: NotificationAddress {
        entered(.mailSecuritySMTPFromAddress)?.first.map(NotificationAddress.init(canonical:)) ?? .auto
    }
    public var smtpToAddress: NotificationAddress {
        entered(.mailSecuritySMTPToAddress)?.first.map(NotificationAddress.init(canonical:)) ?? .auto
    }
    public var whiteListPatterns: [Int: WhiteListPattern] {
        enteredByIndex(.mailSecurityWhiteListPattern).mapValues { WhiteListPattern(canonical: $0) }
    }
    /// Set number → pattern numbers, in the order entered.
    public var whiteListSets: [Int: [Int]] {
        enteredByIndex(.mailSecurityWhiteListSet).mapValues { $0.compactMap(Int.init) }
    }
    /// The active set; it may name a set with no patterns, which then matches nothing.
    public var enabledWhiteListSet: Int? { integers(.mailSecurityWhiteListSetEnable)?.first }
    public var inactiveTransfer: InactiveAction {
        entered(.mailSecurityInactiveTransfer)?.first.flatMap(InactiveAction.init(rawValue:)) ?? .reject
    }
    public var yscConnectionTimeout: Int { integers(.yscConnectionTimeout)?.first ?? 10 }
    public var yscRequestTimeout: Int { integers(.yscRequestTimeout)?.first ?? 60 }
    public var yscRetry: Int { integers(.yscRetry)?.first ?? 3 }
    public var yscURL: String { entered(.yscURL)?.first ?? "https://127.0.0.1:8443/" }

    public var syslog: SyslogSettings {
        let defaults = SyslogSettings()
        return SyslogSettings(
            hosts: entered(.syslogHost) ?? defaults.hosts,
            facility: entered(.syslogFacility)?.first.flatMap(SyslogFacility.init(rawValue:)) ?? defaults.facility,
            info: entered(.syslogInfo).map { $0 == ["on"] } ?? defaults.info,
            debug: entered(.syslogDebug).map { $0 == ["on"] } ?? defaults.debug,
            notice: entered(.syslogNotice).map { $0 == ["on"] } ?? defaults.notice,
            format: entered(.syslogFormat)?.first.flatMap(SyslogFormat.init(rawValue:)) ?? defaults.format)
    }

    /// `mail security comfort interval`, in seconds; nil after `… off`. Default 15.
    public var pop3ComfortInterval: Int? {
        guard let word = entered(.mailSecurityPOP3ComfortInterval)?.first else { return 15 }
        return Int(word)
    }

    /// `mail security max client sessions`; nil after `… off` (only the memory budget bounds a
    /// client's sessions). Default `CommandLimits.defaultClientSessions`.
    public var maxClientSessions: Int? {
        guard let word = entered(.mailSecurityMaxClientSessions)?.first else { return CommandLimits.defaultClientSessions }
        return Int(word)
    }

    /// `mail security interception`: who diverts crossing mail to the proxies. Default appliance.
    public var interception: InterceptionSetting {
        entered(.mailSecurityInterception)?.first.flatMap(InterceptionSetting.init(rawValue:)) ?? .appliance
    }
    /// `mail security ipv6`: whether the appliance's rules divert IPv6 mail too. Default on.
    public var interceptsIPv6: Bool { entered(.mailSecurityIPv6) != ["off"] }
    /// `mail security monitor`: the interface watched passively; nil when monitor-only mode is off.
    public var monitorInterface: String? { entered(.mailSecurityMonitor)?.first }

    /// `httpd host`: nil when never entered (the daemon's default applies: no host, or LAN1
    /// through the firmware's default configuration).
    public var httpdHosts: [HTTPDHost]? { entered(.httpdHost)?.compactMap(HTTPDHost.init(word:)) }
    /// `httpd listen`: the web console's TCP port. Default 443.
    public var httpdListenPort: Int { integers(.httpdListen)?.first ?? 443 }

    /// `login timer`, in seconds; nil after `login timer clear` (no timeout). Default 300.
    public var loginTimer: Int? {
        guard let word = entered(.loginTimer)?.first else { return 300 }
        return Int(word)
    }

    /// Whether `administrator password` was set.
    public var hasAdministratorPassword: Bool { entered(.administratorPassword) != nil }
    /// Whether `login password` was set.
    public var hasLoginPassword: Bool { entered(.loginPassword) != nil }

    /// Checks a password against `administrator password`. Without one configured, only the
    /// empty password is accepted (a fresh router asks for none).
    public func verifyAdministratorPassword(_ password: String) -> Bool {
        verify(password, against: .administratorPassword)
    }

    /// Checks a password against `login password`; without one, only the empty password.
    public func verifyLoginPassword(_ password: String) -> Bool {
        verify(password, against: .loginPassword)
    }

    private func verify(_ password: String, against command: CommandID) -> Bool {
        guard let words = entered(command) else { return password.isEmpty }
        guard words.count == 2, let hash = PasswordHash(text: words[1]) else { return false }
        return hash.verify(password)
    }

    private func integers(_ command: CommandID) -> [Int]? {
        entered(command)?.compactMap(Int.init)
    }
}

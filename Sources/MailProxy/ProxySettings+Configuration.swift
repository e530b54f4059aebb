import ApplianceConfig
import MailRelay
import MessageInspection

extension ProxySettings {
    /// The proxies' settings from the appliance configuration (docs/product.md §7); the daemon
    /// builds them at start and on every change.
    public init(_ configuration: Configuration) {
        self.init(inspection: InspectionSettings(configuration),
                  pop3ComfortInterval: configuration.pop3ComfortInterval.map { .seconds(Int64($0)) },
                  sessionsPerClient: configuration.maxClientSessions)
        smtpTLS = Self.policy(configuration.smtpTLSMode)
        pop3TLS = Self.policy(configuration.pop3TLSMode)
        tlsExempt = configuration.tlsExempt
    }

    private static func policy(_ mode: TLSMode) -> TLSPolicy {
        switch mode {
        case .inspect: .inspect
        case .pass: .pass
        case .block: .block
        }
    }
}

extension InspectionSettings {
    /// What decides about each message, from the appliance configuration (docs/product.md §5, §7).
    public init(_ configuration: Configuration) {
        let patterns = configuration.whiteListPatterns.map { number, pattern in
            MessageInspection.WhiteListPattern(number: number, from: pattern.from, to: pattern.to)
        }.sorted { $0.number < $1.number }
        let active = configuration.enabledWhiteListSet.flatMap { configuration.whiteListSets[$0] } ?? []
        let policy = InspectionPolicy(
            spamLevel: configuration.spamLevel,
            spamAction: Self.detectAction(configuration.smtpDetectSpamMail),
            virusAction: Self.detectAction(configuration.smtpDetectVirusMail),
            sizeOverflow: configuration.smtpSizeOverflow == .reject ? .reject : .pass,
            inactiveAction: configuration.inactiveTransfer == .pass ? .pass : .reject,
            spamPrefix: configuration.spamPrefix,
            virusPrefix: configuration.virusPrefix)
        self.init(enabled: configuration.mailSecurityEnabled,
                  maximumMessageSize: configuration.maxSizeMegabytes * 1024 * 1024,
                  policy: policy,
                  whiteList: WhiteList(patterns: patterns, activeSet: active),
                  notificationFrom: Self.address(configuration.smtpFromAddress),
                  notificationTo: Self.address(configuration.smtpToAddress))
    }

    private static func detectAction(_ setting: ApplianceConfig.DetectAction) -> InspectionPolicy.DetectAction {
        switch setting {
        case .pass: .pass
        case .transfer: .transfer
        case .reject: .reject
        }
    }

    private static func address(_ setting: ApplianceConfig.NotificationAddress) -> MessageInspection.NotificationAddress {
        switch setting {
        case .auto: .auto
        case .account(let account): .account(account)
        case .address(let address): .address(address)
        }
    }
}

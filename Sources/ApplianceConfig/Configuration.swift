import Telemetry

/// The appliance's configuration: every setting of SPEC §7 with its default, plus the
/// record of which commands were entered (what `show config` prints).
///
/// CONTRACT (used by ControlPlane, mailsecd, mailsec): keep these public names.
public struct Configuration: Equatable, Sendable {
    public init() {}

    /// Executes one console line (configuration or operational command).
    /// Configuration commands change `self`; operational ones are returned for the caller.
    public mutating func execute(_ line: String) -> Result<CommandOutcome, CommandError> {
        .failure(.invalidCommandName)
    }

    /// `show config`: the entered commands, one per line, in the documented order,
    /// each line ending in "\n"; empty when nothing was entered.
    public func rendered() -> String { "" }

    /// Parses a configuration file (what `rendered()` printed, plus blank lines and `#` comments).
    /// Valid lines are applied; every bad line is reported with its 1-based number.
    public static func load(_ text: String) -> (Configuration, [ConfigLoadProblem]) {
        (Configuration(), [])
    }

    // MARK: typed settings (defaults of SPEC §7)
    public var mailSecurityEnabled: Bool { false }
    public var smtpPorts: [Int] { [25] }
    public var pop3Ports: [Int] { [110] }
    public var spamPrefix: String { "[SPAM]" }
    public var virusPrefix: String { "[VIRUS]" }
    /// `mail security max size`, in megabytes.
    public var maxSizeMegabytes: Int { 5 }
    public var spamLevel: Int { 3 }
    public var smtpSizeOverflow: OverflowAction { .pass }
    public var smtpDetectIllegalMail: DetectAction { .pass }
    public var smtpFromAddress: NotificationAddress { .auto }
    public var smtpToAddress: NotificationAddress { .auto }
    public var whiteListPatterns: [Int: WhiteListPattern] { [:] }
    public var whiteListSets: [Int: [Int]] { [:] }
    public var enabledWhiteListSet: Int? { nil }
    public var inactiveTransfer: InactiveAction { .reject }
    public var yscConnectionTimeout: Int { 10 }
    public var yscRequestTimeout: Int { 60 }
    public var yscRetry: Int { 3 }
    public var yscURL: String { "https://127.0.0.1:8443/" }
    public var syslog: SyslogSettings { SyslogSettings() }
    public var loginTimer: Int? { nil }
}

/// `mail security smtp size overflow TYPE`.
public enum OverflowAction: String, CaseIterable, Sendable { case pass, reject }
/// `mail security smtp detect illegal mail ACTION`.
public enum DetectAction: String, CaseIterable, Sendable { case pass, transfer, reject }
/// `mail security inactive transfer ACTION`.
public enum InactiveAction: String, CaseIterable, Sendable { case reject, pass }

/// `mail security smtp from address` / `… to address`: a full address, a local part
/// (ACCOUNT, combined with the domain of the original From), or `auto`.
public enum NotificationAddress: Equatable, Sendable {
    case auto
    case account(String)
    case address(String)
}

/// `mail security white-list pattern NUM [from=KW] [to=KW]`; an omitted keyword is `*`.
public struct WhiteListPattern: Equatable, Sendable {
    public var from: String
    public var to: String
    public init(from: String = "*", to: String = "*") {
        self.from = from
        self.to = to
    }
}

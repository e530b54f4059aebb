/// What the `syslog …` commands configure. The console (ApplianceConfig) validates
/// the commands; this is the value the sender acts on.
public struct SyslogSettings: Equatable, Sendable {
    /// Up to 4 collectors (`syslog host`), each `HOST` or `HOST:PORT` / `[V6]:PORT`.
    public var hosts: [String]
    public var facility: SyslogFacility
    public var info: Bool
    public var debug: Bool
    public var notice: Bool
    public var format: SyslogFormat

    public init(
        hosts: [String] = [], facility: SyslogFacility = .user,
        info: Bool = true, debug: Bool = false, notice: Bool = false,
        format: SyslogFormat = .rfc3164
    ) {
        self.hosts = hosts
        self.facility = facility
        self.info = info
        self.debug = debug
        self.notice = notice
        self.format = format
    }
}

/// Wire format of a syslog datagram.
public enum SyslogFormat: String, CaseIterable, Sendable {
    /// RFC 3164 (BSD syslog), what routers send by default.
    case rfc3164
    /// RFC 5424 (structured syslog).
    case rfc5424
}

/// RFC 5424 §6.2.1 facility codes, named as `syslog facility` accepts them.
public enum SyslogFacility: String, CaseIterable, Sendable {
    case kern, user, mail, daemon, auth, syslog, lpr, news, uucp, cron, authpriv, ftp
    case local0, local1, local2, local3, local4, local5, local6, local7

    /// The numeric code (RFC 5424 table 1).
    public var code: Int {
        switch self {
        case .kern: 0
        case .user: 1
        case .mail: 2
        case .daemon: 3
        case .auth: 4
        case .syslog: 5
        case .lpr: 6
        case .news: 7
        case .uucp: 8
        case .cron: 9
        case .authpriv: 10
        case .ftp: 11
        case .local0: 16
        case .local1: 17
        case .local2: 18
        case .local3: 19
        case .local4: 20
        case .local5: 21
        case .local6: 22
        case .local7: 23
        }
    }
}

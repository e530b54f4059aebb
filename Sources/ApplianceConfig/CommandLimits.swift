/// Every bound the console enforces, in one place (docs/product.md §6, §7).
public enum CommandLimits {
    /// Longest console or configuration-file line, in UTF-8 bytes: far above any valid
    /// command, low enough that no input can make the parser work hard.
    public static let maxLineLength = 4096
    /// `mail security port smtp|pop`: up to 4 ports.
    public static let maxPorts = 4
    public static let portRange = 1...65535
    /// `mail security prefix TYPE PREFIX`: up to 64 characters.
    public static let maxPrefixLength = 64
    /// `mail security max size`, megabytes.
    public static let maxSizeRange = 1...100
    public static let spamLevelRange = 1...5
    /// `mail security white-list pattern NUM`.
    public static let whiteListPatternRange = 1...100
    /// `mail security white-list set NUM`.
    public static let whiteListSetRange = 1...10
    /// Longest `from=`/`to=` keyword: a full address (RFC 5321 §4.5.3.1.3 path limit).
    public static let maxWhiteListKeywordLength = 254
    /// A full mail address (RFC 5321 §4.5.3.1.3: 256-octet path minus the angle brackets).
    public static let maxAddressLength = 254
    /// A local part (RFC 5321 §4.5.3.1.1).
    public static let maxLocalPartLength = 64
    public static let yscConnectionTimeoutRange = 1...60
    public static let yscRequestTimeoutRange = 1...600
    public static let yscRetryRange = 0...10
    /// `mail security comfort interval`: one byte per interval keeps a POP3 client that
    /// gives up after about a minute of silence alive (docs/product.md §8); 45 s leaves room for one more.
    public static let pop3ComfortIntervalRange = 1...45
    /// `mail security max client sessions`: sessions one client address may hold on each
    /// listener. The default (the proxies' `MailProxyLimits.defaultSessionsPerClient`) is above
    /// Postfix's 100 delivery processes, so an office mail server is never throttled.
    public static let clientSessionsRange = 1...100_000
    public static let defaultClientSessions = 128
    /// `mail security monitor IFNAME`: a Linux interface name is at most IFNAMSIZ-1 = 15 bytes.
    public static let maxInterfaceNameLength = 15
    /// `ysc url`: long enough for any real endpoint.
    public static let maxURLLength = 1024
    /// `syslog host`: up to 4 collectors.
    public static let maxSyslogHosts = 4
    /// A host name (RFC 1035 §2.3.4: 255 octets on the wire, 253 as text).
    public static let maxHostNameLength = 253
    /// One label of a host name (RFC 1035 §2.3.4).
    public static let maxHostLabelLength = 63
    /// Longest IPv6 text form (eight groups, or six and an embedded IPv4 address).
    public static let maxIPv6TextLength = 45
    /// Console passwords: a human types them.
    public static let maxPasswordLength = 64
    /// `httpd host`: up to 4 hosts or ranges.
    public static let maxHTTPDHosts = 4
    /// `mail security tls exempt`: entries in the list, and per line (a line adds to the list).
    public static let maxTLSExempt = 64
    public static let maxTLSExemptPerLine = 16
    /// `mail security tls server-certificate`: an office has a few servers of its own.
    public static let maxTLSServerCertificates = 8
    /// Certificate and key paths (`mail security tls upstream-ca`, `… server-certificate`): PATH_MAX.
    public static let maxFilePathLength = 4095
    /// `login timer`: from one minute to the router's largest value (about 248 days).
    public static let loginTimerRange = 60...21_474_836
}

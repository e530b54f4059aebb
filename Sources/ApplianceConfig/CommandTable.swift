import Telemetry

/// The declarative command table: one entry per command of docs/product.md §7 (plus the syslog format and
/// `ysc url` extensions), in `CommandID` order. Parsing, `show config`, `help`, `show command`
/// and the CLI reference are all derived from it.
enum CommandTable {
    static let onOff = ["on", "off"]

    static let specs: [CommandSpec] = mailSecurity + tls + ysc + syslog + httpd + consoleAdmin + status + firmware

    // MARK: mail security (docs/product.md §7 rows, in order)

    static let mailSecurity: [CommandSpec] = [
        setting(.mailSecurityUse, "mail security use", [
            ParameterSpec("SW", .keyword(onOff), "`on` inspects mail, `off` relays it untouched."),
        ], .mailSecurity,
        "Turn mail inspection on or off",
        "Switching from off to on clears the statistics (the counters of `show status mail security`).",
        default: "off", examples: ["mail security use on"]),

        setting(.mailSecurityPortSMTP, "mail security port smtp", [
            ParameterSpec("PORT", .integer(CommandLimits.portRange), count: 1...CommandLimits.maxPorts, "TCP port, 1-65535; up to 4 ports."),
        ], .mailSecurity,
        "TCP ports intercepted as SMTP",
        "Connections crossing LAN1 and LAN2 to one of these ports are inspected as SMTP (send). The list replaces the previous one.",
        default: "25", examples: ["mail security port smtp 25 587"]),

        setting(.mailSecurityPortPOP, "mail security port pop", [
            ParameterSpec("PORT", .integer(CommandLimits.portRange), count: 1...CommandLimits.maxPorts, "TCP port, 1-65535; up to 4 ports."),
        ], .mailSecurity,
        "TCP ports intercepted as POP3",
        "Connections crossing LAN1 and LAN2 to one of these ports are inspected as POP3 (receive). The list replaces the previous one.",
        default: "110", examples: ["mail security port pop 110"]),

        setting(.mailSecurityPrefixSpam, "mail security prefix spam", [
            ParameterSpec("PREFIX", .text(maxLength: CommandLimits.maxPrefixLength), "Up to 64 characters; quote it when it contains spaces."),
        ], .mailSecurity,
        "Subject prefix for spam",
        "Put before the subject of spam that is delivered (separated by one space). spam+virus gets the virus prefix, then the spam prefix.",
        default: "[SPAM]", examples: ["mail security prefix spam \"[SPAM MAIL]\"", "mail security prefix spam '[SPAM] !'"]),

        setting(.mailSecurityPrefixVirus, "mail security prefix virus", [
            ParameterSpec("PREFIX", .text(maxLength: CommandLimits.maxPrefixLength), "Up to 64 characters; quote it when it contains spaces."),
        ], .mailSecurity,
        "Subject prefix for viruses",
        "Put before the subject of mail with a virus that is delivered (separated by one space).",
        default: "[VIRUS]", examples: ["mail security prefix virus \"[VIRUS WARNING]\""]),

        setting(.mailSecurityMaxSize, "mail security max size", [
            ParameterSpec("SIZE", .integer(CommandLimits.maxSizeRange), "Megabytes, 1-100."),
        ], .mailSecurity,
        "Largest message that is scanned",
        "A larger message is not scanned: `smtp size overflow` decides for SMTP; POP3 relays it unscanned.",
        default: "5", examples: ["mail security max size 10"]),

        setting(.mailSecuritySpamLevel, "mail security spam level", [
            ParameterSpec("LEVEL", .integer(CommandLimits.spamLevelRange), "1-5; a message is spam when its score is at least 90/80/70/60/50 for level 1/2/3/4/5."),
        ], .mailSecurity,
        "How strict spam detection is",
        "Higher is stricter.",
        default: "3", examples: ["mail security spam level 4"]),

        setting(.mailSecuritySMTPSizeOverflow, "mail security smtp size overflow", [
            ParameterSpec("TYPE", .keyword(OverflowAction.allCases.map(\.rawValue)), "`pass` relays it unscanned, `reject` answers `552 5.3.4`."),
        ], .mailSecurity,
        "What SMTP does with mail over the maximum size",
        "Applies to SMTP only; POP3 always relays such mail unscanned.",
        default: "pass", examples: ["mail security smtp size overflow reject"]),

        setting(.mailSecuritySMTPDetectIllegalMail, "mail security smtp detect illegal mail", [
            ParameterSpec("ACTION", .keyword(DetectAction.allCases.map(\.rawValue)), "`pass` adds the subject prefix, `transfer` sends a notification instead, `reject` answers `554 5.7.1`."),
        ], .mailSecurity,
        "What SMTP does with detected mail (spam and viruses alike)",
        "The FWX120's form: sets the actions for spam and for viruses at once (`smtp detect spam mail` and `smtp detect virus mail` set them apart). Applies to detected mail that no white-list pattern matches. POP3 always adds the prefix. `show config` prints this form while both actions are the same.",
        default: "pass", examples: ["mail security smtp detect illegal mail transfer"]),

        setting(.mailSecuritySMTPDetectSpamMail, "mail security smtp detect spam mail", [
            ParameterSpec("ACTION", .keyword(DetectAction.allCases.map(\.rawValue)), "`pass` adds the subject prefix, `transfer` sends a notification instead, `reject` answers `554 5.7.1`."),
        ], .mailSecurity,
        "What SMTP does with spam",
        "Extension: the action for spam without a virus. Mail with both spam and a virus gets the stricter of the spam and virus actions (reject, then transfer, then pass). `no` restores `pass` for spam alone.",
        default: "pass", examples: ["mail security smtp detect spam mail pass"]),

        setting(.mailSecuritySMTPDetectVirusMail, "mail security smtp detect virus mail", [
            ParameterSpec("ACTION", .keyword(DetectAction.allCases.map(\.rawValue)), "`pass` adds the subject prefix, `transfer` sends a notification instead, `reject` answers `554 5.7.1`."),
        ], .mailSecurity,
        "What SMTP does with viruses",
        "Extension: the action for mail with a virus (with or without spam, see `smtp detect spam mail`). `no` restores `pass` for viruses alone.",
        default: "pass", examples: ["mail security smtp detect virus mail reject"]),

        setting(.mailSecuritySMTPFromAddress, "mail security smtp from address", [
            ParameterSpec("ADDRESS|ACCOUNT|auto", .notificationAddress, "A full address (contains `@`); a local part, used with the domain of the original From; or `auto` (`mail-security@` that domain)."),
        ], .mailSecurity,
        "Sender of transfer notifications",
        "Used when `smtp detect illegal mail transfer` replaces a detected message by a notification.",
        default: "auto", examples: ["mail security smtp from address postmaster@example.com", "mail security smtp from address security"]),

        setting(.mailSecuritySMTPToAddress, "mail security smtp to address", [
            ParameterSpec("ADDRESS|ACCOUNT|auto", .notificationAddress, "A full address (contains `@`); a local part, used with the domain of the original From; or `auto` (the original From address)."),
        ], .mailSecurity,
        "Recipient of transfer notifications",
        "Used when `smtp detect illegal mail transfer` replaces a detected message by a notification.",
        default: "auto", examples: ["mail security smtp to address admin@example.com"]),

        setting(.mailSecurityWhiteListPattern, "mail security white-list pattern", [
            ParameterSpec("NUM", .integer(CommandLimits.whiteListPatternRange), "Pattern number, 1-100."),
            ParameterSpec("KEYWORD", .assignment("from"), count: 0...1, "Pattern for the `From:` addresses; `*` matches any characters, case-insensitive. Omitted: `*`."),
            ParameterSpec("KEYWORD", .assignment("to"), count: 0...1, "Pattern for the `To:`/`Cc:`/`Bcc:` addresses. Omitted: `*`."),
        ], .mailSecurity,
        "Define a white-list pattern",
        "A detected message matches when both parts match; a match delivers it with an `X-Yamaha-Mail-Security` header instead of a prefix, reject or transfer. `from=` and `to=` may come in either order; with neither, the pattern matches every message. Removing a pattern leaves the sets that name it unchanged: the missing number matches nothing.",
        default: "none", examples: ["mail security white-list pattern 1 from=*@example.com", "mail security white-list pattern 2 from=boss@example.com to=*@example.net"]),

        setting(.mailSecurityWhiteListSet, "mail security white-list set", [
            ParameterSpec("NUM", .integer(CommandLimits.whiteListSetRange), "Set number, 1-10."),
            ParameterSpec("LIST_NUM", .integer(CommandLimits.whiteListPatternRange), count: 1...CommandLimits.whiteListPatternRange.upperBound, "Pattern numbers, 1-100."),
        ], .mailSecurity,
        "Group white-list patterns into a set",
        "A set matches when any of its patterns matches. The list replaces the previous list of that set. A number whose pattern is not defined matches nothing.",
        default: "none", examples: ["mail security white-list set 1 1 2 3"]),

        setting(.mailSecurityWhiteListSetEnable, "mail security white-list set enable", [
            ParameterSpec("NUM", .integer(CommandLimits.whiteListSetRange), "Set number, 1-10."),
        ], .mailSecurity,
        "Choose the active white-list set",
        "Only one set is active. A set may be enabled before it is defined, or while it has no patterns: it then matches nothing, as the router does. Logged as `White list set (NUM) enabled by configuration`.",
        default: "none (no white-list)", examples: ["mail security white-list set enable 1"]),

        setting(.mailSecurityInactiveTransfer, "mail security inactive transfer", [
            ParameterSpec("ACTION", .keyword(InactiveAction.allCases.map(\.rawValue)), "`reject` refuses temporarily (SMTP `451 4.7.1`, POP3 `-ERR [SYS/TEMP]`), `pass` relays unscanned."),
        ], .mailSecurity,
        "Policy while the scan service cannot be used",
        "Applies when the licence is inactive or the scan service failed after its retries.",
        default: "reject", examples: ["mail security inactive transfer pass"]),

        setting(.mailSecurityPOP3ComfortInterval, "mail security comfort interval", [
            ParameterSpec("SECONDS|off", .integerOrKeyword(CommandLimits.pop3ComfortIntervalRange, keyword: "off"), "Seconds, 1-45, or `off`."),
        ], .mailSecurity,
        "Keep POP3 clients alive during a long scan",
        "Extension (client comforting): while a retrieved message is being scanned, one byte of the answer that every possible outcome starts with is sent per interval, so the client does not time out; nothing that could be contradicted later is ever sent early. Under `mail security inactive transfer pass` comforting starts after the first interval. Under `reject` (the default) nothing is sent while the scan can still end within 50 seconds, so a quick failure is a clean `-ERR [SYS/TEMP]`; if the scan is still running then, the appliance commits to `+OK` and starts comforting, and a failure after that closes the connection without deleting anything (the client fetches the message, and any it deleted earlier in that session, again later). No retrieval waits longer than 9 minutes (docs/pop3-client-comforting.md). `off` sends nothing until the answer is known; a scan still running after 50 seconds then gets `-ERR [SYS/TEMP]` (reject) or delivers the message unscanned (pass).",
        default: "15", examples: ["mail security comfort interval 10", "mail security comfort interval off"]),

        setting(.mailSecurityMaxClientSessions, "mail security max client sessions", [
            ParameterSpec("COUNT|off", .integerOrKeyword(CommandLimits.clientSessionsRange, keyword: "off"), "Sessions, 1-100000, or `off`."),
        ], .mailSecurity,
        "Most sessions one client address may hold at once",
        "Extension: counted per listener (SMTP and POP3 apart). The next session from an address at its limit hears `421 4.7.0` (SMTP) or `-ERR [SYS/TEMP]` (POP3) and is logged as `Too many connections from ADDRESS`; the client retries later, nothing is lost. The default is above the 100 delivery processes Postfix runs at once, so an office's own mail server sending through the appliance is not throttled; lower it where one host should get less. `off` leaves only the memory budget (`mailsecd --memory-budget`) to bound the sessions. Applies to sessions that start after the change; `mailsecd --sessions-per-client` overrides it.",
        default: "128", examples: ["mail security max client sessions 32", "mail security max client sessions off"]),

        setting(.mailSecurityInterception, "mail security interception", [
            ParameterSpec("MODE", .keyword(InterceptionSetting.allCases.map(\.rawValue)), "`appliance`, `external` or `off`."),
        ], .mailSecurity,
        "How mail crossing LAN1 and LAN2 reaches the proxies",
        "Extension. `appliance`: the box loads its own netfilter rules (TPROXY) for the `mail security port` ports crossing the ports of its port map, while `mail security use` is on, and removes them when it is off and when the daemon stops. `external`: the transparent proxies run but the box loads no rules; a firewall managed elsewhere diverts the mail to them. `off`: nothing is intercepted. `mailsecd --interception` overrides this setting (docs/interception.md).",
        default: "appliance", examples: ["mail security interception external"]),
        setting(.mailSecurityIPv6, "mail security ipv6", [
            ParameterSpec("SW", .keyword(onOff), "`on` intercepts mail over IPv6 as over IPv4, `off` over IPv4 only."),
        ], .mailSecurity,
        "Intercept mail crossing over IPv6",
        "Extension. `on`: the appliance's own rules (`mail security interception appliance`) divert SMTP and POP3 crossing over IPv6 exactly as over IPv4; the mail server sees the client's own IPv6 address. `off`: IPv6 mail crosses uninspected, but not unseen: each such session is counted in `show status mail security` (`Sessions not inspected`) and logged (docs/interception.md).",
        default: "on", examples: ["mail security ipv6 off"]),
        setting(.mailSecurityMonitor, "mail security monitor", [
            ParameterSpec("IFNAME", .interfaceName, "Network interface name, up to 15 characters (`eth1`, `lan2`)."),
        ], .mailSecurity,
        "Monitor-only mode: watch an interface passively",
        "Extension: mail crossing this interface to the `mail security port smtp/pop` ports is captured passively (libpcap), reassembled and a copy of each message is scanned; detections are counted in `show status mail security monitor` and logged with `Monitor:` in front. Traffic is never touched: nothing is blocked, tagged or delayed, and encrypted sessions are not seen (docs/monitor-and-replay.md). Takes effect at once; `no mail security monitor` stops the capture.",
        default: "none (off)", examples: ["mail security monitor eth1"]),
    ]

    // MARK: ysc

    static let ysc: [CommandSpec] = [
        setting(.yscConnectionTimeout, "ysc connection timeout", [
            ParameterSpec("TIME", .integer(CommandLimits.yscConnectionTimeoutRange), "Seconds, 1-60."),
        ], .ysc,
        "Time allowed to connect to the scan service",
        "Covers the TCP and TLS handshakes of one try.",
        default: "10", examples: ["ysc connection timeout 5"]),

        setting(.yscRequestTimeout, "ysc request timeout", [
            ParameterSpec("TIME", .integer(CommandLimits.yscRequestTimeoutRange), "Seconds, 1-600."),
        ], .ysc,
        "Time allowed for one scan request",
        "From sending the message to the complete verdict, for one try.",
        default: "60", examples: ["ysc request timeout 120"]),

        setting(.yscRetry, "ysc retry", [
            ParameterSpec("COUNT", .integer(CommandLimits.yscRetryRange), "0-10 retries after the first try."),
        ], .ysc,
        "How often a failed scan request is retried",
        "All tries of one message share one deadline.",
        default: "3", examples: ["ysc retry 1"]),

        setting(.yscURL, "ysc url", [
            ParameterSpec("URL", .httpsURL, "`https://HOST[:PORT][/PATH]`."),
        ], .ysc,
        "Address of the scan service",
        "Extension: the HTTPS base URL of the scan service. The default is the scan service bundled on the appliance, so a fresh box works without any cloud.",
        default: "https://127.0.0.1:8443/", examples: ["ysc url https://ysc.example.com/", "ysc url https://[2001:db8::1]:8443/scan"]),
    ]

    // MARK: syslog

    static let syslog: [CommandSpec] = [
        setting(.syslogHost, "syslog host", [
            ParameterSpec("HOST", .host, count: 1...CommandLimits.maxSyslogHosts, "IPv4 or IPv6 address or host name, optionally with a UDP port (`HOST:PORT`, `[IPV6]:PORT`); up to 4."),
        ], .syslog,
        "Syslog collectors",
        "Log lines are sent over UDP to every host (port 514 unless given). The list replaces the previous one.",
        default: "none", examples: ["syslog host 192.0.2.10", "syslog host 192.0.2.10 [2001:db8::10]:5514 logs.example.com"]),

        setting(.syslogFacility, "syslog facility", [
            ParameterSpec("FACILITY", .keyword(SyslogFacility.allCases.map(\.rawValue)), "One of " + SyslogFacility.allCases.map { "`\($0.rawValue)`" }.joined(separator: ", ") + "."),
        ], .syslog,
        "Syslog facility",
        "The facility of every line sent.",
        default: "user", examples: ["syslog facility local0"]),

        setting(.syslogInfo, "syslog info", [
            ParameterSpec("SW", .keyword(onOff), "`on` or `off`."),
        ], .syslog,
        "Send INFO lines",
        "Detections, white-list matches, size and policy events (docs/product.md §9).",
        default: "on", examples: ["syslog info off"]),

        setting(.syslogDebug, "syslog debug", [
            ParameterSpec("SW", .keyword(onOff), "`on` or `off`."),
        ], .syslog,
        "Send DEBUG lines",
        "Scan service connection details (docs/product.md §9).",
        default: "off", examples: ["syslog debug on"]),

        setting(.syslogNotice, "syslog notice", [
            ParameterSpec("SW", .keyword(onOff), "`on` or `off`."),
        ], .syslog,
        "Send NOTICE lines",
        "Notices of the appliance itself.",
        default: "off", examples: ["syslog notice on"]),

        setting(.syslogFormat, "syslog format", [
            ParameterSpec("FORMAT", .keyword(SyslogFormat.allCases.map(\.rawValue)), "`rfc3164` (BSD syslog) or `rfc5424`."),
        ], .syslog,
        "Syslog wire format",
        "Extension: the format of the datagrams.",
        default: "rfc3164", examples: ["syslog format rfc5424"]),
    ]

    // MARK: web console (httpd)

    static let httpd: [CommandSpec] = [
        setting(.httpdHost, "httpd host", [
            ParameterSpec("HOST", .httpdHost, count: 1...CommandLimits.maxHTTPDHosts, "An IPv4 or IPv6 address, a range `ADDRESS-ADDRESS`, `lan1` (hosts on LAN1's networks), `any` or `none`; up to 4 (`any` and `none` stand alone)."),
        ], .httpd,
        "Hosts that may open the web console",
        "Requests from other hosts are answered `403 Forbidden` before any page runs. The list replaces the previous one. Without an entry no host is let in and mailsecd serves nothing; the firmware image's default configuration is to enter `httpd host lan1`. `mailsecd --http-listen` also lets in the local host (docs/web-console.md).",
        default: "none (lan1 on the firmware image)", examples: ["httpd host lan1", "httpd host 192.0.2.1-192.0.2.63 2001:db8::10", "httpd host any"]),

        setting(.httpdListen, "httpd listen", [
            ParameterSpec("PORT", .integer(CommandLimits.portRange), "TCP port, 1-65535."),
        ], .httpd,
        "TCP port of the web console",
        "The web console answers HTTPS on this port, with a certificate the appliance generated at its first start. A change takes effect when mailsecd next starts.",
        default: "443", examples: ["httpd listen 8443"]),
    ]

    // MARK: console and administration

    static let consoleAdmin: [CommandSpec] = [
        setting(.administratorPassword, "administrator password", [
            ParameterSpec("PASSWORD", .password, count: 1...2, "Up to 64 characters; quote it when it contains spaces. `show config` writes it back as `encrypted HASH`."),
        ], .consoleAdmin,
        "Password for administrator mode",
        "Only a salted PBKDF2-HMAC-SHA-256 hash is kept and shown (`administrator password encrypted $pbkdf2-sha256$ITERATIONS$SALT$DIGEST`); entering that line restores the same hash. Without a password, administrator mode is entered with an empty password.",
        default: "none", examples: ["administrator password \"correct horse\""]),

        setting(.loginPassword, "login password", [
            ParameterSpec("PASSWORD", .password, count: 1...2, "Up to 64 characters; quote it when it contains spaces. `show config` writes it back as `encrypted HASH`."),
        ], .consoleAdmin,
        "Password for console login",
        "Only a salted PBKDF2-HMAC-SHA-256 hash is kept and shown, as for `administrator password`. Without a password, login needs an empty password.",
        default: "none", examples: ["login password s3cret"]),

        setting(.loginTimer, "login timer", [
            ParameterSpec("SECONDS|clear", .integerOrKeyword(CommandLimits.loginTimerRange, keyword: "clear"), "Seconds, 60-21474836, or `clear` for no timeout."),
        ], .consoleAdmin,
        "Idle time after which a console session ends",
        "`clear` keeps idle sessions open.",
        default: "300", examples: ["login timer 600", "login timer clear"]),

        operation(.showConfig, "show config", [], .consoleAdmin,
                  "Show the commands entered",
                  "Only entered commands are shown, in command-table order (the order of this reference), numbered entries by number. A command that sets the default is still shown; `no` removes it.",
                  examples: ["show config"]) { _ in .showConfig },

        operation(.save, "save", [], .consoleAdmin,
                  "Save the configuration",
                  "Writes what `show config` shows, so that it is applied at the next start.",
                  examples: ["save"]) { _ in .save },

        operation(.showLog, "show log", [], .consoleAdmin,
                  "Show the log",
                  "The recent log lines of the appliance.",
                  examples: ["show log"]) { _ in .showLog },

        operation(.help, "help", [
            ParameterSpec("WORDS", .words, count: 0...CommandLimits.maxLineLength, "The first words of the commands to explain; keywords may be abbreviated."),
        ], .consoleAdmin,
        "Explain commands",
        "Lists every command starting with WORDS with its syntax and a one-line description; without WORDS, every command.",
        examples: ["help", "help mail security white-list"]) { words in .help(words) },

        operation(.showCommand, "show command", [], .consoleAdmin,
                  "List every command",
                  "One line per command, with its syntax.",
                  examples: ["show command"]) { _ in .showCommand },
    ]

    // MARK: status

    static let status: [CommandSpec] = [
        operation(.showStatusMailSecurity, "show status mail security", [
            ParameterSpec("history", .keyword(["history"]), count: 0...1, "Show the most recent detections instead of the counters."),
        ], .status,
        "Show mail inspection counters or history",
        "Without `history`: use on/off, licence and scan service state, and per protocol the counts of inspected, clean, spam, virus, spam+virus, white-listed, tagged, rejected, transferred, over size, could not scan and rejected while unavailable. With `history`: the most recent detections, newest first.",
        examples: ["show status mail security", "show status mail security history"]) { words in .showStatusMailSecurity(history: !words.isEmpty) },

        operation(.showStatusWhiteList, "show status mail security white-list", [
            ParameterSpec("history", .keyword(["history"]), count: 0...1, "Show the most recent matches instead of the counters."),
        ], .status,
        "Show white-list counters or history",
        "Without `history`: the match count of each pattern. With `history`: the most recent white-list matches, newest first.",
        examples: ["show status mail security white-list", "show status mail security white-list history"]) { words in .showStatusWhiteList(history: !words.isEmpty) },

        operation(.showStatusMonitor, "show status mail security monitor", [], .status,
                  "Show monitor-only mode counters",
                  "The watched interface and capture state, packets captured and dropped, sessions followed and encrypted, and per protocol the messages seen, scanned, clean, spam, virus, spam+virus, could not scan, and not scanned (incomplete, over size, empty, or busy: too much mail in flight).",
                  examples: ["show status mail security monitor"]) { _ in .showStatusMonitor },

        operation(.clearMailSecurityHistory, "clear mail security history", [], .status,
                  "Clear the detection history",
                  "Empties the list of `show status mail security history`.",
                  examples: ["clear mail security history"]) { _ in .clearMailSecurityHistory },

        operation(.clearWhiteListHistory, "clear mail security white-list history", [], .status,
                  "Clear the white-list history",
                  "Empties the list of `show status mail security white-list history`.",
                  examples: ["clear mail security white-list history"]) { _ in .clearWhiteListHistory },

        operation(.showStatusYSC, "show status ysc", [], .status,
                  "Show scan service counters",
                  "Service URL and address, state, requests, successes, retries, connect, TLS, timeout, read and name-resolution failures, the last error and its time, response times.",
                  examples: ["show status ysc"]) { _ in .showStatusYSC },

        operation(.clearStatusYSC, "clear status ysc", [], .status,
                  "Clear scan service counters",
                  "Sets the counters of `show status ysc` to zero.",
                  examples: ["clear status ysc"]) { _ in .clearStatusYSC },

        operation(.showStatusLicense, "show status license", [], .status,
                  "Show the licence state",
                  "Product, state (active, renewal grace, authentication grace, inactive) and expiry date.",
                  examples: ["show status license"]) { _ in .showStatusLicense },
    ]

    /// Nodes whose next word docs/product.md §7 documents as a parameter (`prefix TYPE`, `port smtp|pop`)
    /// though the table spells each choice as its own command: an unknown word there is an
    /// illegal keyword rather than an invalid command name.
    static let keywordChoiceNodes: Set<[String]> = [
        ["mail", "security", "prefix"],
        ["mail", "security", "port"],
        ["mail", "security", "port", "tls"],
        ["mail", "security", "smtp", "detect"],
    ]

    // MARK: builders

    private static func setting(
        _ id: CommandID, _ command: String, _ parameters: [ParameterSpec], _ group: CommandGroup,
        _ summary: String, _ details: String, default defaultValue: String, examples: [String]
    ) -> CommandSpec {
        let indexed = id == .mailSecurityWhiteListPattern || id == .mailSecurityWhiteListSet
        return CommandSpec(
            id: id, keywords: command.split(separator: " ").map(String.init), parameters: parameters,
            kind: .setting(indexed: indexed), group: group, summary: summary, details: details,
            defaultValue: defaultValue, examples: examples)
    }

    static func operation(
        _ id: CommandID, _ command: String, _ parameters: [ParameterSpec], _ group: CommandGroup,
        _ summary: String, _ details: String, examples: [String],
        _ make: @escaping @Sendable ([String]) -> ConsoleOperation
    ) -> CommandSpec {
        CommandSpec(
            id: id, keywords: command.split(separator: " ").map(String.init), parameters: parameters,
            kind: .operation(make), group: group, summary: summary, details: details,
            defaultValue: nil, examples: examples)
    }
}

/// One row of the command table: everything the parser, `show config`, `help`,
/// `show command` and the CLI reference know about a command.
struct CommandSpec: Sendable {
    enum Kind: Sendable {
        /// A configuration command. When `indexed`, the first parameter is a number that names
        /// one of several entries (`white-list pattern 3`), and `no` needs it to know which.
        case setting(indexed: Bool)
        /// An operational command: never stored, turned into an `ConsoleOperation` from its
        /// canonical parameters.
        case operation(@Sendable ([String]) -> ConsoleOperation)
    }

    let id: CommandID
    /// Full, lower-case keywords (`["mail", "security", "use"]`).
    let keywords: [String]
    let parameters: [ParameterSpec]
    let kind: Kind
    let group: CommandGroup
    /// One line for `help` and `show command`.
    let summary: String
    /// Longer text for the CLI reference.
    let details: String
    /// The factory default, as prose; nil for operations.
    let defaultValue: String?
    /// Complete example lines.
    let examples: [String]
    /// A list setting whose entered values are added to the list; `no` with values removes
    /// those, without values the whole list (`mail security tls exempt`).
    var accumulates = false

    var isSetting: Bool {
        if case .setting = kind { true } else { false }
    }

    var isIndexed: Bool {
        if case .setting(indexed: true) = kind { true } else { false }
    }

    var command: String { keywords.joined(separator: " ") }

    /// `mail security port smtp PORT [PORT …]`.
    var syntax: String {
        ([command] + parameters.map(\.syntax)).joined(separator: " ")
    }

    /// `no mail security port smtp [PORT …]`, or nil for operations.
    var noSyntax: String? {
        guard isSetting else { return nil }
        if isIndexed, let index = parameters.first { return "no \(command) \(index.name) [...]" }
        if accumulates, let value = parameters.first { return "no \(command) [\(value.name) ...]" }
        return parameters.isEmpty ? "no \(command)" : "no \(command) [...]"
    }
}

/// A parameter of a command, as the grammar and the documentation see it.
struct ParameterSpec: Sendable {
    let name: String
    let kind: ParameterKind
    /// How many words it takes: `1...1` required, `0...1` optional, `1...4` a list.
    let count: ClosedRange<Int>
    let description: String

    init(_ name: String, _ kind: ParameterKind, count: ClosedRange<Int> = 1...1, _ description: String) {
        self.name = name
        self.kind = kind
        self.count = count
        self.description = description
    }

    var syntax: String {
        let word = if case .assignment(let key) = kind { "\(key)=\(name)" } else { name }
        // Two words only in the `encrypted HASH` form `show config` writes; users type one.
        if case .password = kind { return word }
        switch (count.lowerBound, count.upperBound) {
        case (1, 1): return word
        case (0, 1): return "[\(word)]"
        case (0, _): return "[\(word) ...]"
        default: return "\(word) [\(word) ...]"
        }
    }

    var isAssignment: Bool {
        if case .assignment = kind { true } else { false }
    }
}

/// What a parameter word may be, and how it is checked and written canonically.
enum ParameterKind: Sendable {
    /// A decimal integer in the range.
    case integer(ClosedRange<Int>)
    /// One of these lower-case keywords; a unique prefix is accepted, case-insensitively.
    case keyword([String])
    /// Free text up to the length (no control characters): subject prefixes.
    case text(maxLength: Int)
    /// `ADDRESS|ACCOUNT|auto` of `smtp from/to address`.
    case notificationAddress
    /// `HOST`, `HOST:PORT` or `[V6]:PORT` of `syslog host`.
    case host
    /// The scan service's `https://` URL.
    case httpsURL
    /// A network interface name (`mail security monitor IFNAME`).
    case interfaceName
    /// `PASSWORD`, or `encrypted HASH` as `show config` writes it back.
    case password
    /// Seconds in the range, or the keyword that means "no limit".
    case integerOrKeyword(ClosedRange<Int>, keyword: String)
    /// `KEY=VALUE` (`from=*@example.com`), matched by key rather than position.
    case assignment(String)
    /// Any words, unchecked (`help WORDS`).
    case words
    /// `ADDRESS`, `ADDRESS-ADDRESS`, `lan1`, `any` or `none` of `httpd host`.
    case httpdHost
    /// An absolute path of a file on the appliance (certificates, keys).
    case filePath
    /// A numeric IPv4 or IPv6 address, written back in its canonical form.
    case ipAddress
    /// An entry of `mail security tls exempt` (`TLSExemptEntry`).
    case tlsExemptHost
}

/// The CLI reference page a command is documented on.
enum CommandGroup: String, CaseIterable, Sendable {
    case mailSecurity = "mail-security"
    case ysc
    case syslog
    case httpd
    case consoleAdmin = "console-admin"
    case status
    case tls = "mail-security-tls"

    var title: String {
        switch self {
        case .mailSecurity: "Mail security commands"
        case .ysc: "Scan service (YSC) commands"
        case .syslog: "Syslog commands"
        case .httpd: "Web console (httpd) commands"
        case .consoleAdmin: "Console and administration commands"
        case .status: "Status commands"
        case .tls: "Encrypted mail (TLS) commands"
        }
    }

    var introduction: String {
        switch self {
        case .mailSecurity:
            "Inspection of SMTP (send) and POP3 (receive) traffic crossing LAN1 and LAN2: ports, subject prefixes, size limit, spam level, what happens to detected mail, the white-list and the policy when the scan service cannot be used (docs/product.md §4–§7)."
        case .ysc:
            "How the appliance talks to the scan service: timeouts, retries and its address."
        case .syslog:
            "Where the appliance's `[MAIL_SEC]` log lines go and which levels are sent (docs/product.md §9)."
        case .httpd:
            "The web console: which hosts may open it and on which port it answers (docs/web-console.md)."
        case .consoleAdmin:
            "Console access, and the commands that show, save and explain the configuration."
        case .status:
            "Counters, histories and licence state, and the commands that clear them."
        case .tls:
            "Inspection of encrypted SMTP and POP3 (STARTTLS, STLS, implicit TLS on 465 and 995): the mode per protocol, the site CA the office's clients install, what happens when a server's certificate fails verification, and the servers left alone (docs/product.md §11, docs/tls.md)."
        }
    }
}

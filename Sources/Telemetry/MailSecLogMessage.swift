/// The `[MAIL_SEC] ` syslog catalogue of docs/product.md §9, as typed values.
///
/// CONTRACT: every part of the firmware logs through these cases, never through free text,
/// so the catalogue in docs/syslog.md is the whole truth about what the appliance says.
public enum MailSecLogMessage: Equatable, Sendable {
    case detectSpam(score: Int)
    case detectVirus(names: [String])
    case detectSpamAndVirus(score: Int, names: [String])
    case mailSizeOver(protocol: MailProtocol, size: Int)
    case cannotScan(protocol: MailProtocol)
    case whiteListMatch(pattern: Int)
    case whiteListSetEnabled(set: Int)
    case rejectInactiveLicense
    case rejectYSCFailure
    /// Monitor-only mode: a copy of captured mail was detected (spam when `score` is given,
    /// virus when `names` is not empty). Nothing was done to the mail itself.
    case monitorDetection(protocol: MailProtocol, score: Int?, names: [String])
    /// Monitor-only mode: a copy of captured mail could not be scanned.
    case monitorCannotScan(protocol: MailProtocol)
    /// DEBUG `[ID] Connect ADDRESS:PORT`
    case yscConnect(id: String, address: String, port: Int)
    /// DEBUG `[ID] SSL connect error`
    case yscTLSError(id: String)
    /// DEBUG `[ID] Can't connect to YSC(CODE)`
    case yscConnectFailed(id: String, code: Int)
    /// DEBUG `[ID] Read error from YSC(CODE)`
    case yscReadError(id: String, code: Int)
    /// DEBUG `no such domain name (FQDN)`
    case noSuchDomainName(fqdn: String)
    /// A client address already had the most sessions allowed; the new one was refused (421).
    case tooManyConnections(protocol: MailProtocol, address: String)
    /// A client collected the most error replies allowed; its session was closed (421).
    case tooManyErrors(protocol: MailProtocol, address: String)
    /// A client did not finish a command or its message in time; its session was closed (421).
    case clientTimeout(protocol: MailProtocol, address: String)
    /// Mail sessions crossed the box in a family not intercepted (`mail security ipv6 off`):
    /// never inspected, but not unseen either.
    case uninspectedSessions(count: Int, family: String)
    /// A TLS outcome other than `inspected` (docs/tls.md), with the client's address and what
    /// went wrong, if anything ("certificate has expired", "unknown CA alert").
    case tlsOutcome(protocol: MailProtocol, outcome: TLSOutcome, address: String, detail: String?)

    /// Every line starts with this (docs/product.md §9).
    public static let prefix = "[MAIL_SEC] "

    public var severity: SyslogSeverity {
        switch self {
        case .yscConnect, .yscTLSError, .yscConnectFailed, .yscReadError, .noSuchDomainName: .debug
        default: .info
        }
    }

    /// The message text, prefix included.
    public var text: String {
        Self.prefix + body
    }

    private var body: String {
        switch self {
        case .detectSpam(let score): "Detect spam mail (\(score))"
        case .detectVirus(let names): "Detect virus mail (\(names.joined(separator: ",")))"
        case .detectSpamAndVirus(let score, let names):
            "Detect spam(\(score)) + virus mail (\(names.joined(separator: ",")))"
        case .mailSizeOver(let proto, let size): "\(proto.logName): Mail size is over (\(size))"
        case .cannotScan(let proto): "\(proto.logName): can't scan mail"
        case .whiteListMatch(let pattern): "Match white-list pattern (\(pattern))"
        case .whiteListSetEnabled(let set): "White list set (\(set)) enabled by configuration"
        case .rejectInactiveLicense: "Reject mail transfer for inactive license"
        case .rejectYSCFailure: "Reject mail transfer for failure to access YSC"
        case .monitorDetection(let proto, let score, let names):
            switch (score, names.isEmpty) {
            case (let score?, true): "Monitor: \(proto.logName): Detect spam mail (\(score))"
            case (let score?, false): "Monitor: \(proto.logName): Detect spam(\(score)) + virus mail (\(names.joined(separator: ",")))"
            case (nil, _): "Monitor: \(proto.logName): Detect virus mail (\(names.joined(separator: ",")))"
            }
        case .monitorCannotScan(let proto): "Monitor: \(proto.logName): can't scan mail"
        case .yscConnect(let id, let address, let port): "[\(id)] Connect \(address):\(port)"
        case .yscTLSError(let id): "[\(id)] SSL connect error"
        case .yscConnectFailed(let id, let code): "[\(id)] Can't connect to YSC(\(code))"
        case .yscReadError(let id, let code): "[\(id)] Read error from YSC(\(code))"
        case .noSuchDomainName(let fqdn): "no such domain name (\(fqdn))"
        case .tooManyConnections(let proto, let address): "\(proto.logName): Too many connections from \(address)"
        case .tooManyErrors(let proto, let address): "\(proto.logName): Too many errors from \(address), session closed"
        case .clientTimeout(let proto, let address): "\(proto.logName): Timeout waiting for \(address), session closed"
        case .uninspectedSessions(let count, let family):
            "Not inspected: \(count) mail session\(count == 1 ? "" : "s") over \(family) crossed the box (\(family) interception off)"
        case .tlsOutcome(let proto, let outcome, let address, let detail):
            "\(proto.logName): TLS \(outcome.label) for \(address)" + (detail.map { " (\($0))" } ?? "")
        }
    }
}

/// The two inspected protocols; SMTP is the `send` operation, POP3 `receive` (docs/product.md §3). The one
/// type for it, from the listener and the decision to the counters, logs and capture replay.
public enum MailProtocol: String, Sendable, Hashable, CaseIterable {
    case smtp, pop3

    public var logName: String { self == .smtp ? "SMTP" : "POP3" }
    public var operation: String { self == .smtp ? "send" : "receive" }
}

/// RFC 5424 §6.2.1 severities.
public enum SyslogSeverity: Int, Sendable, CaseIterable {
    case emergency = 0, alert, critical, error, warning, notice, info, debug
}

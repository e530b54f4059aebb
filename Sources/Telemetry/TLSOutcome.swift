/// What became of a client's request for encryption (STARTTLS, STLS) or of an implicit-TLS
/// session, counted per protocol in `show status mail security` and logged (docs/tls.md).
public enum TLSOutcome: String, CaseIterable, Sendable {
    /// Both halves secured by the appliance; the mail inside was inspected.
    case inspected
    /// Relayed encrypted and untouched (`tls pass`): not inspected.
    case passed
    /// The server is on the exempt list: relayed encrypted and untouched, not inspected.
    case exempt
    /// Refused (`tls block`): the session stayed in plaintext, or an implicit-TLS session was closed.
    case blocked
    /// The client did not accept the certificate the appliance presented (it does not trust the
    /// site CA, or the upstream's certificate was invalid and re-signed by the untrusted CA).
    case clientRefusedCertificate
    /// The server's certificate failed verification (chain, validity, or the name the client asked for).
    case upstreamCertificateInvalid
    /// A handshake failed for another reason (either half), or the server refused the upgrade.
    case handshakeFailed

    /// The words after "SMTP TLS " in the status item (each fits `StatusTable`'s item field).
    public var label: String {
        switch self {
        case .inspected: "inspected"
        case .passed: "passed"
        case .exempt: "exempt"
        case .blocked: "blocked"
        case .clientRefusedCertificate: "client refused"
        case .upstreamCertificateInvalid: "upstream invalid"
        case .handshakeFailed: "handshake failed"
        }
    }
}

/// The TLS counters, per protocol. Thread-safe.
public final class TLSStatistics: Sendable {
    private let state = LockedState([MailProtocol: [TLSOutcome: Int]]())

    public init() {}

    public func record(_ outcome: TLSOutcome, for mailProtocol: MailProtocol) {
        state.withLock { $0[mailProtocol, default: [:]][outcome, default: 0] &+= 1 }
    }

    public func value(_ outcome: TLSOutcome, for mailProtocol: MailProtocol) -> Int {
        state.withLock { $0[mailProtocol]?[outcome] ?? 0 }
    }

    /// The `show status mail security` rows ("SMTP TLS inspected" …).
    public var statusRows: [(item: String, value: String)] {
        MailProtocol.allCases.flatMap { mailProtocol in
            TLSOutcome.allCases.map { ("\(mailProtocol.logName) TLS \($0.label)", String(value($0, for: mailProtocol))) }
        }
    }
}

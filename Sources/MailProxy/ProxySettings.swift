import ApplianceConfig
import MailRelay
import MessageInspection
import NIOCore
import NIOConcurrencyHelpers
import POP3Relay
import SMTPRelay

/// The part of the appliance configuration the mail proxies use (docs/product.md §5, §7), as one value:
/// SMTP and POP3 share it (POP3 ignores the SMTP-only detect action, size overflow and
/// notification addresses).
/// The daemon builds it from the configuration; a session takes a snapshot per message.
/// What decides about a message is `inspection` (MessageInspection's own type, so each setting
/// exists once); the rest is what only the proxy uses.
public struct ProxySettings: Sendable, Hashable {
    /// `mail security use`, max size, policy, white-list, notification addresses: the
    /// decider's share (`MessageDecider`), one snapshot per message.
    public var inspection: InspectionSettings
    /// `mail security comfort interval` (nil: off); within `POP3Limits.comfortIntervalRange`.
    public var pop3ComfortInterval: TimeAmount?
    /// `mail security max client sessions` (nil: off), read by `ClientSessionTable` at each
    /// admission.
    public var sessionsPerClient: Int?
    /// `mail security smtp tls` / `pop3 tls` (docs/tls.md); applied only where the daemon has a
    /// `TLSInterceptor`, otherwise every upgrade is blocked.
    public var smtpTLS: TLSPolicy = .inspect
    public var pop3TLS: TLSPolicy = .inspect
    /// `mail security tls exempt`: servers whose upgrade passes untouched, by address or prefix
    /// (a name entry needs the client's SNI, which STARTTLS gives only after the server half
    /// is secured: it applies to implicit TLS).
    public var tlsExempt: [TLSExemptEntry] = []

    /// Whether the session to `server` is exempt from TLS inspection; `serverName`: the SNI of
    /// the client's hello, when it is known before the server half (implicit TLS).
    func isExemptFromTLSInspection(_ server: SocketAddress, serverName: String? = nil) -> Bool {
        guard !tlsExempt.isEmpty, let bytes = server.ipAddress.flatMap(HTTPDHost.addressBytes) else { return false }
        return TLSExemptEntry.isExempt(tlsExempt, address: bytes, serverName: serverName)
    }

    /// Whether the exempt list names servers (not only addresses): only the client's SNI can match them.
    var exemptsByName: Bool {
        tlsExempt.contains { if case .network = $0 { false } else { true } }
    }

    public init(inspection: InspectionSettings = InspectionSettings(enabled: false),
                pop3ComfortInterval: TimeAmount? = POP3Limits.defaultComfortInterval,
                sessionsPerClient: Int? = MailProxyLimits.defaultSessionsPerClient) {
        self.inspection = inspection
        self.sessionsPerClient = sessionsPerClient
        self.pop3ComfortInterval = pop3ComfortInterval.map {
            min(max($0, POP3Limits.comfortIntervalRange.lowerBound), POP3Limits.comfortIntervalRange.upperBound)
        }
    }

    /// The relay's share, fixed for one session. With `mail security use off` nothing is
    /// refused for its size: the limit is the store's own cap and the overflow policy is pass.
    public var relayConfiguration: SMTPRelayConfiguration {
        guard inspection.enabled else {
            return SMTPRelayConfiguration(maximumMessageSize: MessageBufferLimits.hardStoreCap, sizeOverflow: .pass)
        }
        return SMTPRelayConfiguration(maximumMessageSize: inspection.maximumMessageSize,
                                      sizeOverflow: inspection.policy.sizeOverflow == .reject ? .reject : .pass)
    }
}

extension ProxySettings {
    /// The POP3 relay's share, fixed for one session. An over-size RETR is always relayed
    /// unscanned (docs/product.md §5); with `mail security use off` nothing is over size. The unavailable
    /// policy must be the one the session's decisions use (client comforting relies on it).
    public var pop3RelayConfiguration: POP3RelayConfiguration {
        POP3RelayConfiguration(
            maximumMessageSize: inspection.enabled ? inspection.maximumMessageSize : MessageBufferLimits.hardStoreCap,
            unavailablePolicy: inspection.policy.inactiveAction == .pass ? .pass : .reject,
            comfortInterval: pop3ComfortInterval)
    }
}

/// The live settings, shared by every session: the daemon replaces them on each console
/// change, a session reads one snapshot per message (a lock around one value; never held
/// across anything else).
public final class ProxySettingsProvider: Sendable {
    private let box: NIOLockedValueBox<ProxySettings>

    public init(_ settings: ProxySettings = ProxySettings()) {
        box = NIOLockedValueBox(settings)
    }

    public var current: ProxySettings { box.withLockedValue { $0 } }

    public func update(_ settings: ProxySettings) {
        box.withLockedValue { $0 = settings }
    }
}

import MailRelay
import MessageInspection
import NIOCore
import SMTPRelay
import Telemetry

extension SMTPRelayMachine: SessionRelay {
    static var mailProtocol: MailProtocol { .smtp }

    init(settings: ProxySettings, timeDivisor: Int, tlsAvailable: Bool) {
        var configuration = settings.relayConfiguration
        configuration.timeouts = SMTPTimeouts.standard.divided(by: timeDivisor)
        configuration.tls = tlsAvailable ? settings.smtpTLS : .block
        self.init(configuration: configuration)
    }

    static func refusal(_ reason: AdmissionRefusal, hostname: String) -> ByteBuffer {
        switch reason {
        case .tooManyConnections:
            return ByteBuffer(string: "421 4.7.0 \(hostname) Too many connections from your address, try again later\r\n")
        case .resourcesExhausted:
            // RFC 3463 4.3.2: system not accepting network messages.
            return ByteBuffer(string: "421 4.3.2 System resources exhausted, try again later\r\n")
        }
    }

    static func decision(_ disposition: MessageDisposition) -> RelayDecision { RelayDecision(disposition) }

    static let localProblem = RelayDecision.tempfail(text: "4.3.0 Temporary local problem, try again later")

    static func envelopeSender(of envelope: SMTPEnvelope) -> String? { envelope.reversePath }

    static func sessionNotice(_ notice: RelayNotice) -> SessionNotice? {
        switch notice {
        case .overSize(let size, _): return .overSize(octets: size)
        case .serverProtocolError: return nil
        case .tooManyErrors: return .tooManyErrors
        case .clientTimedOut: return .clientTimedOut
        case .tls(let notice): return .tls(notice)
        }
    }

    /// Under the size-overflow pass policy the store keeps what goes past `max size` (it is
    /// delivered unscanned from there); under reject nothing past the limit is kept.
    var storeLimit: Int {
        configuration.sizeOverflow == .pass ? MessageBufferLimits.hardStoreCap : configuration.maximumMessageSize
    }

    static func tlsPolicy(_ settings: ProxySettings) -> TLSPolicy { settings.smtpTLS }

    static var keepsUnavailablePolicyOfStart: Bool { false }
    static var abandonedDeliveryClosesBothSides: Bool { false }
}

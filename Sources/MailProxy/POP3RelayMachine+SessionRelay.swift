import MailRelay
import MessageInspection
import NIOCore
import POP3Relay
import Telemetry

extension POP3RelayMachine: SessionRelay {
    static var mailProtocol: MailProtocol { .pop3 }

    init(settings: ProxySettings, timeDivisor: Int, tlsAvailable: Bool) {
        var configuration = settings.pop3RelayConfiguration
        configuration.timeouts = POP3Timeouts.standard.divided(by: timeDivisor)
        configuration.tls = tlsAvailable ? settings.pop3TLS : .block
        self.init(configuration: configuration)
    }

    /// RFC 3206 §4 `[SYS/TEMP]`: a temporary condition of the system; the client retries.
    static func refusal(_ reason: AdmissionRefusal, hostname: String) -> ByteBuffer {
        switch reason {
        case .tooManyConnections:
            return ByteBuffer(string: "-ERR [SYS/TEMP] Too many connections from your address, try again later\r\n")
        case .resourcesExhausted:
            return ByteBuffer(string: "-ERR [SYS/TEMP] System resources exhausted, try again later\r\n")
        }
    }

    static func decision(_ disposition: MessageDisposition) -> POP3Decision { POP3Decision(disposition) }

    static let localProblem = POP3Decision.tempfail(text: "Temporary local problem, try again later")

    static func envelopeSender(of message: Int) -> String? { nil }

    static func sessionNotice(_ notice: POP3Notice) -> SessionNotice? {
        switch notice {
        case .overSize(_, let size): return .overSize(octets: size)
        case .scanTimedOut: return .scanAbandoned
        case .tooManyErrors: return .tooManyErrors
        case .tls(let notice): return .tls(notice)
        case .abortedAfterCommitment, .answerContradictsComfort, .serverProtocolError, .timedOut: return nil
        }
    }

    /// The relay stores past `max size` (an over-size RETR is delivered unscanned from the
    /// store), so the store's own cap is the only limit.
    var storeLimit: Int { MessageBufferLimits.hardStoreCap }

    static func tlsPolicy(_ settings: ProxySettings) -> TLSPolicy { settings.pop3TLS }

    static var keepsUnavailablePolicyOfStart: Bool { true }
    static var abandonedDeliveryClosesBothSides: Bool { true }
}

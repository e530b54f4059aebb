import NIOCore

/// The responses the appliance gives itself (every other response is the server's own).
enum POP3RelayReplies {
    /// `TLSPolicy.block`: STLS is not offered (removed from CAPA) and refused if tried anyway.
    static let stlsRefused = line("-ERR STLS not available")
    /// RFC 2595 §4: STLS inside TLS.
    static let tlsAlreadyActive = line("-ERR Command not permitted when TLS active")
    /// The server half could not be secured (RFC 3206 §4: temporary).
    static let tlsUnavailable = line("-ERR [SYS/TEMP] TLS not available due to temporary reason")
    /// RFC 2449 §4: over 255 octets.
    static let lineTooLong = line("-ERR Line too long")
    /// `POP3Limits.maximumErrorResponses` reached; both sides close without QUIT.
    static let tooManyErrors = line("-ERR Too many errors, closing connection")
    /// RETR/TOP whose message number the relay cannot read (RFC 1939 §5 and §7: a required argument).
    static let invalidMessageNumber = line("-ERR Invalid message number")
    /// RFC 1939 §3: CR only in CRLF; a server that split at a bare CR would fall out of step.
    static let bareCarriageReturn = line("-ERR Bare CR not allowed")
    /// The server sent something that is not POP3 (docs/engineering-habits.md, habit 4: a response and a clean close).
    static let serverProtocolError = line("-ERR [SYS/TEMP] Mail server protocol error")
    /// The server went away while a command waited for its response.
    static let serverConnectionLost = line("-ERR [SYS/TEMP] Mail server connection lost")
    /// The server did not answer within `POP3Limits.serverResponseTimeout`.
    static let serverTimeout = line("-ERR [SYS/TEMP] Mail server timed out")
    /// The decision did not come in time under the reject policy (RFC 3206 §4: temporary).
    static let scanTimedOut = "Mail security scan timed out, try again later"

    static func tempfail(_ text: String) -> ByteBuffer {
        ByteBuffer(string: "-ERR [SYS/TEMP] \(sanitised(text))\r\n")
    }

    private static func line(_ text: String) -> ByteBuffer { ByteBuffer(string: text + "\r\n") }

    /// Text from configuration must not become a second response line.
    static func sanitised(_ text: String) -> String {
        String(text.unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7F }.map(Character.init))
    }
}

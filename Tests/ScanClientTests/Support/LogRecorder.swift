import Foundation
import Telemetry

/// Collects what the client logs, for assertions (the daemon would send it to syslog).
final class LogRecorder: @unchecked Sendable {
    private let lock = NSLock()
    private var messages: [MailSecLogMessage] = []

    var sink: @Sendable (MailSecLogMessage) -> Void {
        { [self] message in lock.withLock { messages.append(message) } }
    }

    var lines: [MailSecLogMessage] { lock.withLock { messages } }
}

enum TestMessages {
    static let clean = "From: a@example.com\r\nTo: b@example.com\r\nSubject: hello\r\n\r\nJust a note.\r\n"
    static let gtube = "From: a@example.com\r\nTo: b@example.com\r\nSubject: spam\r\n\r\nXJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X\r\n"
    static let eicar = "From: a@example.com\r\nTo: b@example.com\r\nSubject: virus\r\n\r\nX5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*\r\n"
}

import Foundation
import Testing
import TestSupport

/// POP3 clients that take more than their share, against mailsecd with a real Dovecot behind it
/// (docs/reliability.md, Protocol abuse).
@Suite(.serialized)
struct POP3AbuseEndToEndTests {
    @Test func oneAddressGetsAtMostItsShareOfSessions() throws {
        let dovecot = try POP3RelayEndToEndTests.dovecot([])
        defer { dovecot.stop() }
        let lab = try SMTPLab(serverPort: dovecot.port, pop3: true)
        defer { lab.stop() }
        let limit = 32
        try lab.console("mail security max client sessions \(limit)")
        var sockets: [Int32] = []
        defer { sockets.forEach { close($0) } }
        for _ in 0..<limit {
            let (fd, greeting) = SMTPDialogue.connect(port: lab.proxyPort)
            sockets.append(fd)
            #expect(greeting.hasPrefix("+OK"), "\(greeting)")
        }
        let (refusedFD, refusal) = SMTPDialogue.connect(port: lab.proxyPort)
        close(refusedFD)
        #expect(refusal == "-ERR [SYS/TEMP] Too many connections from your address, try again later\r\n", "\(refusal)")
        #expect(try lab.console("show log").contains("[MAIL_SEC] POP3: Too many connections from 127.0.0.1"))
    }
}

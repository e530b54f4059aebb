import MailRelay
import NIOCore
import Testing

/// `QuitCommand.starts`: how the session tells a client that left right after its TLS
/// handshake from one that went on (docs/tls.md, Counters).
struct QuitCommandTests {
    @Test(arguments: [
        ("QUIT\r\n", true), ("quit\r\n", true), ("Quit\n", true), ("QUIT", true), ("QUIT now\r\n", true),
        ("QUITE\r\n", false), ("EHLO x\r\n", false), ("CAPA\r\n", false), ("QUI", false), ("", false),
        ("\r\nQUIT\r\n", false),
    ])
    func firstWords(text: String, isQuit: Bool) {
        #expect(QuitCommand.starts(ByteBuffer(string: text)) == isQuit)
    }

    @Test func readsFromTheReaderIndex() {
        var buffer = ByteBuffer(string: "EHLO x\r\nQUIT\r\n")
        buffer.moveReaderIndex(forwardBy: 8)
        #expect(QuitCommand.starts(buffer))
    }
}

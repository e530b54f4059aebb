import Foundation
import Testing
import TestSupport

/// The Dovecot harness and the POP3 client: a message put in a Maildir comes back over POP3
/// byte for byte, dot-stuffed on the wire.
@Suite struct DovecotHarnessTests {
    static let message = Data("""
    From: Sender <sender@example.org>\r
    To: Alice <alice@example.com>\r
    Subject: pop3 check\r
    \r
    First line.\r
    .a line that starts with a dot\r
    ..two dots\r
    .\r
    last line\r

    """.utf8)

    @Test func popClientRetrievesDeliveredMessageByteForByte() throws {
        let dovecot = try DovecotInstance(users: ["alice": "secret"])
        defer { dovecot.stop() }
        let file = try dovecot.deliver(user: "alice", message: Self.message)
        let started = Date()
        try dovecot.start()
        let startup = Date().timeIntervalSince(started)
        #expect(startup < 5, "startup took \(startup) s")

        let client = try POP3Client(port: dovecot.port)
        #expect(client.greeting.hasPrefix("+OK"))
        try client.login(user: "alice", password: "secret")
        let listing = try client.list()
        #expect(listing.count == 1)
        #expect(listing.first?.octets == Self.message.count)

        let retrieved = try client.retrieve(1)
        #expect(retrieved.message == Self.message)
        // On the wire each line that starts with '.' carries one more.
        let wire = String(decoding: retrieved.wire, as: UTF8.self)
        #expect(wire.contains("\r\n..a line that starts with a dot\r\n...two dots\r\n..\r\nlast line\r\n"))

        try client.delete(1)
        try client.quit()
        #expect(waitUntil(timeout: 5) { dovecot.messages(of: "alice").isEmpty })
        #expect(!FileManager.default.fileExists(atPath: file.path))
    }

    @Test func wrongPasswordIsRefusedAndMailStays() throws {
        let dovecot = try DovecotInstance(users: ["bob": "right"])
        defer { dovecot.stop() }
        try dovecot.deliver(user: "bob", message: Self.message)
        try dovecot.start()

        let client = try POP3Client(port: dovecot.port)
        try client.command("USER bob")
        #expect(throws: POP3Client.Failure.self) { try client.command("PASS wrong") }
        #expect(dovecot.messages(of: "bob").count == 1)
    }

    @Test func stopEndsServerAndFreesThePort() throws {
        var dovecot: DovecotInstance? = try DovecotInstance()
        try dovecot!.start()
        let port = dovecot!.port
        let directory = dovecot!.directory.url
        #expect(TCPPort.isListening(port))
        let server = try #require(dovecot!.pid)
        let signals = try #require(DaemonProcess.signalState(of: server))
        #expect(signals.blocked & (1 << (SIGTERM - 1)) == 0, "SIGTERM blocked in dovecot")

        let workers = dovecot!.workerPIDs
        #expect(!workers.isEmpty)
        let stopping = Date()
        dovecot!.stop()
        #expect(Date().timeIntervalSince(stopping) < 3, "stop took \(Date().timeIntervalSince(stopping)) s")
        #expect(!dovecot!.isRunning)
        #expect(workers.allSatisfy { !ProcessTable.isAlive($0) })
        #expect(!TCPPort.isListening(port))
        dovecot = nil
        #expect(!FileManager.default.fileExists(atPath: directory.path))
    }
}

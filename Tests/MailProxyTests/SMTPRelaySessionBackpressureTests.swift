import MailProxy
import MessageInspection
import NIOCore
import NIOEmbedded
import Telemetry
import Testing

/// Backpressure both ways (docs/engineering-habits.md, habit 3): a side is read only while its partner can take writes.
@Suite struct SMTPRelaySessionBackpressureTests {
    /// Counts the reads that get past the session's handler.
    final class ReadCounter: ChannelOutboundHandler {
        typealias OutboundIn = ByteBuffer
        var reads = 0
        func read(context: ChannelHandlerContext) {
            reads += 1
            context.read()
        }
    }

    func setWritable(_ channel: EmbeddedChannel, _ writable: Bool) {
        channel.isWritable = writable
        channel.pipeline.fireChannelWritabilityChanged()
    }

    @Test func clientIsNotReadWhileTheServerCannotTakeWrites() throws {
        let counter = ReadCounter()
        let h = try ProxyHarness(beforeInstall: { try $0.pipeline.syncOperations.addHandler(counter) })
        try h.serverSends("220 mx ESMTP\r\n")
        let before = counter.reads
        setWritable(h.server, false)
        h.client.read()
        #expect(counter.reads == before)  // held back
        setWritable(h.server, true)
        #expect(counter.reads == before + 1)  // issued once the server drained
        h.client.read()
        #expect(counter.reads == before + 2)
    }

    @Test func serverIsNotReadWhileTheClientCannotTakeWrites() throws {
        let counter = ReadCounter()
        let h = try ProxyHarness(beforeServerConnect: { try $0.pipeline.syncOperations.addHandler(counter) })
        let before = counter.reads
        setWritable(h.client, false)
        h.server.read()
        #expect(counter.reads == before)
        setWritable(h.client, true)
        #expect(counter.reads == before + 1)
    }

    @Test func deliveryWaitsForTheServerToDrain() throws {
        let h = try ProxyHarness()
        try h.openTransaction()
        _ = try h.clientReceives()
        try h.clientSends("Subject: parts\r\n\r\n")
        try h.clientSends("first part\r\n")
        try h.clientSends("second part\r\n.\r\n")
        h.scanAnswers(.verdict(score: 0, virusNames: []))
        #expect(try h.serverReceives() == "DATA\r\n")
        setWritable(h.server, false)
        try h.serverSends("354 go\r\n")
        #expect(try h.serverReceives() == "")  // nothing written while the server side is full
        setWritable(h.server, true)
        #expect(try h.serverReceives() == "Subject: parts\r\n\r\nfirst part\r\nsecond part\r\n.\r\n")
    }
}

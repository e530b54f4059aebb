@testable import MailProxy
import MessageInspection
import NIOConcurrencyHelpers
import NIOCore
import NIOEmbedded
import Telemetry
import Testing

/// A session (SMTP, or POP3 with `mailProtocol: .pop3`) on two `EmbeddedChannel`s: the test
/// plays the mail client and the mail server, and answers the scans (transcripts, no sockets,
/// no sleeps).
///
/// Every test ends with `expectNothingLeft()` (run when the harness goes away): both sides
/// close, and then no store, spill file, budget reservation, timer or callback may be left.
final class ProxyHarness {
    struct ScanRequest {
        var message: String
        var requestID: String
        var promise: EventLoopPromise<ScanOutcome>
    }

    let loop = EmbeddedEventLoop()
    let client: EmbeddedChannel
    let server: EmbeddedChannel
    let settings: ProxySettingsProvider
    let statistics = MailStatistics()
    let spill = CountingSpillStorage()
    let budget: MemoryBudget
    private let logBox = NIOLockedValueBox<[MailSecLogMessage]>([])
    private let scanBox = NIOLockedValueBox<[ScanRequest]>([])
    private let cancelBox = NIOLockedValueBox(0)
    let unavailable = NIOLockedValueBox<UnavailableReason?>(nil)
    let mailProtocol: Telemetry.MailProtocol
    /// The session itself, held weakly: once both sides closed, nothing may keep it alive (a
    /// timer or a callback still pending would).
    private(set) weak var session: AnyObject?

    init(_ settings: ProxySettings = ProxySettings(inspection: InspectionSettings(enabled: true)),
         budget: MemoryBudget = MemoryBudget(), memoryThreshold: Int = 1 << 20,
         serverUnreachable: Bool = false, mailProtocol: Telemetry.MailProtocol = .smtp,
         beforeInstall: (EmbeddedChannel) throws -> Void = { _ in },
         beforeServerConnect: (EmbeddedChannel) throws -> Void = { _ in }) throws {
        self.settings = ProxySettingsProvider(settings)
        self.budget = budget
        self.mailProtocol = mailProtocol
        client = EmbeddedChannel(loop: loop)
        server = EmbeddedChannel(loop: loop)
        let serverChannel = server
        let logBox = logBox, scanBox = scanBox, cancelBox = cancelBox, unavailable = unavailable
        let scanService = MailScanService(
            unavailability: { unavailable.withLockedValue { $0 } },
            scan: { message, requestID, eventLoop in
                let promise = eventLoop.makePromise(of: ScanOutcome.self)
                scanBox.withLockedValue {
                    $0.append(ScanRequest(message: String(buffer: message), requestID: requestID, promise: promise))
                }
                return MailScanService.Pending(futureResult: promise.futureResult, cancel: {
                    cancelBox.withLockedValue { $0 += 1 }
                })
            })
        let environment = RelayEnvironment(
            settings: self.settings, scanService: scanService, budget: budget, spillStorage: spill,
            accounting: MailAccounting(statistics: statistics, log: { message in logBox.withLockedValue { $0.append(message) } }),
            upstream: FixedUpstream(address: try SocketAddress(ipAddress: "192.0.2.25", port: 25)),
            connector: { _, eventLoop in
                serverUnreachable
                    ? eventLoop.makeFailedFuture(ChannelError.connectTimeout(.seconds(30)))
                    : eventLoop.makeSucceededFuture(serverChannel)
            },
            memoryThreshold: memoryThreshold,
            hostname: "fw.example",
            wallClock: { 1_795_651_200 })
        try beforeServerConnect(serverChannel)
        try serverChannel.connect(to: SocketAddress(ipAddress: "192.0.2.25", port: 25)).wait()
        try beforeInstall(client)
        switch mailProtocol {
        case .smtp: try SMTPProxySession.install(on: client, environment: environment)
        case .pop3: try POP3ProxySession.install(on: client, environment: environment)
        }
        session = try client.pipeline.syncOperations.handler(type: ProxySideHandler.self).session
        try client.connect(to: SocketAddress(ipAddress: "192.0.2.10", port: 40000)).wait()
    }

    deinit {
        expectNothingLeft()
    }

    /// Closes both sides (if the session has not), lets every pending step run, and checks that
    /// the session left nothing behind. A scan still unanswered is failed first, as the scan
    /// service fails a cancelled one.
    func expectNothingLeft(sourceLocation: SourceLocation = #_sourceLocation) {
        // `close`, not `EmbeddedChannel.finish`: finish runs every scheduled task, which would
        // hide a timer the session forgot to cancel.
        _ = try? client.close().wait()
        _ = try? server.close().wait()
        for request in scanBox.withLockedValue({ requests in defer { requests.removeAll() }; return requests }) {
            request.promise.fail(ChannelError.ioOnClosedChannel)
        }
        loop.run()
        #expect(spill.openFiles == 0, "a spill file is still open", sourceLocation: sourceLocation)
        #expect(budget.chargedBytes == 0, "bytes still charged to the memory budget", sourceLocation: sourceLocation)
        #expect(budget.counters.sessions == 0, "a session still admitted", sourceLocation: sourceLocation)
        #expect(session == nil, "the session is still held (a timer or a callback)", sourceLocation: sourceLocation)
    }

    // MARK: the transcript

    func clientSends(_ text: String) throws {
        try client.writeInbound(ByteBuffer(string: text))
    }

    func serverSends(_ text: String) throws {
        try server.writeInbound(ByteBuffer(string: text))
    }

    /// Everything written to the client since the last call.
    func clientReceives() throws -> String {
        try drain(client)
    }

    /// Everything written to the server since the last call.
    func serverReceives() throws -> String {
        try drain(server)
    }

    private func drain(_ channel: EmbeddedChannel) throws -> String {
        var text = ""
        while let buffer = try channel.readOutbound(as: ByteBuffer.self) {
            text += String(buffer: buffer)
        }
        return text
    }

    var scans: [ScanRequest] { scanBox.withLockedValue { $0 } }
    var cancelledScans: Int { cancelBox.withLockedValue { $0 } }
    var logs: [MailSecLogMessage] { logBox.withLockedValue { $0 } }

    /// Answers the oldest scan not answered yet.
    func scanAnswers(_ outcome: ScanOutcome) {
        let request = scanBox.withLockedValue { $0.removeFirst() }
        request.promise.succeed(outcome)
    }

    func counter(_ counter: MailCounter) -> Int {
        statistics.value(counter, for: mailProtocol)
    }

    /// Greeting, EHLO, MAIL, RCPT accepted; DATA answered by the appliance.
    func openTransaction(from: String = "alice@example.com", to: String = "bob@example.net") throws {
        try serverSends("220 mx.example.net ESMTP\r\n")
        _ = try clientReceives()
        try clientSends("EHLO pc.example.com\r\n")
        _ = try serverReceives()
        try serverSends("250-mx.example.net\r\n250 8BITMIME\r\n")
        _ = try clientReceives()
        try clientSends("MAIL FROM:<\(from)>\r\n")
        _ = try serverReceives()
        try serverSends("250 2.1.0 Ok\r\n")
        _ = try clientReceives()
        try clientSends("RCPT TO:<\(to)>\r\n")
        _ = try serverReceives()
        try serverSends("250 2.1.5 Ok\r\n")
        _ = try clientReceives()
        try clientSends("DATA\r\n")
    }
}

/// Spill storage in memory that counts the files open: a test can see that none is left.
final class CountingSpillStorage: SpillStorage {
    let open = NIOLockedValueBox(0)
    let created = NIOLockedValueBox(0)

    func makeSpillFile(on eventLoop: any EventLoop) -> EventLoopFuture<any SpillFile> {
        open.withLockedValue { $0 += 1 }
        created.withLockedValue { $0 += 1 }
        return eventLoop.makeSucceededFuture(MemorySpillFile(storage: self))
    }

    var openFiles: Int { open.withLockedValue { $0 } }
    var createdFiles: Int { created.withLockedValue { $0 } }
}

final class MemorySpillFile: SpillFile {
    let storage: CountingSpillStorage
    let bytes = NIOLockedValueBox<[UInt8]>([])
    let closed = NIOLockedValueBox(false)

    init(storage: CountingSpillStorage) {
        self.storage = storage
    }

    func write(_ chunks: [ByteBuffer], at offset: Int64, on eventLoop: any EventLoop) -> EventLoopFuture<Void> {
        bytes.withLockedValue { bytes in
            bytes.removeSubrange(Int(offset)...)
            for chunk in chunks { bytes += chunk.readableBytesView }
        }
        return eventLoop.makeSucceededVoidFuture()
    }

    func read(at offset: Int64, count: Int, allocator: ByteBufferAllocator, on eventLoop: any EventLoop) -> EventLoopFuture<ByteBuffer> {
        let slice = bytes.withLockedValue { Array($0[Int(offset)..<min($0.count, Int(offset) + count)]) }
        return eventLoop.makeSucceededFuture(ByteBuffer(bytes: slice))
    }

    func close() {
        let first = closed.withLockedValue { closed in
            defer { closed = true }
            return !closed
        }
        if first { storage.open.withLockedValue { $0 -= 1 } }
    }
}

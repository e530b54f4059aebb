import LineProtocol
import MessageInspection
import NIOCore
import POP3Relay

/// One intercepted POP3 session: the client side and the server side paired, and the relay
/// machine between them. The POP3 counterpart of `SMTPSession`, built the same way.
///
/// Confined to one event loop (both channels live on it). Every input — bytes, closes, the
/// clock, the decision — becomes one `POP3RelayMachine.Event`; `handle` runs the machine and
/// `run` carries out its actions. `run` is the only place that writes, closes or lets a side
/// read.
///
///     client ──read──▶ ProxySideHandler(.client) ─┐            ┌─ ProxySideHandler(.server) ◀──read── server
///                                                 └▶ POP3Session (machine, buffer, ticks, scan) ◀┘
///
/// A RETR's content (or that of a TOP asking for the whole message, which the machine handles
/// as a RETR) goes into a `MessageBuffer` (memory, then a spill file); once whole it is
/// scanned (operation `receive`) and decided (SPEC §5, POP3 column); the machine then sends the
/// status line and the session streams the stored message to the client, dot-stuffed again,
/// with a rewritten header in front when the decision asks for one.
///
/// Backpressure both ways: the client is read only while both sides can take writes and the
/// relay is not holding too many pipelined commands; the server only while the client side can
/// take writes, the message buffer keeps up and no stored message is streaming to the client.
///
/// Time: the machine has no clock; the session sends `.tick(now)` every
/// `POP3Limits.tickInterval` while the machine wants ticks (client comforting, the silence
/// budget, idle and response timeouts).
final class POP3Session: ProxySessionEvents {
    let eventLoop: any EventLoop
    let environment: SMTPProxyEnvironment
    let id: String
    /// `mail security inactive transfer` when the session began: the relay comforts the client
    /// by it, so every decision of this session uses it too.
    private let inactiveAction: InspectionPolicy.InactiveAction
    private var machine: POP3RelayMachine
    private var actions: [POP3RelayMachine.Action] = []

    private var client: ProxySideHandler?
    private var server: ProxySideHandler?
    private var admission: MemoryBudget.Admission?
    private var clientSlot: ClientSessionTable.Slot?
    /// The client's IP address, for log lines ("-" when the channel has none, as in unit tests).
    private var clientAddress = "-"
    private var clientOpen = true
    private var serverOpen = false
    private var serverConnecting = false
    private var finished = false
    private var started = false

    // Event processing (re-entrancy: a close inside `run` queues its event).
    private var queue: [POP3RelayMachine.Event] = []
    private var processing = false
    private var clientNeedsFlush = false
    private var serverNeedsFlush = false

    // Reads.
    private var relayPausedClient = false
    private var bufferWaits = 0

    // The clock.
    private var tickTask: Scheduled<Void>?

    // The message being collected or scanned.
    private var buffer: MessageBuffer?
    private var scanNumber = 0
    private var pendingScan: SMTPScanService.Pending?

    // Delivery of a stored message to the client; client writes asked for meanwhile wait.
    private var delivery: Delivery?
    private var deferredClientWrites: [ByteBuffer] = []
    private var closeClientAfterDelivery = false

    private struct Delivery {
        var buffer: MessageBuffer
        var reader: MessageBufferReader?
        var stuffer = DotStuffer()
        var readInFlight = false
    }

    init(eventLoop: any EventLoop, environment: SMTPProxyEnvironment, id: String) {
        self.eventLoop = eventLoop
        self.environment = environment
        self.id = id
        let settings = environment.settings.current
        self.inactiveAction = settings.policy.inactiveAction
        self.machine = POP3RelayMachine(configuration: settings.pop3RelayConfiguration)
        actions.reserveCapacity(8)
    }

    /// Puts the client side of a new session into `channel`'s pipeline; the session starts when
    /// the channel is active (admission, then the connection to the server).
    static func install(on channel: any Channel, environment: SMTPProxyEnvironment, id: String) throws {
        let session = POP3Session(eventLoop: channel.eventLoop, environment: environment, id: id)
        let handler = ProxySideHandler(side: .client, session: session)
        session.client = handler
        try channel.pipeline.syncOperations.addHandler(handler)
        if channel.isActive { session.channelActive(.client) }
    }

    // MARK: inputs from the handlers

    func channelActive(_ side: ProxySide) {
        guard side == .client, !started else { return }
        started = true
        if let address = client?.context?.channel.remoteAddress?.ipAddress {
            clientAddress = address
            guard let slot = environment.clientSessions.tryOpen(address) else {
                // One host holds its `mail security max client sessions` already (RFC 3206 §4:
                // a temporary condition of the system; the client retries).
                environment.accounting.log(.tooManyConnections(protocol: .pop3, address: address))
                client?.write(ByteBuffer(string: "-ERR [SYS/TEMP] Too many connections from your address, try again later\r\n"))
                client?.closeAfterWrites()
                return
            }
            clientSlot = slot
        }
        guard let admission = environment.budget.tryAdmitSession() else {
            // RFC 3206 §4: a temporary problem of the system; the client retries.
            clientSlot?.release()
            clientSlot = nil
            client?.write(ByteBuffer(string: "-ERR [SYS/TEMP] System resources exhausted, try again later\r\n"))
            client?.closeAfterWrites()
            return
        }
        self.admission = admission
        handle(.tick(eventLoop.now))
        scheduleTick()
        connectServer()
    }

    func received(_ bytes: ByteBuffer, from side: ProxySide) {
        handle(side == .client ? .clientReceived(bytes) : .serverReceived(bytes))
    }

    func readComplete(_ side: ProxySide) {
        flushBoth()
    }

    func closed(_ side: ProxySide) {
        switch side {
        case .client:
            guard clientOpen else { return }
            clientOpen = false
            cancelScan()
            // Nobody to deliver to: the stored message goes now, not when the server side closes.
            if let current = delivery {
                if current.buffer !== buffer { current.buffer.discard() }
                delivery = nil
                deferredClientWrites.removeAll()
                closeClientAfterDelivery = false
            }
            handle(.clientClosed)
        case .server:
            guard serverOpen || serverConnecting else { return }
            serverOpen = false
            serverConnecting = false
            handle(.serverClosed)
        }
        finishIfBothClosed()
    }

    func writabilityChanged(_ side: ProxySide) {
        if side == .client, delivery != nil { pumpDelivery() }
        updateReads()
    }

    func mayRead(_ side: ProxySide) -> Bool {
        let clientWritable = client?.isWritable ?? true
        switch side {
        case .client:
            let serverWritable = server?.isWritable ?? true
            return !relayPausedClient && serverWritable && clientWritable
        case .server:
            return clientWritable && bufferWaits == 0 && delivery == nil
        }
    }

    // MARK: the machine

    private func handle(_ event: POP3RelayMachine.Event) {
        queue.append(event)
        guard !processing else { return }
        processing = true
        while !queue.isEmpty {
            let next = queue.removeFirst()
            actions.removeAll(keepingCapacity: true)
            machine.handle(next, into: &actions)
            run(actions)
        }
        processing = false
        flushBoth()
        updateReads()
    }

    /// The one place that writes, closes and starts or stops reading.
    private func run(_ actions: [POP3RelayMachine.Action]) {
        for action in actions {
            switch action {
            case .sendToServer(let bytes):
                server?.write(bytes)
                serverNeedsFlush = true
            case .replyToClient(let bytes):
                writeToClient(bytes)
            case .startCollecting:
                startCollecting()
            case .storeContent(let slice):
                store(slice)
            case .scanMessage(_, let size):
                scan(size: size)
            case .sendStoredMessageToClient:
                startDelivery(header: nil, storedFrom: 0)
            case .sendRewrittenMessageToClient(let header, let storedFrom):
                startDelivery(header: header, storedFrom: storedFrom)
            case .releaseMessage:
                releaseMessage()
            case .notice(let notice):
                record(notice)
            case .pauseClientReads:
                relayPausedClient = true
            case .resumeClientReads:
                relayPausedClient = false
            case .closeClient:
                if delivery != nil {
                    closeClientAfterDelivery = true
                } else {
                    client?.closeAfterWrites()
                    clientNeedsFlush = false
                }
            case .closeServer:
                cancelScan()
                if serverOpen {
                    server?.closeAfterWrites()
                    serverNeedsFlush = false
                } else if serverConnecting {
                    serverConnecting = false
                }
            }
        }
    }

    private func writeToClient(_ bytes: ByteBuffer) {
        if delivery != nil {
            // A stored message is still streaming: what follows waits for its end.
            deferredClientWrites.append(bytes)
            return
        }
        client?.write(bytes)
        clientNeedsFlush = true
    }

    private func flushBoth() {
        if clientNeedsFlush {
            clientNeedsFlush = false
            client?.flush()
        }
        if serverNeedsFlush {
            serverNeedsFlush = false
            server?.flush()
        }
    }

    private func updateReads() {
        if mayRead(.client) { client?.resumeReadIfPending() }
        if mayRead(.server) { server?.resumeReadIfPending() }
    }

    // MARK: the server side's connection

    private func connectServer() {
        guard let channel = client?.context?.channel,
              let target = environment.upstream.target(forClient: channel) else {
            handle(.serverClosed)
            return
        }
        serverConnecting = true
        environment.connector(target, eventLoop).assumeIsolated().whenComplete { result in
            switch result {
            case .success(let channel):
                self.serverConnected(channel)
            case .failure:
                self.closed(.server)
            }
        }
    }

    private func serverConnected(_ channel: any Channel) {
        guard serverConnecting, clientOpen else {
            channel.close(promise: nil)
            serverConnecting = false
            finishIfBothClosed()
            return
        }
        let handler = ProxySideHandler(side: .server, session: self)
        do {
            try channel.pipeline.syncOperations.addHandler(handler)
        } catch {
            channel.close(promise: nil)
            closed(.server)
            return
        }
        server = handler
        serverConnecting = false
        serverOpen = channel.isActive
        if !serverOpen { closed(.server) }
    }

    private func finishIfBothClosed() {
        guard !finished, !clientOpen, !serverOpen, !serverConnecting else { return }
        finished = true
        cancelScan()
        tickTask?.cancel()
        tickTask = nil
        buffer?.discard()
        buffer = nil
        delivery?.buffer.discard()
        delivery = nil
        deferredClientWrites.removeAll()
        admission?.release()
        admission = nil
        clientSlot?.release()
        clientSlot = nil
        client?.detach()
        server?.detach()
        client = nil
        server = nil
    }

    // MARK: the clock

    private func scheduleTick() {
        guard !finished, machine.wantsTicks else { return }
        tickTask = eventLoop.assumeIsolated().scheduleTask(in: POP3Limits.tickInterval) {
            guard !self.finished else { return }
            self.handle(.tick(self.eventLoop.now))
            self.scheduleTick()
        }
    }

    // MARK: collecting

    private func startCollecting() {
        if let buffer, buffer !== delivery?.buffer { buffer.discard() }
        // The relay stores past `max size` (an over-size RETR is delivered unscanned from the
        // store), so the store's own cap is the only limit.
        buffer = MessageBuffer(eventLoop: eventLoop, budget: environment.budget, spillStorage: environment.spillStorage,
                               configuration: .init(storeLimit: MessageBufferLimits.hardStoreCap,
                                                    memoryThreshold: environment.memoryThreshold))
    }

    private func store(_ slice: ByteBuffer) {
        guard let buffer else { return }
        bufferWaits += 1
        buffer.append(slice).assumeIsolated().whenComplete { _ in
            // A failed spill shows again at `finish()`, which turns it into a tempfail.
            self.bufferWaits -= 1
            if self.bufferWaits == 0 { self.updateReads() }
        }
    }

    private func releaseMessage() {
        // A message still streaming to the client is discarded when its delivery ends.
        if let buffer, buffer !== delivery?.buffer { buffer.discard() }
        buffer = nil
    }

    // MARK: scan and decision

    private static let localProblem = POP3Decision.tempfail(text: "Temporary local problem, try again later")

    private func scan(size: Int) {
        scanNumber += 1
        let number = scanNumber
        guard let buffer else { return handle(.decision(Self.localProblem)) }
        buffer.finish().assumeIsolated().whenComplete { result in
            guard number == self.scanNumber, buffer === self.buffer else { return }
            switch result {
            case .failure:
                // The spill file failed: the message cannot be delivered whole; the client retries.
                self.handle(.decision(Self.localProblem))
            case .success:
                self.decide(size: size, buffer: buffer, number: number)
            }
        }
    }

    /// The settings of one message: the live ones, with the session's unavailable policy.
    private var messageSettings: SMTPProxySettings {
        var settings = environment.settings.current
        settings.policy.inactiveAction = inactiveAction
        return settings
    }

    private func decide(size: Int, buffer: MessageBuffer, number: Int) {
        let settings = messageSettings
        guard settings.enabled else {
            return decided(POP3MessageDecider.disabled, message: nil)
        }
        if size > settings.maximumMessageSize {
            // The limit was lowered during the session: the decision table's over-size row.
            return decided(POP3MessageDecider.decideUnscanned(.notScanned(.overSize(octets: size)), settings: settings),
                           message: nil)
        }
        if let reason = environment.scanService.unavailability() {
            return decided(POP3MessageDecider.decideUnscanned(.unavailable(reason), settings: settings), message: nil)
        }
        buffer.readAll().assumeIsolated().whenComplete { result in
            guard number == self.scanNumber, buffer === self.buffer else { return }
            guard case .success(let message) = result else {
                return self.handle(.decision(Self.localProblem))
            }
            let pending = self.environment.scanService.scan(message, "\(self.id)-\(number)", self.eventLoop)
            self.pendingScan = pending
            pending.futureResult.assumeIsolated().whenComplete { result in
                guard number == self.scanNumber, buffer === self.buffer else { return }
                self.pendingScan = nil
                let outcome = (try? result.get()) ?? .unavailable(.serviceFailed)
                self.decide(outcome, message: message, settings: settings, buffer: buffer, number: number)
            }
        }
    }

    /// A clean verdict is decided at once; a detection (header parsing, white-list, rewrite:
    /// work proportional to the message) on the decision thread pool when there is one.
    private func decide(_ outcome: ScanOutcome, message: ByteBuffer, settings: SMTPProxySettings,
                        buffer: MessageBuffer, number: Int) {
        var detected = false
        if case .verdict(let score, let names) = outcome {
            detected = settings.policy.result(score: score, virusNames: names) != nil
        }
        guard detected, let pool = environment.decisionThreadPool else {
            return decided(POP3MessageDecider.decide(outcome, message: message, settings: settings), message: message)
        }
        pool.runIfActive(eventLoop: eventLoop) {
            POP3MessageDecider.decide(outcome, message: message, settings: settings)
        }.assumeIsolated().whenComplete { result in
            guard number == self.scanNumber, buffer === self.buffer else { return }
            switch result {
            case .success(let decision):
                self.decided(decision, message: message)
            case .failure:
                // The pool is shutting down: the daemon is stopping; the client retries.
                self.handle(.decision(Self.localProblem))
            }
        }
    }

    private func decided(_ outcome: POP3MessageDecider.Outcome, message: ByteBuffer?) {
        if let decision = outcome.decision {
            environment.accounting.record(decision, message: message, subjectAlreadyPrefixed: outcome.subjectAlreadyPrefixed,
                                          protocol: .pop3)
        }
        handle(.decision(outcome.relayDecision))
    }

    private func cancelScan() {
        pendingScan?.cancel()
        pendingScan = nil
    }

    private func record(_ notice: POP3Notice) {
        switch notice {
        case .overSize(_, let size):
            let settings = messageSettings
            guard settings.enabled else { return }
            let outcome = POP3MessageDecider.decideUnscanned(.notScanned(.overSize(octets: size)), settings: settings)
            if let decision = outcome.decision { environment.accounting.record(decision, message: nil, protocol: .pop3) }
        case .scanTimedOut:
            // The relay applied the unavailable policy itself: a late verdict changes nothing
            // and is not counted; the scan is abandoned and counted as one that failed.
            scanNumber += 1
            cancelScan()
            let settings = messageSettings
            guard settings.enabled else { return }
            let outcome = POP3MessageDecider.decideUnscanned(.unavailable(.serviceFailed), settings: settings)
            if let decision = outcome.decision { environment.accounting.record(decision, message: nil, protocol: .pop3) }
        case .tooManyErrors:
            environment.accounting.log(.tooManyErrors(protocol: .pop3, address: clientAddress))
        case .abortedAfterCommitment, .answerContradictsComfort, .serverProtocolError, .timedOut:
            break
        }
    }

    // MARK: delivery

    /// Streams the stored message (`header` first, then the store from `storedFrom` on) to the
    /// client through `DotStuffer`, one chunk at a time, while the client side can take writes.
    private func startDelivery(header: ByteBuffer?, storedFrom: Int) {
        guard let buffer, !buffer.isTruncated else {
            // Nothing whole to deliver (the store's cap): the client must not take a partial
            // message; both sides close, the server's without QUIT (nothing deleted).
            return abandonDelivery()
        }
        delivery = Delivery(buffer: buffer)
        // An over-size message or TOP output goes without a scan: finish it here.
        buffer.finish().assumeIsolated().whenComplete { result in
            guard self.delivery?.buffer === buffer, self.delivery?.reader == nil else { return }
            guard case .success = result else { return self.abandonDelivery() }
            self.delivery?.reader = buffer.makeReader(from: storedFrom)
            if let header {
                var out = ByteBuffer()
                self.delivery?.stuffer.encode(header, into: &out)
                self.client?.write(out)
            }
            self.pumpDelivery()
        }
    }

    /// Writes chunks while the client side is writable. An in-memory message answers each read
    /// at once: that case loops here instead of recursing through the callbacks.
    private func pumpDelivery() {
        defer { client?.flush() }
        while let delivery, let reader = delivery.reader, !delivery.readInFlight {
            guard client?.isWritable ?? false else { return }
            self.delivery?.readInFlight = true
            var inCall = true
            var immediate: Result<ByteBuffer?, any Error>?
            reader.next().assumeIsolated().whenComplete { result in
                if inCall {
                    immediate = result
                } else if self.consume(result) {
                    self.pumpDelivery()
                }
            }
            inCall = false
            guard let result = immediate, consume(result) else { return }
        }
    }

    /// Writes one chunk read back; false when the delivery is over (done or failed).
    private func consume(_ result: Result<ByteBuffer?, any Error>) -> Bool {
        guard var current = delivery else { return false }
        current.readInFlight = false
        switch result {
        case .failure:
            abandonDelivery()
            return false
        case .success(let chunk?):
            var out = ByteBuffer()
            current.stuffer.encode(chunk, into: &out)
            delivery = current
            client?.write(out)
            return true
        case .success(nil):
            var out = ByteBuffer()
            current.stuffer.finish(into: &out)
            delivery = nil
            if current.buffer !== buffer { current.buffer.discard() }
            client?.write(out)
            for bytes in deferredClientWrites { client?.write(bytes) }
            deferredClientWrites.removeAll()
            client?.flush()
            if closeClientAfterDelivery {
                closeClientAfterDelivery = false
                client?.closeAfterWrites()
            }
            updateReads()
            return false
        }
    }

    /// The stored message cannot be read back: the client must not take a partial message as
    /// whole. Both sides close, the server's without QUIT: nothing is deleted, the client
    /// retries.
    private func abandonDelivery() {
        if let current = delivery, current.buffer !== buffer { current.buffer.discard() }
        delivery = nil
        deferredClientWrites.removeAll()
        closeClientAfterDelivery = false
        if clientOpen { client?.context?.close(promise: nil) }
        if serverOpen { server?.context?.close(promise: nil) }
    }
}

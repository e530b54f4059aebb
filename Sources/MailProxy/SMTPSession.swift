import LineProtocol
import MessageInspection
import NIOCore
import SMTPRelay

/// One intercepted SMTP session: the client side and the server side paired, and the relay
/// machine between them.
///
/// Confined to one event loop (both channels live on it). Every input — bytes, closes, timer
/// expiries, the scan's answer — becomes one `SMTPRelayMachine.Event`; `handle` runs the
/// machine and `run` carries out its actions. `run` is the only place that writes, closes or
/// lets a side read (habit 2).
///
///     client ──read──▶ ProxySideHandler(.client) ─┐           ┌─ ProxySideHandler(.server) ◀──read── server
///                                                └▶ SMTPSession (machine, buffer, timers, scan) ◀┘
///
/// Backpressure both ways (habit 3): the client is read only while the server side (and the
/// client side, which gets the replies) can take writes, the message buffer keeps up, and the
/// relay is not holding too many pipelined commands; the server is read only while the client
/// side can take writes. A close of either side reaches the machine, which closes the other.
final class SMTPSession: ProxySessionEvents {
    typealias Side = ProxySide

    let eventLoop: any EventLoop
    let environment: SMTPProxyEnvironment
    let id: String
    /// `mail security use` when the session began (fixes the relay's size limit).
    private let enabledAtStart: Bool
    private var machine: SMTPRelayMachine
    private var actions: [SMTPRelayMachine.Action] = []

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

    // Event processing (re-entrancy: a close inside `run` queues its event).
    private var queue: [SMTPRelayMachine.Event] = []
    private var processing = false
    private var clientNeedsFlush = false
    private var serverNeedsFlush = false

    // Reads.
    private var relayPausedClient = false
    private var bufferWaits = 0

    // Timers.
    private var armedTimeout: RelayTimeout?
    private var timeoutTask: Scheduled<Void>?
    /// When `timeoutTask` fires (it may be earlier than `timeoutDeadline`, never later).
    private var timeoutTaskFiresAt: NIODeadline?
    private var timeoutDeadline: NIODeadline?
    private var timeoutArmedAt: NIODeadline?
    private var timerGeneration = 0
    private var keepaliveTask: Scheduled<Void>?
    private var keepaliveInterval: TimeAmount?

    // The message.
    private var buffer: MessageBuffer?
    private var messageNumber = 0
    private var pendingScan: SMTPScanService.Pending?
    private var replacement: SMTPMessageDecider.HeaderReplacement?

    // Delivery of the stored message.
    private var delivery: Delivery?
    private var deferredServerWrites: [ByteBuffer] = []

    private struct Delivery {
        var reader: MessageBufferReader
        var stuffer = DotStuffer()
        var readInFlight = false
    }

    init(eventLoop: any EventLoop, environment: SMTPProxyEnvironment, id: String) {
        self.eventLoop = eventLoop
        self.environment = environment
        self.id = id
        let settings = environment.settings.current
        self.enabledAtStart = settings.enabled
        var configuration = settings.relayConfiguration
        configuration.timeouts = SMTPTimeouts.standard.divided(by: environment.timeDivisor)
        self.machine = SMTPRelayMachine(configuration: configuration)
        actions.reserveCapacity(8)
    }

    /// Puts the client side of a new session into `channel`'s pipeline; the session starts when
    /// the channel is active (admission, then the connection to the server).
    static func install(on channel: any Channel, environment: SMTPProxyEnvironment, id: String) throws {
        let session = SMTPSession(eventLoop: channel.eventLoop, environment: environment, id: id)
        let handler = ProxySideHandler(side: .client, session: session)
        session.client = handler
        try channel.pipeline.syncOperations.addHandler(handler)
        if channel.isActive { session.channelActive(.client) }
    }

    // MARK: inputs from the handlers

    private var started = false

    func channelActive(_ side: Side) {
        guard side == .client, !started else { return }
        started = true
        if let address = client?.context?.channel.remoteAddress?.ipAddress {
            clientAddress = address
            guard let slot = environment.clientSessions.tryOpen(address) else {
                // One host holds its `mail security max client sessions` already.
                environment.accounting.log(.tooManyConnections(protocol: .smtp, address: address))
                client?.write(ByteBuffer(string: "421 4.7.0 \(environment.hostname) Too many connections from your address, try again later\r\n"))
                client?.closeAfterWrites()
                return
            }
            clientSlot = slot
        }
        guard let admission = environment.budget.tryAdmitSession() else {
            // SPEC §3: the appliance cannot accept the session (resource limit).
            clientSlot?.release()
            clientSlot = nil
            client?.write(ByteBuffer(string: "421 4.3.2 System resources exhausted, try again later\r\n"))
            client?.closeAfterWrites()
            return
        }
        self.admission = admission
        connectServer()
    }

    func received(_ bytes: ByteBuffer, from side: Side) {
        handle(side == .client ? .clientReceived(bytes) : .serverReceived(bytes), readFrom: side)
    }

    func readComplete(_ side: Side) {
        flushBoth()
    }

    func closed(_ side: Side) {
        switch side {
        case .client:
            guard clientOpen else { return }
            clientOpen = false
            cancelScan()
            handle(.clientClosed)
        case .server:
            guard serverOpen || serverConnecting else { return }
            serverOpen = false
            serverConnecting = false
            handle(.serverClosed)
        }
        finishIfBothClosed()
    }

    func writabilityChanged(_ side: Side) {
        if side == .server, delivery != nil { pumpDelivery() }
        updateReads()
    }

    func mayRead(_ side: Side) -> Bool {
        let clientWritable = client?.isWritable ?? true
        switch side {
        case .client:
            let serverWritable = server?.isWritable ?? true
            return !relayPausedClient && bufferWaits == 0 && serverWritable && clientWritable
        case .server:
            return clientWritable
        }
    }

    // MARK: the machine

    private func handle(_ event: SMTPRelayMachine.Event, readFrom side: Side? = nil) {
        queue.append(event)
        guard !processing else { return }
        processing = true
        var restartClock = false
        if let side, let armed = armedTimeout {
            restartClock = (armed.side == .client && side == .client) || (armed.side == .server && side == .server)
        }
        while !queue.isEmpty {
            let next = queue.removeFirst()
            actions.removeAll(keepingCapacity: true)
            machine.handle(next, into: &actions)
            run(actions)
        }
        processing = false
        flushBoth()
        updateTimers(restartClock: restartClock)
        updateReads()
    }

    /// The one place that writes, closes and starts or stops reading (habit 2).
    private func run(_ actions: [SMTPRelayMachine.Action]) {
        for action in actions {
            switch action {
            case .sendToServer(let bytes):
                writeToServer(bytes)
            case .replyToClient(let bytes):
                client?.write(bytes)
                clientNeedsFlush = true
            case .startCollecting:
                startCollecting()
            case .storeContent(let slice):
                store(slice)
            case .discardCollected:
                buffer?.discard()
                buffer = nil
            case .scanMessage(let envelope, let size):
                scan(envelope: envelope, size: size)
            case .sendStoredMessageToServer:
                startDelivery()
            case .releaseMessage:
                releaseMessage()
            case .notice(let notice):
                record(notice)
            case .pauseClientReads:
                relayPausedClient = true
            case .resumeClientReads:
                relayPausedClient = false
            case .closeClient:
                client?.closeAfterWrites()
                clientNeedsFlush = false
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

    private func writeToServer(_ bytes: ByteBuffer) {
        if delivery != nil {
            // The stored message is still streaming: what follows waits for its end.
            deferredServerWrites.append(bytes)
            return
        }
        server?.write(bytes)
        serverNeedsFlush = true
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
            // The client went away (or the session closed) while connecting.
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
        timeoutTask?.cancel()
        keepaliveTask?.cancel()
        timerGeneration += 1
        buffer?.discard()
        buffer = nil
        delivery = nil
        admission?.release()
        admission = nil
        clientSlot?.release()
        clientSlot = nil
        client?.detach()
        server?.detach()
        client = nil
        server = nil
    }

    // MARK: timers

    /// Arms the machine's timeout when it changes. Activity on the awaited side only moves the
    /// deadline: the task, when it fires early, sleeps again for the rest (no scheduling per read).
    private func updateTimers(restartClock: Bool) {
        let timeout = machine.timeout
        if timeout != armedTimeout {
            armedTimeout = timeout
            if let timeout, !finished {
                timeoutArmedAt = eventLoop.now
                timeoutDeadline = eventLoop.now + timeout.duration
                armTimeoutTask()
            } else {
                // A task still pending finds nothing armed when it fires and ends there.
                timeoutDeadline = nil
            }
        } else if restartClock, let timeout {
            // Activity moves the deadline, but never past the wait's overall limit (a client
            // trickling bytes cannot hold the session forever, RFC 5321 §4.5.3.2).
            var deadline = eventLoop.now + timeout.duration
            if let limit = timeout.limit, let armedAt = timeoutArmedAt { deadline = min(deadline, armedAt + limit) }
            timeoutDeadline = deadline
        }
        let interval = machine.serverKeepaliveInterval
        if interval != keepaliveInterval {
            keepaliveInterval = interval
            keepaliveTask?.cancel()
            keepaliveTask = nil
            if interval != nil { scheduleKeepalive() }
        }
    }

    /// One scheduled task serves every wait of the session. The wait changes several times per
    /// message (each command, its reply, the content), and a cancel plus a new task each time
    /// was about 7 % of the relay's CPU (docs/benchmarks.md). So a pending task that fires no
    /// later than the new deadline stays, and re-arms itself for the rest when it fires; only a
    /// deadline earlier than the pending task's costs a cancel and a new task.
    private func armTimeoutTask() {
        guard let deadline = timeoutDeadline else { return }
        if timeoutTask != nil, let pending = timeoutTaskFiresAt, pending <= deadline { return }
        timeoutTask?.cancel()
        timerGeneration += 1
        scheduleTimeout(at: deadline)
    }

    private func scheduleTimeout(at deadline: NIODeadline) {
        let generation = timerGeneration
        timeoutTaskFiresAt = deadline
        timeoutTask = eventLoop.assumeIsolated().scheduleTask(deadline: deadline) {
            guard generation == self.timerGeneration else { return }
            self.timeoutTask = nil
            self.timeoutTaskFiresAt = nil
            guard let timeout = self.armedTimeout, let deadline = self.timeoutDeadline else { return }
            if self.eventLoop.now < deadline {
                self.scheduleTimeout(at: deadline)
            } else {
                self.handle(.timeout(timeout.side))
            }
        }
    }

    private func scheduleKeepalive() {
        guard let interval = keepaliveInterval, !finished else { return }
        keepaliveTask = eventLoop.assumeIsolated().scheduleTask(in: interval) {
            guard self.keepaliveInterval != nil else { return }
            self.handle(.keepaliveDue)
            self.scheduleKeepalive()
        }
    }

    // MARK: collecting

    private func startCollecting() {
        buffer?.discard()
        let configuration = machine.configuration
        let storeLimit = configuration.sizeOverflow == .pass ? MessageBufferLimits.hardStoreCap : configuration.maximumMessageSize
        buffer = MessageBuffer(eventLoop: eventLoop, budget: environment.budget, spillStorage: environment.spillStorage,
                               configuration: .init(storeLimit: storeLimit, memoryThreshold: environment.memoryThreshold))
        replacement = nil
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
        buffer?.discard()
        buffer = nil
        delivery = nil
        replacement = nil
    }

    // MARK: scan and decision

    private func scan(envelope: SMTPEnvelope, size: Int) {
        messageNumber += 1
        let number = messageNumber
        guard let buffer else {
            decided(SMTPMessageDecider.Outcome(relayDecision: .serviceUnavailable, replacement: nil, decision: nil),
                    message: nil, number: number)
            return
        }
        buffer.finish().assumeIsolated().whenComplete { result in
            guard number == self.messageNumber, buffer === self.buffer else { return }
            switch result {
            case .failure:
                // The spill file failed: the message cannot be delivered whole; the client retries.
                self.handle(.decision(.tempfail(text: "4.3.0 Temporary local problem, try again later")))
            case .success:
                self.decide(envelope: envelope, size: size, buffer: buffer, number: number)
            }
        }
    }

    private func decide(envelope: SMTPEnvelope, size: Int, buffer: MessageBuffer, number: Int) {
        // One snapshot of the settings per message.
        let settings = environment.settings.current
        guard settings.enabled else {
            return decided(SMTPMessageDecider.disabled, message: nil, number: number)
        }
        if size > settings.maximumMessageSize {
            // The limit was lowered during the session: the decision table's over-size row.
            let outcome = SMTPMessageDecider.decideUnscanned(.notScanned(.overSize(octets: size)), settings: settings)
            return decided(outcome, message: nil, number: number)
        }
        if let reason = environment.scanService.unavailability() {
            let outcome = SMTPMessageDecider.decideUnscanned(.unavailable(reason), settings: settings)
            return decided(outcome, message: nil, number: number)
        }
        buffer.readAll().assumeIsolated().whenComplete { result in
            guard number == self.messageNumber, buffer === self.buffer else { return }
            guard case .success(let message) = result else {
                self.handle(.decision(.tempfail(text: "4.3.0 Temporary local problem, try again later")))
                return
            }
            let requestID = "\(self.id)-\(number)"
            let pending = self.environment.scanService.scan(message, requestID, self.eventLoop)
            self.pendingScan = pending
            pending.futureResult.assumeIsolated().whenComplete { result in
                guard number == self.messageNumber, buffer === self.buffer else { return }
                self.pendingScan = nil
                let outcome = (try? result.get()) ?? .unavailable(.serviceFailed)
                let now = self.environment.wallClock()
                let stamp = SMTPMessageDecider.NotificationStamp(
                    date: MessageDate.format(secondsSince1970: now),
                    messageID: "<\(now).\(self.id).\(number)@\(self.environment.hostname)>")
                self.decide(outcome, message: message, envelope: envelope, settings: settings, stamp: stamp,
                            buffer: buffer, number: number)
            }
        }
    }

    /// A clean verdict is decided at once; a detection (rewrite, transfer: work proportional
    /// to the message) on the decision thread pool when there is one.
    private func decide(_ outcome: ScanOutcome, message: ByteBuffer, envelope: SMTPEnvelope,
                        settings: SMTPProxySettings, stamp: SMTPMessageDecider.NotificationStamp,
                        buffer: MessageBuffer, number: Int) {
        var detected = false
        if case .verdict(let score, let names) = outcome {
            detected = settings.policy.result(score: score, virusNames: names) != nil
        }
        guard detected, let pool = environment.decisionThreadPool else {
            let decision = SMTPMessageDecider.decide(outcome, message: message, envelope: envelope,
                                                     settings: settings, stamp: stamp)
            return decided(decision, message: message, number: number)
        }
        pool.runIfActive(eventLoop: eventLoop) {
            SMTPMessageDecider.decide(outcome, message: message, envelope: envelope, settings: settings, stamp: stamp)
        }.assumeIsolated().whenComplete { result in
            guard number == self.messageNumber, buffer === self.buffer else { return }
            switch result {
            case .success(let decision):
                self.decided(decision, message: message, number: number)
            case .failure:
                // The pool is shutting down: the daemon is stopping; the client retries.
                self.handle(.decision(.tempfail(text: "4.3.0 Temporary local problem, try again later")))
            }
        }
    }

    private func decided(_ outcome: SMTPMessageDecider.Outcome, message: ByteBuffer?, number: Int) {
        if let decision = outcome.decision {
            environment.accounting.record(decision, message: message, subjectAlreadyPrefixed: outcome.subjectAlreadyPrefixed)
        }
        replacement = outcome.replacement
        handle(.decision(outcome.relayDecision))
    }

    private func cancelScan() {
        pendingScan?.cancel()
        pendingScan = nil
    }

    private func record(_ notice: SMTPRelayMachine.RelayNotice) {
        switch notice {
        case .overSize(let size, _):
            guard enabledAtStart else { return }
            let settings = environment.settings.current
            let outcome = SMTPMessageDecider.decideUnscanned(.notScanned(.overSize(octets: size)), settings: settings)
            if let decision = outcome.decision { environment.accounting.record(decision, message: nil) }
        case .serverProtocolError:
            break
        case .tooManyErrors:
            environment.accounting.log(.tooManyErrors(protocol: .smtp, address: clientAddress))
        case .clientTimedOut:
            environment.accounting.log(.clientTimeout(protocol: .smtp, address: clientAddress))
        }
    }

    // MARK: delivery

    /// Streams the stored message (a rewritten header first, if any) to the server through
    /// `DotStuffer`, one chunk at a time, while the server side can take writes.
    private func startDelivery() {
        guard let buffer, !buffer.isTruncated else {
            // Nothing whole to deliver: end the server's transaction without a terminator.
            abandonDelivery()
            return
        }
        // An over-size message under the pass policy goes without a scan: finish it here.
        buffer.finish().assumeIsolated().whenComplete { result in
            guard buffer === self.buffer else { return }
            guard case .success = result else { return self.abandonDelivery() }
            var start = 0
            var delivery = Delivery(reader: buffer.makeReader(from: 0))
            if let replacement = self.replacement {
                self.replacement = nil
                var out = ByteBuffer()
                delivery.stuffer.encode(replacement.header, into: &out)
                self.server?.write(out)
                start = replacement.bodyStart
                delivery.reader = buffer.makeReader(from: start)
            }
            self.delivery = delivery
            self.pumpDelivery()
        }
    }

    /// Writes chunks while the server side is writable. An in-memory message answers each read
    /// at once: that case loops here instead of recursing through the callbacks.
    private func pumpDelivery() {
        // Written chunks go out in one flush when the loop stops (writability counts them
        // before the flush, so the loop still stops at the high-water mark).
        defer { server?.flush() }
        while let delivery, !delivery.readInFlight {
            guard server?.isWritable ?? false else { return }
            self.delivery?.readInFlight = true
            var inCall = true
            var immediate: Result<ByteBuffer?, any Error>?
            delivery.reader.next().assumeIsolated().whenComplete { result in
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
            server?.write(out)
            return true
        case .success(nil):
            var out = ByteBuffer()
            current.stuffer.finish(into: &out)
            delivery = nil
            server?.write(out)
            for bytes in deferredServerWrites { server?.write(bytes) }
            deferredServerWrites.removeAll()
            server?.flush()
            updateReads()
            return false
        }
    }

    /// The stored message cannot be read back: the server must not take a partial message.
    /// Closing the server side ends its transaction without a terminator; the client hears
    /// that the connection to the server was lost (421) and retries.
    private func abandonDelivery() {
        delivery = nil
        deferredServerWrites.removeAll()
        if serverOpen { server?.context?.close(promise: nil) }
    }
}

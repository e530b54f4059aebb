import MailRelay
import MessageInspection
import POP3Relay
import SMTPRelay
import Telemetry
import NIOCore

/// One intercepted session, SMTP or POP3: the client side and the server side paired, and the
/// relay machine between them. The same type runs either machine (`SessionRelay`).
///
/// Confined to one event loop (both channels live on it). Every input — bytes, closes, the
/// clock, the decision — becomes one machine event; `handle` runs the machine and `run`
/// carries out its actions. `run` and the delivery pump it starts are the only places that
/// write, close or let a side read.
///
///     client ──read──▶ ProxySideHandler(.client) ─┐            ┌─ ProxySideHandler(.server) ◀──read── server
///                                                 └▶ RelaySession (machine, store, clock, inspection) ◀┘
///
/// The message flows one way: SMTP collects it from the client and delivers it to the server,
/// POP3 the other way round. It goes into a `MessageBuffer` (memory, then a spill file); once
/// whole one `InspectionJob` finishes the store, reads it, scans it and decides
/// (`MessageDecider`); the machine then asks for the stored message (with a new header, if
/// the decision rewrote it), which the session streams to its side, dot-stuffed again.
///
/// Backpressure both ways: a side is read only while the other side can take writes (and the
/// client side too, which gets the replies); the side the content comes from also waits while
/// the store catches up or a stored message streams the other way; the client waits while the
/// relay holds too many pipelined commands. A close of either side reaches the machine, which
/// closes the other.
final class RelaySession<Machine: SessionRelay>: ProxySessionEvents {
    let eventLoop: any EventLoop
    let environment: RelayEnvironment
    let id: String
    /// The settings when the session began (the machine's configuration comes from them).
    let settingsAtStart: ProxySettings
    var machine: Machine
    private var actions: [RelayAction<Machine.Subject, Machine.Notice>] = []

    var client: ProxySideHandler?
    var server: ProxySideHandler?
    private var admission: MemoryBudget.Admission?
    private var clientSlot: ClientSessionTable.Slot?
    /// The client's IP address, for log lines ("-" when the channel has none, as in unit tests).
    var clientAddress = "-"
    var clientOpen = true
    var serverOpen = false
    private var serverConnecting = false
    var finished = false
    private var started = false

    // Event processing (re-entrancy: a close inside `run` queues its event).
    private var queue: [Machine.Event] = []
    private var processing = false
    private var clientNeedsFlush = false
    private var serverNeedsFlush = false

    // Reads.
    private var relayPausedClient = false
    var storeWaits = 0

    // The clock (`RelaySession+Clock.swift`).
    var clock = Clock()

    // The message being collected or inspected (`RelaySession+Inspection.swift`).
    var buffer: MessageBuffer?
    var inspection: InspectionJob?
    var inspectionCount = 0

    // Delivery of a stored message (`RelaySession+Delivery.swift`); writes to its side asked
    // for meanwhile wait for its end, and so does a close of that side.
    var delivery: Delivery?
    var deferredWrites: [ByteBuffer] = []
    var closeAfterDelivery = false

    // TLS (`RelaySession+TLS.swift`): the side whose handshake runs, and what the server's
    // certificate was judged.
    var tlsPending: Set<RelaySide> = []
    /// Implicit TLS: the server half's judgement, which the client's hello waits for.
    var upstreamPromise: EventLoopPromise<UpstreamJudgement>?
    var upstream: UpstreamJudgement?
    /// The client's hello was answered with a certificate.
    var certificatePresented = false
    /// Both halves secured, the verdict waiting for the client's first bytes inside TLS.
    var clientTLSVerdict: (TLSOutcome, String?)?
    /// Where the server side connects (the own-server certificate is chosen by it).
    var serverAddress: SocketAddress?
    /// Implicit TLS with names on the exempt list: the client's hello is being read for its
    /// SNI (`RelaySession+ServerName.swift`), and the hello is held until the server half exists.
    var awaitingServerName = false
    var serverNamePromise: EventLoopPromise<Void>?

    init(eventLoop: any EventLoop, environment: RelayEnvironment, id: String) {
        self.eventLoop = eventLoop
        self.environment = environment
        self.id = id
        settingsAtStart = environment.settings.current
        machine = Machine(settings: settingsAtStart, timeDivisor: environment.timeDivisor, tlsAvailable: environment.tls != nil)
        actions.reserveCapacity(8)
    }

    /// Puts the client side of a new session into `channel`'s pipeline; the session starts when
    /// the channel is active (admission, then the connection to the server).
    static func install(on channel: any Channel, environment: RelayEnvironment, id: String) throws {
        let session = RelaySession(eventLoop: channel.eventLoop, environment: environment, id: id)
        let handler = ProxySideHandler(side: .client, session: session)
        session.client = handler
        try channel.pipeline.syncOperations.addHandler(handler)
        if channel.isActive { session.channelActive(.client) }
    }

    // MARK: inputs from the handlers

    // The handlers call in through `ProxySessionEvents`, whose witnesses for this generic class
    // would run unspecialised; `@_specialize` gives each entry point a dispatch to its SMTP and
    // POP3 copies, inside which every call is concrete (docs/architecture.md, MailProxy).

    @_specialize(where Machine == SMTPRelayMachine)
    @_specialize(where Machine == POP3RelayMachine)
    func channelActive(_ side: RelaySide) {
        guard side == .client, !started else { return }
        started = true
        if let address = client?.context?.channel.remoteAddress?.ipAddress {
            clientAddress = address
            guard let slot = environment.clientSessions.tryOpen(address) else {
                environment.accounting.log(.tooManyConnections(protocol: Machine.mailProtocol, address: address))
                return refuse(.tooManyConnections)
            }
            clientSlot = slot
        }
        guard let admission = environment.budget.tryAdmitSession() else {
            clientSlot?.release()
            clientSlot = nil
            return refuse(.resourcesExhausted)
        }
        self.admission = admission
        if let event = Machine.started(at: eventLoop.now) { handle(event) }
        connectServer()
    }

    private func refuse(_ reason: AdmissionRefusal) {
        client?.write(Machine.refusal(reason, hostname: environment.hostname))
        client?.closeAfterWrites()
    }

    @_specialize(where Machine == SMTPRelayMachine)
    @_specialize(where Machine == POP3RelayMachine)
    func received(_ bytes: ByteBuffer, from side: RelaySide) {
        if side == .client && clientTLSVerdict != nil { clientSpokeInsideTLS(bytes) }
        handle(Machine.received(bytes, from: side), readFrom: side)
    }

    @_specialize(where Machine == SMTPRelayMachine)
    @_specialize(where Machine == POP3RelayMachine)
    func readComplete(_ side: RelaySide) {
        flushBoth()
    }

    @_specialize(where Machine == SMTPRelayMachine)
    @_specialize(where Machine == POP3RelayMachine)
    func closed(_ side: RelaySide) {
        releaseClientHello()
        if tlsPending.contains(side) { failed(side, error: TLSHandshakeInterrupted()) }
        if side == .server { abandonUpstreamPromise() }
        switch side {
        case .client:
            guard clientOpen else { return }
            clientOpen = false
            clientClosedAfterHandshake()
            cancelInspection()
        case .server:
            guard serverOpen || serverConnecting else { return }
            clientSpokeInsideTLS(nil)  // the server went first: the client had no turn
            serverOpen = false
            serverConnecting = false
        }
        // Nobody to deliver to: the stored message goes now, not when the other side closes.
        if delivery?.side == side { dropDelivery() }
        handle(Machine.closed(side))
        finishIfBothClosed()
    }

    @_specialize(where Machine == SMTPRelayMachine)
    @_specialize(where Machine == POP3RelayMachine)
    func writabilityChanged(_ side: RelaySide) {
        if delivery?.side == side { pumpDelivery() }
        updateReads()
    }

    @_specialize(where Machine == SMTPRelayMachine)
    @_specialize(where Machine == POP3RelayMachine)
    func mayRead(_ side: RelaySide) -> Bool {
        // Implicit TLS: the client speaks first (its hello), and under pass or for an exempt
        // server those bytes go straight to the server, so nothing is read before the server
        // half exists (inspected, the hello would wait for the server half anyway).
        if side == .client && environment.implicitTLS && server == nil && clientOpen && !awaitingServerName { return false }
        let clientWritable = client?.isWritable ?? true
        let partnerWritable = side == .client ? (server?.isWritable ?? true) : true
        guard clientWritable, partnerWritable else { return false }
        if side == .client && relayPausedClient { return false }
        // The side the content comes from waits for the store, and while a stored message
        // streams the other way (what it sends would only queue behind it).
        if let target = delivery?.side, target != side { return false }
        if storeWaits > 0 && side == contentSide { return false }
        return true
    }

    /// The side the stored message comes from: the opposite of where it is delivered.
    private var contentSide: RelaySide { Machine.mailProtocol == .smtp ? .client : .server }

    // MARK: the machine

    @_specialize(where Machine == SMTPRelayMachine)
    @_specialize(where Machine == POP3RelayMachine)
    func handle(_ event: Machine.Event, readFrom side: RelaySide? = nil) {
        queue.append(event)
        guard !processing else { return }
        processing = true
        // By index, not removeFirst(): events queued while running are appended behind.
        var index = 0
        while index < queue.count {
            let next = queue[index]
            index += 1
            actions.removeAll(keepingCapacity: true)
            machine.handle(next, into: &actions)
            run(actions)
        }
        queue.removeAll(keepingCapacity: true)
        processing = false
        flushBoth()
        updateClock(readFrom: side)
        updateReads()
    }

    /// The one place that carries out the machine's actions.
    private func run(_ actions: [RelayAction<Machine.Subject, Machine.Notice>]) {
        for action in actions {
            switch action {
            case .sendToServer(let bytes):
                write(bytes, to: .server)
            case .replyToClient(let bytes):
                write(bytes, to: .client)
            case .startCollecting:
                startCollecting()
            case .storeContent(let slice):
                store(slice)
            case .discardCollected, .releaseMessage:
                releaseMessage()
            case .scanMessage(let subject, let size):
                inspect(subject, size: size)
            case .sendStoredMessage(let side):
                startDelivery(to: side, header: nil, storedFrom: 0)
            case .sendRewrittenMessage(let side, let header, let storedFrom):
                startDelivery(to: side, header: header, storedFrom: storedFrom)
            case .notice(let notice):
                if let notice = Machine.sessionNotice(notice) { record(notice) }
            case .pauseClientReads:
                relayPausedClient = true
            case .resumeClientReads:
                relayPausedClient = false
            case .secureServer:
                secureServer()
            case .secureClient:
                secureClient()
            case .closeClient:
                close(.client)
            case .closeServer:
                cancelInspection()
                if serverConnecting {
                    serverConnecting = false
                } else if serverOpen {
                    close(.server)
                }
            }
        }
    }

    private func write(_ bytes: ByteBuffer, to side: RelaySide) {
        if delivery?.side == side {
            // A stored message is still streaming there: what follows waits for its end.
            deferredWrites.append(bytes)
            return
        }
        switch side {
        case .client:
            client?.write(bytes)
            clientNeedsFlush = true
        case .server:
            server?.write(bytes)
            serverNeedsFlush = true
        }
    }

    private func close(_ side: RelaySide) {
        if delivery?.side == side {
            closeAfterDelivery = true
            return
        }
        switch side {
        case .client:
            client?.closeAfterWrites()
            clientNeedsFlush = false
        case .server:
            server?.closeAfterWrites()
            serverNeedsFlush = false
        }
    }

    func flushBoth() {
        if clientNeedsFlush {
            clientNeedsFlush = false
            client?.flush()
        }
        if serverNeedsFlush {
            serverNeedsFlush = false
            server?.flush()
        }
    }

    func updateReads() {
        if mayRead(.client) { client?.resumeReadIfPending() }
        if mayRead(.server) { server?.resumeReadIfPending() }
    }

    // MARK: the server side's connection

    private func connectServer() {
        guard let channel = client?.context?.channel,
              let target = environment.upstream.target(forClient: channel) else {
            handle(Machine.closed(.server))
            return
        }
        if environment.implicitTLS, waitsForServerName(target) { return }
        connectServer(target, serverName: nil)
    }

    /// Connects to `target`; `serverName`: the SNI of the client's hello, when it was read first.
    func connectServer(_ target: UpstreamTarget, serverName: String?) {
        let exempt = settingsAtStart.isExemptFromTLSInspection(target.address, serverName: serverName)
        if exempt { machine.exemptFromTLSInspection() }
        serverAddress = target.address
        if environment.implicitTLS {
            guard startImplicitTLS(exempt: exempt), clientOpen, client?.context != nil else { return }
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
        defer { releaseClientHello() }
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
        if !serverOpen { return closed(.server) }
        if upstreamPromise != nil { secureServer() }
        updateReads()
    }

    /// Both sides closed: nothing of the session may be left (store, spill file, timer, budget
    /// reservation, client slot).
    private func finishIfBothClosed() {
        guard !finished, !clientOpen, !serverOpen, !serverConnecting else { return }
        finished = true
        abandonUpstreamPromise()
        cancelInspection()
        stopClock()
        releaseMessage()
        dropDelivery()
        admission?.release()
        admission = nil
        clientSlot?.release()
        clientSlot = nil
        client?.detach()
        server?.detach()
        client = nil
        server = nil
    }
}

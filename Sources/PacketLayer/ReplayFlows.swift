/// Tracks TCP connections of a capture, reassembles both directions, recognises SMTP and POP3
/// sessions and runs them through the stream machines. Pure: frames in, messages out.
///
/// Offline replay collects every message and sorts them at `finish()`; live monitoring
/// (`drainMessages()`) takes them as they end, so nothing piles up while the capture runs.
public struct ReplayAnalyser {
    /// Connections tracked at once by default; beyond it the least recently active one is finished.
    public static let maximumFlows = 4096
    /// Server ports taken as SMTP (25 submission-to-MX, 587 submission) and POP3 (110).
    public static let smtpPorts: Set<UInt16> = [25, 587]
    public static let pop3Ports: Set<UInt16> = [110]

    /// Counters of what the analyser followed (for monitor mode's status).
    public struct Counters: Sendable, Equatable {
        /// Connections recognised as SMTP or POP3.
        public var sessions = 0
        /// Sessions that switched to TLS and were not followed.
        public var encryptedSessions = 0
        /// Bytes reported missing by reassembly (lost, or over its bounds).
        public var gapBytes = 0
        /// Connections finished early to stay within `maximumFlows`.
        public var evictedFlows = 0
    }

    private enum Session {
        case undecided
        case ignored
        case smtp(SMTPStreamMachine)
        case pop3(POP3StreamMachine)
    }

    private struct FlowKey: Hashable {
        var low: TCPEndpoint
        var high: TCPEndpoint
        init(_ a: TCPEndpoint, _ b: TCPEndpoint) {
            (low, high) = a < b ? (a, b) : (b, a)
        }
    }

    private struct Flow {
        var serial: Int
        var lastActive: Int
        /// The endpoint that opened the connection (SYN), if seen.
        var opener: TCPEndpoint?
        var streams: [TCPEndpoint: TCPStreamReassembler] = [:]
        var session = Session.undecided
        var server: TCPEndpoint?
        var client: TCPEndpoint?
    }

    private var flows: [FlowKey: Flow] = [:]
    private var nextSerial = 0
    private var frameCount = 0
    public let limits: TCPReassemblyLimits
    public private(set) var messages: [ReplayedMessage] = []
    public private(set) var counters = Counters()
    private let smtpPorts: Set<UInt16>
    private let pop3Ports: Set<UInt16>
    private let flowLimit: Int
    private let retention: ContentRetention?
    /// Live mode: machines hand their messages over as soon as they end.
    private let emitsAsMessagesEnd: Bool

    /// - Parameters:
    ///   - smtpPorts, pop3Ports: server ports that identify the protocol (the greeting decides
    ///     on other ports).
    ///   - maximumFlows: connections tracked at once.
    ///   - retention: keep each message's content (for scanning), within these bounds.
    ///   - live: hand messages over as they end (`drainMessages()`), for a capture that never ends.
    public init(limits: TCPReassemblyLimits = .standard,
                smtpPorts: Set<UInt16> = ReplayAnalyser.smtpPorts, pop3Ports: Set<UInt16> = ReplayAnalyser.pop3Ports,
                maximumFlows: Int = ReplayAnalyser.maximumFlows, retention: ContentRetention? = nil, live: Bool = false) {
        self.limits = limits
        self.smtpPorts = smtpPorts
        self.pop3Ports = pop3Ports
        self.flowLimit = max(1, maximumFlows)
        self.retention = retention
        self.emitsAsMessagesEnd = live
    }

    /// Connections tracked now.
    public var flowCount: Int { flows.count }

    /// Removes and returns the messages that ended so far, in the order they ended.
    public mutating func drainMessages() -> [ReplayedMessage] {
        defer { messages = [] }
        return messages
    }

    /// Feeds one captured frame.
    public mutating func add(frame: ArraySlice<UInt8>, linkType: PcapLinkType, time: CaptureTime) {
        frameCount += 1
        guard let segment = PacketDecoder.tcpSegment(frame: frame, linkType: linkType) else { return }
        add(segment: segment, time: time)
    }

    public mutating func add(segment: TCPSegment, time: CaptureTime) {
        let key = FlowKey(segment.source, segment.destination)
        if flows[key] == nil {
            if flows.count >= flowLimit, let oldest = flows.min(by: { $0.value.lastActive < $1.value.lastActive }) {
                counters.evictedFlows += 1
                end(oldest.key)
            }
            flows[key] = Flow(serial: nextSerial, lastActive: frameCount)
            nextSerial += 1
        }
        guard var flow = flows.removeValue(forKey: key) else { return }
        flow.lastActive = frameCount
        if case .ignored = flow.session {
            flows[key] = flow
            return
        }
        if segment.flags.contains(.syn), flow.opener == nil {
            flow.opener = segment.flags.contains(.ack) ? segment.destination : segment.source
        }
        var stream = flow.streams[segment.source] ?? TCPStreamReassembler(limits: limits)
        let events = stream.receive(sequence: segment.sequence, flags: segment.flags, payload: segment.payload)
        flow.streams[segment.source] = stream
        for event in events {
            deliver(event, from: segment.source, to: segment.destination, flow: &flow, time: time)
        }
        let closed = flow.streams.count == 2 && flow.streams.values.allSatisfy(\.isClosed)
        if closed || stream.isReset {
            finish(&flow)
        } else {
            flows[key] = flow
        }
    }

    /// Ends the analysis: every connection still open gives up its holes and is finished.
    /// Returns the messages ordered by the capture time of their end (ties: connection order).
    public mutating func finish() -> [ReplayedMessage] {
        for key in flows.sorted(by: { $0.value.serial < $1.value.serial }).map(\.key) { end(key) }
        messages = messages.enumerated()
            .sorted { ($0.element.time, $0.offset) < ($1.element.time, $1.offset) }
            .map(\.element)
        return messages
    }

    private mutating func end(_ key: FlowKey) {
        guard var flow = flows.removeValue(forKey: key) else { return }
        finish(&flow)
    }

    private mutating func finish(_ flow: inout Flow) {
        for (source, var stream) in flow.streams.sorted(by: { $0.key < $1.key }) {
            let destination = flow.streams.keys.first { $0 != source } ?? source
            for event in stream.finish() {
                deliver(event, from: source, to: destination, flow: &flow, time: nil)
            }
        }
        switch flow.session {
        case .smtp(var machine):
            machine.finish()
            collect(machine.takeMessages())
        case .pop3(var machine):
            machine.finish()
            collect(machine.takeMessages())
        case .undecided, .ignored:
            break
        }
        flow.session = .ignored
    }

    private var lastTime = CaptureTime(seconds: 0, microseconds: 0)

    private mutating func collect(_ ended: [ReplayedMessage]) {
        counters.encryptedSessions += ended.filter { $0.status == .encrypted }.count
        messages += ended
    }

    private mutating func deliver(_ event: TCPStreamEvent, from source: TCPEndpoint, to destination: TCPEndpoint,
                                  flow: inout Flow, time: CaptureTime?) {
        if let time { lastTime = time }
        let time = time ?? lastTime
        if case .undecided = flow.session {
            guard case .data(let bytes) = event else { return }
            decide(&flow, firstBytes: bytes, from: source, to: destination)
        }
        let fromClient = source == flow.client
        if case .gap(let count) = event { counters.gapBytes &+= count }
        switch (flow.session, event) {
        case (.smtp(var machine), .data(let bytes)):
            if fromClient { machine.clientData(bytes, time: time) } else { machine.serverData(bytes, time: time) }
            flow.session = .smtp(machine)
        case (.smtp(var machine), .gap(let count)):
            if fromClient { machine.clientGap(count) } else { machine.serverGap() }
            flow.session = .smtp(machine)
        case (.pop3(var machine), .data(let bytes)):
            if fromClient { machine.clientData(bytes, time: time) } else { machine.serverData(bytes, time: time) }
            flow.session = .pop3(machine)
        case (.pop3(var machine), .gap):
            if fromClient { machine.clientGap() } else { machine.serverGap() }
            flow.session = .pop3(machine)
        default:
            break
        }
        guard emitsAsMessagesEnd else { return }
        switch flow.session {
        case .smtp(var machine):
            let ended = machine.takeMessages()
            if !ended.isEmpty {
                collect(ended)
                flow.session = .smtp(machine)
            }
        case .pop3(var machine):
            let ended = machine.takeMessages()
            if !ended.isEmpty {
                collect(ended)
                flow.session = .pop3(machine)
            }
        case .undecided, .ignored:
            break
        }
    }

    /// Chooses the protocol and the roles: a well-known server port first, then the greeting
    /// (`220` for SMTP, `+OK` for POP3) from whichever side spoke first.
    private mutating func decide(_ flow: inout Flow, firstBytes: [UInt8], from source: TCPEndpoint, to destination: TCPEndpoint) {
        decideSession(&flow, firstBytes: firstBytes, from: source, to: destination)
        if case .ignored = flow.session { return }
        counters.sessions += 1
    }

    private func decideSession(_ flow: inout Flow, firstBytes: [UInt8], from source: TCPEndpoint, to destination: TCPEndpoint) {
        let ends = [source, destination]
        let preferred = flow.opener.map { opener in ends.filter { $0 != opener } } ?? [destination, source]
        if let server = preferred.first(where: { smtpPorts.contains($0.port) })
            ?? ends.first(where: { smtpPorts.contains($0.port) }) {
            let client = server == source ? destination : source
            flow.server = server
            flow.client = client
            flow.session = .smtp(SMTPStreamMachine(client: client, server: server, retention: retention))
            return
        }
        if let server = preferred.first(where: { pop3Ports.contains($0.port) })
            ?? ends.first(where: { pop3Ports.contains($0.port) }) {
            let client = server == source ? destination : source
            flow.server = server
            flow.client = client
            flow.session = .pop3(POP3StreamMachine(client: client, server: server, retention: retention))
            return
        }
        if firstBytes.starts(with: Array("220".utf8)), firstBytes.count > 3, [0x20, 0x2D, 0x0D, 0x0A].contains(firstBytes[3]) {
            flow.server = source
            flow.client = destination
            flow.session = .smtp(SMTPStreamMachine(client: destination, server: source, retention: retention))
        } else if firstBytes.starts(with: Array("+OK".utf8)) {
            flow.server = source
            flow.client = destination
            flow.session = .pop3(POP3StreamMachine(client: destination, server: source, retention: retention))
        } else {
            flow.session = .ignored
        }
    }
}

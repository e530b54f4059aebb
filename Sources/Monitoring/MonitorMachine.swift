import MessageInspection
import PacketLayer
import ScanClient
import Telemetry

/// What monitor-only mode decides about the messages a passive capture hands over: which are
/// counted and left alone, which copies are sent to the scan service (within
/// `MonitorLimits`' bounds on scans and bytes in flight), and what a verdict adds to
/// `show status mail security monitor` and to syslog (docs/monitor-and-replay.md).
///
/// Pure: events in, actions out (habit 1 of docs/engineering-habits.md). `MonitorService`
/// feeds it from the capture thread and the scan completions, under one lock, and carries
/// the actions out.
public struct MonitorMachine: Sendable {
    /// One copy sent to the scan service; handed back with its verdict.
    public struct Scan: Sendable, Hashable {
        /// Numbers the scan request (`monitor-N`); wraps, never traps.
        public var number: Int
        public var mailProtocol: MailProtocol
        /// Octets sent, released from the bytes in flight when the scan ends.
        public var size: Int

        public init(number: Int, mailProtocol: MailProtocol, size: Int) {
            self.number = number
            self.mailProtocol = mailProtocol
            self.size = size
        }
    }

    public enum Action: Sendable, Equatable {
        /// Add the capture's own counters (packets, drops, sessions, gaps).
        case addCapture(MonitorStatistics.CaptureCounters)
        /// Add one to a message counter.
        case count(MonitorStatistics.MessageCounter, MailProtocol)
        /// Send `bytes` to the scan service; answer with `scanEnded(_:verdict:)`.
        case scan(Scan, bytes: [UInt8])
        case log(MailSecLogMessage)
    }

    /// `mail security spam level`: read when a verdict arrives, so a change applies to
    /// the scans still in flight too.
    public var spamLevel: Int
    public let maximumScansInFlight: Int
    public let maximumScanBytesInFlight: Int
    public private(set) var scansInFlight = 0
    public private(set) var scanBytesInFlight = 0
    private var lastScanNumber = 0

    public init(spamLevel: Int = 3, maximumScansInFlight: Int = MonitorLimits.maximumScansInFlight,
                maximumScanBytesInFlight: Int = MonitorLimits.maximumScanBytesInFlight) {
        self.spamLevel = spamLevel
        self.maximumScansInFlight = maximumScansInFlight
        self.maximumScanBytesInFlight = maximumScanBytesInFlight
    }

    /// The capture reported `progress`; `scanServiceAvailable` is the scan service's state now.
    public mutating func captured(_ progress: MonitorProgress, scanServiceAvailable: Bool) -> [Action] {
        var actions: [Action] = []
        var capture = MonitorStatistics.CaptureCounters()
        capture.packets = progress.packets
        capture.dropped = progress.dropped
        capture.sessions = progress.sessions
        capture.encryptedSessions = progress.encryptedSessions
        capture.gapBytes = progress.gapBytes
        if capture != MonitorStatistics.CaptureCounters() { actions.append(.addCapture(capture)) }
        for message in progress.messages {
            actions += messageEnded(message, scanServiceAvailable: scanServiceAvailable)
        }
        return actions
    }

    /// One message of the capture ended (an encrypted session is no message: not counted).
    public mutating func messageEnded(_ message: ReplayedMessage, scanServiceAvailable: Bool) -> [Action] {
        let proto = message.mailProtocol
        guard message.status != .encrypted else { return [] }
        var actions: [Action] = [.count(.seen, proto)]
        guard message.status == .complete else { return actions + [.count(.notScannedIncomplete, proto)] }
        switch message.content {
        case .kept(let bytes) where bytes.isEmpty:
            // The scan protocol refuses an empty body: there is nothing to judge.
            actions.append(.count(.notScannedEmpty, proto))
        case .kept(let bytes):
            actions += admit(bytes, proto: proto, scanServiceAvailable: scanServiceAvailable)
        case .overSize:
            actions.append(.count(.notScannedOverSize, proto))
        case .overBudget, .notKept:
            actions.append(.count(.notScannedBusy, proto))
        }
        return actions
    }

    /// A copy is scanned only while the service is available and the bounds hold; beyond
    /// them it is counted `not scanned, busy` rather than queued without end.
    private mutating func admit(_ bytes: [UInt8], proto: MailProtocol, scanServiceAvailable: Bool) -> [Action] {
        guard scanServiceAvailable else { return [.count(.couldNotScan, proto), .log(.monitorCannotScan(protocol: proto))] }
        guard scansInFlight < maximumScansInFlight,
              scanBytesInFlight + bytes.count <= maximumScanBytesInFlight else { return [.count(.notScannedBusy, proto)] }
        scansInFlight += 1
        scanBytesInFlight += bytes.count
        lastScanNumber &+= 1
        return [.scan(Scan(number: lastScanNumber, mailProtocol: proto, size: bytes.count), bytes: bytes)]
    }

    /// The scan of `scan` ended: with a verdict, or without one (the service failed).
    public mutating func scanEnded(_ scan: Scan, verdict: ScanVerdict?) -> [Action] {
        scansInFlight -= 1
        scanBytesInFlight -= scan.size
        precondition(scansInFlight >= 0 && scanBytesInFlight >= 0, "a scan ended that was never started")
        let proto = scan.mailProtocol
        guard let verdict else { return [.count(.couldNotScan, proto), .log(.monitorCannotScan(protocol: proto))] }
        let actions: [Action] = [.count(.scanned, proto)]
        switch InspectionPolicy(spamLevel: spamLevel).result(score: verdict.spamScore, virusNames: verdict.viruses) {
        case nil:
            return actions + [.count(.clean, proto)]
        case .spam?:
            return actions + [.count(.spam, proto),
                              .log(.monitorDetection(protocol: proto, score: verdict.spamScore, names: []))]
        case .virus?:
            return actions + [.count(.virus, proto),
                              .log(.monitorDetection(protocol: proto, score: nil, names: verdict.viruses))]
        case .spamAndVirus?:
            return actions + [.count(.spamAndVirus, proto),
                              .log(.monitorDetection(protocol: proto, score: verdict.spamScore, names: verdict.viruses))]
        }
    }
}

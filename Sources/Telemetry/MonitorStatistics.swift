/// The numbers behind `show status mail security monitor`: what monitor-only mode captured and
/// what the scans of the copies said. Kept apart from `MailStatistics`: monitored mail was not
/// inspected in line, so it must not inflate the counters of the proxy. Thread-safe (the
/// capture thread, the scan completions and the console all touch it).
public final class MonitorStatistics: Sendable {
    /// Per-protocol message counters, in display order.
    public enum MessageCounter: String, CaseIterable, Sendable {
        case seen, scanned, clean, spam, virus, spamAndVirus, couldNotScan, notScannedIncomplete, notScannedOverSize, notScannedEmpty, notScannedBusy

        /// Fits the 30-column item field with the protocol name in front.
        public var label: String {
            switch self {
            case .seen: "messages seen"
            case .scanned: "scanned"
            case .clean: "clean"
            case .spam: "spam"
            case .virus: "virus"
            case .spamAndVirus: "spam+virus"
            case .couldNotScan: "could not scan"
            case .notScannedIncomplete: "not scanned, incomplete"
            case .notScannedOverSize: "not scanned, over size"
            case .notScannedEmpty: "not scanned, empty"
            case .notScannedBusy: "not scanned, busy"
            }
        }
    }

    /// Capture-wide counters.
    public struct CaptureCounters: Sendable, Equatable {
        /// Frames libpcap handed over.
        public var packets = 0
        /// Frames the kernel or libpcap dropped (buffer full): mail may have been missed.
        public var dropped = 0
        /// Mail sessions followed (SMTP or POP3 recognised).
        public var sessions = 0
        /// Sessions that switched to TLS: their mail is invisible.
        public var encryptedSessions = 0
        /// Bytes missing from reassembled streams (lost or over the reassembly bounds).
        public var gapBytes = 0

        public init() {}
    }

    private struct Storage {
        var interface: String?
        var state = "off"
        var capture = CaptureCounters()
        var messages: [MailProtocol: [MessageCounter: Int]] = [:]
    }

    private let storage = LockedState(Storage())

    public init() {}

    /// The watched interface and what the capture is doing (`running`, `off`, or why it failed).
    public func setState(interface: String?, state: String) {
        storage.withLock {
            $0.interface = interface
            $0.state = state
        }
    }

    public func increment(_ counter: MessageCounter, for mailProtocol: MailProtocol, by amount: Int = 1) {
        storage.withLock { $0.messages[mailProtocol, default: [:]][counter, default: 0] &+= amount }
    }

    /// Adds to the capture-wide counters (wrapping: a counter never traps a long-running box).
    public func addCapture(_ change: (inout CaptureCounters) -> Void) {
        storage.withLock { change(&$0.capture) }
    }

    public func value(_ counter: MessageCounter, for mailProtocol: MailProtocol) -> Int {
        storage.withLock { $0.messages[mailProtocol]?[counter] ?? 0 }
    }

    public var capture: CaptureCounters { storage.withLock { $0.capture } }

    public func reset() {
        storage.withLock {
            $0.capture = CaptureCounters()
            $0.messages = [:]
        }
    }

    /// `show status mail security monitor`, in the router's table style.
    public func render() -> String {
        let snapshot = storage.withLock { $0 }
        var rows: [(item: String, value: String)] = [
            ("Interface", snapshot.interface ?? "none"),
            ("Capture", snapshot.state),
            ("Packets captured", String(snapshot.capture.packets)),
            ("Packets dropped", String(snapshot.capture.dropped)),
            ("Sessions followed", String(snapshot.capture.sessions)),
            ("Sessions encrypted", String(snapshot.capture.encryptedSessions)),
            ("Bytes missing", String(snapshot.capture.gapBytes)),
        ]
        for mailProtocol in MailProtocol.allCases {
            for counter in MessageCounter.allCases {
                rows.append(("\(mailProtocol.logName) \(counter.label)", String(snapshot.messages[mailProtocol]?[counter] ?? 0)))
            }
        }
        return StatusTable(rows: rows).rendered()
    }
}

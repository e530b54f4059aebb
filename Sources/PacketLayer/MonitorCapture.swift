import Foundation

/// Named bounds of monitor-only mode: the memory a passive capture may hold whatever the
/// traffic does.
public enum MonitorLimits {
    /// Connections followed at once; the least recently active is given up beyond it.
    public static let maximumFlows = 256
    /// Per direction of a connection: out-of-order bytes and segments held for reassembly.
    public static let reassembly = TCPReassemblyLimits(maximumBufferedBytes: 256 << 10, maximumBufferedSegments: 256, window: 1 << 22)
    /// The content of every message being reassembled at once, together. A message that would
    /// exceed it is not kept (counted `not scanned, busy`).
    public static let contentBudgetBytes = 128 << 20
    /// Messages whose copies are being scanned at once, and their bytes together; more are
    /// counted `not scanned, busy` rather than queued without end.
    public static let maximumScansInFlight = 16
    public static let maximumScanBytesInFlight = 128 << 20
}

/// What the capture thread reports: messages that ended and the counters' increase since the
/// previous report.
public struct MonitorProgress: Sendable {
    public var messages: [ReplayedMessage] = []
    public var packets = 0
    public var dropped = 0
    public var sessions = 0
    public var encryptedSessions = 0
    public var gapBytes = 0

    public var isEmpty: Bool {
        messages.isEmpty && packets == 0 && dropped == 0 && sessions == 0 && encryptedSessions == 0 && gapBytes == 0
    }
}

/// The capture thread of monitor-only mode: reads a frame source, reassembles, and hands
/// finished messages (with their content) to `report`. A dedicated thread, never an event
/// loop: reading waits (bounded by `LiveCaptureLimits.pollMilliseconds`) for the kernel.
/// `report` runs on the capture thread and must not block.
public final class MonitorCapture: @unchecked Sendable {
    private let source: any FrameSource
    private var analyser: ReplayAnalyser
    private let report: @Sendable (MonitorProgress) -> Void
    private let ended: @Sendable (String?) -> Void
    private let stopLock = NSLock()
    private var stopRequested = false
    private let finished = DispatchSemaphore(value: 0)
    private var thread: Thread?

    /// - Parameters:
    ///   - ended: called once on the capture thread when the capture stops, with the reason if
    ///     it failed (nil after `stop()` or the end of a file).
    public init(source: any FrameSource, analyser: ReplayAnalyser,
                report: @escaping @Sendable (MonitorProgress) -> Void,
                ended: @escaping @Sendable (String?) -> Void = { _ in }) {
        self.source = source
        self.analyser = analyser
        self.report = report
        self.ended = ended
    }

    /// The analyser monitor mode uses: the configured ports, bounded flows and reassembly, and
    /// content kept up to `maximumMessageBytes` (`mail security max size`).
    public static func analyser(smtpPorts: [Int], pop3Ports: [Int], maximumMessageBytes: Int) -> ReplayAnalyser {
        let retention = ContentRetention(maximumMessageBytes: min(maximumMessageBytes, MonitorLimits.contentBudgetBytes),
                                         budget: ContentBudget(limit: MonitorLimits.contentBudgetBytes))
        return ReplayAnalyser(limits: MonitorLimits.reassembly,
                              smtpPorts: Set(smtpPorts.compactMap { UInt16(exactly: $0) }),
                              pop3Ports: Set(pop3Ports.compactMap { UInt16(exactly: $0) }),
                              maximumFlows: MonitorLimits.maximumFlows, retention: retention, live: true)
    }

    public func start() {
        let thread = Thread { [self] in run() }
        thread.name = "mailsec-monitor"
        self.thread = thread
        thread.start()
    }

    /// Asks the thread to stop and waits until it has (at most one poll interval plus the
    /// frame in hand). Safe to call more than once.
    public func stop() {
        stopLock.withLock { stopRequested = true }
        waitUntilFinished()
    }

    /// Waits for the thread to end (a file source ends by itself).
    public func waitUntilFinished() {
        guard thread != nil else { return }
        finished.wait()
        finished.signal()  // later callers pass straight through
    }

    private var shouldStop: Bool { stopLock.withLock { stopRequested } }

    private func run() {
        var progress = MonitorProgress()
        var previous = analyser.counters
        var previousDrops = source.dropStatistics()?.dropped ?? 0
        var lastReport = DispatchTime.now()
        var failure: String?

        func flush(force: Bool) {
            let now = DispatchTime.now()
            let interval = UInt64(LiveCaptureLimits.pollMilliseconds) * 1_000_000
            guard force || !progress.messages.isEmpty || now.uptimeNanoseconds - lastReport.uptimeNanoseconds >= interval else { return }
            let counters = analyser.counters
            progress.sessions = counters.sessions - previous.sessions
            progress.encryptedSessions = counters.encryptedSessions - previous.encryptedSessions
            progress.gapBytes = counters.gapBytes &- previous.gapBytes
            previous = counters
            if let drops = source.dropStatistics()?.dropped {
                progress.dropped = max(0, drops - previousDrops)
                previousDrops = drops
            }
            if !progress.isEmpty { report(progress) }
            progress = MonitorProgress()
            lastReport = now
        }

        reading: while !shouldStop {
            switch source.read(timeoutMilliseconds: LiveCaptureLimits.pollMilliseconds) {
            case .frame(let frame):
                progress.packets += 1
                analyser.add(frame: frame.bytes[...], linkType: source.linkType, time: frame.time)
                progress.messages += analyser.drainMessages()
                flush(force: false)
            case .idle:
                flush(force: false)
            case .end:
                break reading
            case .failed(let reason):
                failure = reason
                break reading
            }
        }
        // Whatever is still open is given up: its messages end as incomplete.
        progress.messages += analyser.finish()
        flush(force: true)
        ended(failure)
        finished.signal()
    }
}

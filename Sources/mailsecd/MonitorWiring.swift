import ApplianceConfig
import Foundation
import MessageInspection
import NIOCore
import PacketLayer
import ScanClient
import Telemetry

/// Monitor-only mode (`mail security monitor IFNAME`): a passive capture on the interface,
/// filtered on the configured SMTP/POP3 ports, reassembled on its own thread
/// (`MonitorCapture`); a copy of each complete message is scanned and the verdict is counted
/// (`show status mail security monitor`) and logged (`Monitor: …`). Traffic is never touched.
///
/// Configuration changes are applied on a private serial queue (stopping a capture waits for
/// its thread), so the console's caller never waits for it.
final class MonitorWiring: @unchecked Sendable {
    /// What the running capture was started with; a change restarts it.
    private struct CaptureSettings: Equatable {
        var interface: String
        var smtpPorts: [Int]
        var pop3Ports: [Int]
        var maximumMessageBytes: Int
    }

    let statistics = MonitorStatistics()
    private let scanClient: ScanClient
    private let availability: @Sendable () -> ServiceAvailability
    private let eventLoop: any EventLoop
    private let log: @Sendable (MailSecLogMessage) -> Void
    private let report: @Sendable (String, SyslogSeverity) -> Void
    private let queue = DispatchQueue(label: "mailsecd.monitor")

    /// Guards the fields below (touched by the queue, the capture thread and scan completions).
    private let lock = NSLock()
    private var spamLevel = 3
    private var scansInFlight = 0
    private var scanBytesInFlight = 0
    private var nextRequest = 0

    // Queue-confined.
    private var running: (settings: CaptureSettings, capture: MonitorCapture)?

    init(scanClient: ScanClient, availability: @escaping @Sendable () -> ServiceAvailability, eventLoop: any EventLoop,
         log: @escaping @Sendable (MailSecLogMessage) -> Void,
         report: @escaping @Sendable (String, SyslogSeverity) -> Void) {
        self.scanClient = scanClient
        self.availability = availability
        self.eventLoop = eventLoop
        self.log = log
        self.report = report
    }

    /// Starts, restarts or stops the capture to match the configuration (asynchronously).
    func apply(_ configuration: Configuration) {
        lock.withLock { spamLevel = configuration.spamLevel }
        let wanted = configuration.monitorInterface.map {
            CaptureSettings(interface: $0, smtpPorts: configuration.smtpPorts, pop3Ports: configuration.pop3Ports,
                            maximumMessageBytes: configuration.maxSizeMegabytes << 20)
        }
        queue.async { [self] in reconcile(wanted) }
    }

    /// Stops the capture and waits for its thread (daemon exit).
    func stop() {
        queue.sync { reconcile(nil) }
    }

    private func reconcile(_ wanted: CaptureSettings?) {
        if running?.settings == wanted { return }
        if let (settings, capture) = running {
            capture.stop()
            running = nil
            report("monitor: capture on \(settings.interface) stopped", .info)
        }
        guard let wanted else {
            statistics.setState(interface: nil, state: "off")
            return
        }
        let filter = PcapLiveCapture.filter(ports: wanted.smtpPorts + wanted.pop3Ports)
        do {
            let source = try PcapLiveCapture(interface: wanted.interface, filter: filter)
            let analyser = MonitorCapture.analyser(smtpPorts: wanted.smtpPorts, pop3Ports: wanted.pop3Ports,
                                                   maximumMessageBytes: wanted.maximumMessageBytes)
            let capture = MonitorCapture(source: source, analyser: analyser,
                                         report: { [self] in handle($0) },
                                         ended: { [self] failure in
                                             guard let failure else { return }
                                             statistics.setState(interface: wanted.interface, state: "failed")
                                             report("monitor: capture on \(wanted.interface) failed: \(failure)", .warning)
                                             // Forget it, so entering the command again retries.
                                             queue.async { [self] in
                                                 if running?.settings == wanted { running = nil }
                                             }
                                         })
            capture.start()
            running = (wanted, capture)
            statistics.setState(interface: wanted.interface, state: "running")
            report("monitor: capturing on \(wanted.interface) (\(filter))", .info)
        } catch {
            statistics.setState(interface: wanted.interface, state: "failed")
            report("monitor: cannot capture on \(wanted.interface): \(error)", .warning)
        }
    }

    /// On the capture thread: count, and send the complete messages' copies to be scanned.
    private func handle(_ progress: MonitorProgress) {
        statistics.addCapture {
            $0.packets &+= progress.packets
            $0.dropped &+= progress.dropped
            $0.sessions &+= progress.sessions
            $0.encryptedSessions &+= progress.encryptedSessions
            $0.gapBytes &+= progress.gapBytes
        }
        for message in progress.messages where message.status != .encrypted {
            let proto = message.mailProtocol
            statistics.increment(.seen, for: proto)
            guard message.status == .complete else {
                statistics.increment(.notScannedIncomplete, for: proto)
                continue
            }
            switch message.content {
            case .kept(let bytes) where bytes.isEmpty:
                // The scan protocol refuses an empty body: there is nothing to judge.
                statistics.increment(.notScannedEmpty, for: proto)
            case .kept(let bytes):
                scan(bytes, proto: proto)
            case .overSize:
                statistics.increment(.notScannedOverSize, for: proto)
            case .overBudget, .notKept:
                statistics.increment(.notScannedBusy, for: proto)
            }
        }
    }

    private func scan(_ bytes: [UInt8], proto: Telemetry.MailProtocol) {
        guard availability() == .available else {
            statistics.increment(.couldNotScan, for: proto)
            log(.monitorCannotScan(protocol: proto))
            return
        }
        let request: Int? = lock.withLock {
            guard scansInFlight < MonitorLimits.maximumScansInFlight,
                  scanBytesInFlight + bytes.count <= MonitorLimits.maximumScanBytesInFlight else { return nil }
            scansInFlight += 1
            scanBytesInFlight += bytes.count
            nextRequest &+= 1
            return nextRequest
        }
        guard let request else {
            statistics.increment(.notScannedBusy, for: proto)
            return
        }
        let task = scanClient.scan(ByteBuffer(bytes: bytes), operation: proto == .smtp ? .send : .receive,
                                   requestID: "monitor-\(request)", on: eventLoop)
        let size = bytes.count
        task.futureResult.whenSuccess { [self] outcome in
            let level = lock.withLock {
                scansInFlight -= 1
                scanBytesInFlight -= size
                return spamLevel
            }
            record(outcome.verdict, proto: proto, spamLevel: level)
        }
    }

    private func record(_ verdict: ScanVerdict?, proto: Telemetry.MailProtocol, spamLevel: Int) {
        guard let verdict else {
            statistics.increment(.couldNotScan, for: proto)
            log(.monitorCannotScan(protocol: proto))
            return
        }
        statistics.increment(.scanned, for: proto)
        switch InspectionPolicy(spamLevel: spamLevel).result(score: verdict.spamScore, virusNames: verdict.viruses) {
        case nil:
            statistics.increment(.clean, for: proto)
        case .spam?:
            statistics.increment(.spam, for: proto)
            log(.monitorDetection(protocol: proto, score: verdict.spamScore, names: []))
        case .virus?:
            statistics.increment(.virus, for: proto)
            log(.monitorDetection(protocol: proto, score: nil, names: verdict.viruses))
        case .spamAndVirus?:
            statistics.increment(.spamAndVirus, for: proto)
            log(.monitorDetection(protocol: proto, score: verdict.spamScore, names: verdict.viruses))
        }
    }
}

import ApplianceConfig
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import PacketLayer
import ScanClient
import Telemetry

/// Monitor-only mode (`mail security monitor IFNAME`): a passive capture on the interface,
/// filtered on the configured SMTP/POP3 ports, reassembled on its own thread
/// (`MonitorCapture`); a copy of each complete message is scanned and the verdict is counted
/// (`show status mail security monitor`) and logged (`Monitor: …`). Traffic is never touched.
///
/// Thin I/O around `MonitorMachine`, which decides what is scanned and counted. Configuration
/// changes are applied on a private serial queue (stopping a capture waits for its thread), so
/// the console's caller never waits for it.
public final class MonitorService: @unchecked Sendable {
    public let statistics = MonitorStatistics()
    private let scanClient: ScanClient
    private let availability: @Sendable () -> ServiceAvailability
    private let eventLoop: any EventLoop
    private let log: @Sendable (MailSecLogMessage) -> Void
    private let report: @Sendable (String, SyslogSeverity) -> Void
    private let queue = DispatchQueue(label: "mailsec.monitor")

    /// Touched by the queue, the capture thread and scan completions.
    private let machine = NIOLockedValueBox(MonitorMachine())

    // Queue-confined.
    private var running: (settings: MonitorCaptureSettings, capture: MonitorCapture)?

    public init(scanClient: ScanClient, availability: @escaping @Sendable () -> ServiceAvailability, eventLoop: any EventLoop,
                log: @escaping @Sendable (MailSecLogMessage) -> Void,
                report: @escaping @Sendable (String, SyslogSeverity) -> Void) {
        self.scanClient = scanClient
        self.availability = availability
        self.eventLoop = eventLoop
        self.log = log
        self.report = report
    }

    /// Starts, restarts or stops the capture to match the configuration (asynchronously).
    public func apply(_ configuration: Configuration) {
        machine.withLockedValue { $0.spamLevel = configuration.spamLevel }
        let wanted = MonitorCaptureSettings(configuration)
        queue.async { [self] in reconcile(wanted) }
    }

    /// Stops the capture and waits for its thread (daemon exit).
    public func stop() {
        queue.sync { reconcile(nil) }
    }

    private func reconcile(_ wanted: MonitorCaptureSettings?) {
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
                                         report: { [self] progress in
                                             let available = availability() == .available
                                             run(machine.withLockedValue { $0.captured(progress, scanServiceAvailable: available) })
                                         },
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

    /// Carries out the machine's actions (never under its lock: a scan may complete at once).
    private func run(_ actions: [MonitorMachine.Action]) {
        for action in actions {
            switch action {
            case .addCapture(let counters):
                statistics.addCapture {
                    $0.packets &+= counters.packets
                    $0.dropped &+= counters.dropped
                    $0.sessions &+= counters.sessions
                    $0.encryptedSessions &+= counters.encryptedSessions
                    $0.gapBytes &+= counters.gapBytes
                }
            case .count(let counter, let proto):
                statistics.increment(counter, for: proto)
            case .log(let message):
                log(message)
            case .scan(let scan, let bytes):
                let task = scanClient.scan(ByteBuffer(bytes: bytes), operation: scan.mailProtocol == .smtp ? .send : .receive,
                                           requestID: "monitor-\(scan.number)", on: eventLoop)
                task.futureResult.whenComplete { [self] result in
                    let verdict = (try? result.get())?.verdict
                    run(machine.withLockedValue { $0.scanEnded(scan, verdict: verdict) })
                }
            }
        }
    }
}

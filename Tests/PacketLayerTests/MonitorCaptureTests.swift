import Foundation
import Testing
import TestSupport
@testable import PacketLayer

/// The monitor pipeline (capture thread → live analyser → finished messages with content), fed
/// from capture files instead of an interface.
@Suite struct MonitorCaptureTests {
    static let gtube = "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X"

    /// Runs a capture file through `MonitorCapture` and collects every report.
    static func monitor(_ path: String, analyser: ReplayAnalyser) throws -> MonitorProgress {
        let collected = Collected()
        let capture = MonitorCapture(source: try PcapReader(path: path), analyser: analyser,
                                     report: { collected.add($0) })
        capture.start()
        capture.waitUntilFinished()
        return collected.total
    }

    final class Collected: @unchecked Sendable {
        private let lock = NSLock()
        private var sum = MonitorProgress()
        func add(_ progress: MonitorProgress) {
            lock.withLock {
                sum.messages += progress.messages
                sum.packets += progress.packets
                sum.sessions += progress.sessions
                sum.encryptedSessions += progress.encryptedSessions
                sum.gapBytes += progress.gapBytes
            }
        }
        var total: MonitorProgress { lock.withLock { sum } }
    }

    static func analyser(maximumMessageBytes: Int = 5 << 20) -> ReplayAnalyser {
        MonitorCapture.analyser(smtpPorts: [25, 587], pop3Ports: [110], maximumMessageBytes: maximumMessageBytes)
    }

    /// Live draining finds the same messages as offline replay, on every corpus capture.
    @Test(arguments: ReplayCorpusTests.captures)
    func sameMessagesAsReplay(_ name: String) throws {
        let path = "\(ReplayCorpusTests.fixtures)/\(name).pcap"
        let offline = try Replay.run(path: path).map(ReplayReport.line).sorted()
        let live = try Self.monitor(path, analyser: Self.analyser())
        #expect(live.messages.map(ReplayReport.line).sorted() == offline, "\(name)")
        #expect(live.encryptedSessions == live.messages.filter { $0.status == .encrypted }.count)
    }

    /// Messages come out as each ends, with their whole content (dot-unstuffed) kept.
    @Test func messagesCarryTheirContent() throws {
        let dir = try TemporaryDirectory()
        var capture = SyntheticCapture()
        let spam = "From: a@example.com\r\nTo: b@example.com\r\nSubject: gtube\r\n\r\n\(Self.gtube)\r\n.leading dot\r\n"
        let clean = "From: a@example.com\r\nTo: b@example.com\r\nSubject: hello\r\n\r\nhi\r\n"
        capture.smtpSession(client: [192, 0, 2, 10], clientPort: 40001, server: [192, 0, 2, 20],
                            from: "a@example.com", to: "b@example.com", messages: [spam, clean])
        try capture.write(to: dir.path("two.pcap"))
        let result = try Self.monitor(dir.path("two.pcap"), analyser: Self.analyser())
        #expect(result.messages.map(\.subject) == ["gtube", "hello"])
        #expect(result.messages.map(\.content) == [.kept(Array(spam.utf8)), .kept(Array(clean.utf8))])
        #expect(result.sessions == 1)
        #expect(result.packets > 10)
    }

    /// A message over the size limit keeps no content; the budget is given back.
    @Test func overSizeMessagesKeepNoContent() throws {
        let dir = try TemporaryDirectory()
        var capture = SyntheticCapture()
        let big = "Subject: big\r\n\r\n" + String(repeating: "0123456789abcdef\r\n", count: 1000)
        capture.smtpSession(client: [192, 0, 2, 10], clientPort: 40002, server: [192, 0, 2, 20],
                            from: "a@example.com", to: "b@example.com", messages: [big, "Subject: small\r\n\r\nx\r\n"])
        try capture.write(to: dir.path("big.pcap"))
        let result = try Self.monitor(dir.path("big.pcap"), analyser: Self.analyser(maximumMessageBytes: 4096))
        #expect(result.messages.map(\.content) == [.overSize, .kept(Array("Subject: small\r\n\r\nx\r\n".utf8))])
    }

    /// The shared budget bounds what all messages in progress hold together.
    @Test func theBudgetIsSharedAndReturned() {
        let budget = ContentBudget(limit: 10)
        let retention = ContentRetention(maximumMessageBytes: 100, budget: budget)
        var first: HeldContent? = HeldContent(retention: retention)
        first?.append(Array(repeating: 1, count: 8))
        let second = HeldContent(retention: retention)
        second.append(Array(repeating: 2, count: 5))
        #expect(budget.used == 8)
        #expect(second.take() == .overBudget)
        first = nil
        #expect(budget.used == 0)
    }

    /// Only the configured ports are taken for a protocol without a greeting seen.
    @Test func theConfiguredPortsDecide() throws {
        let dir = try TemporaryDirectory()
        var capture = SyntheticCapture()
        capture.smtpSession(client: [192, 0, 2, 10], clientPort: 40003, server: [192, 0, 2, 20], serverPort: 2525,
                            from: "a@example.com", to: "b@example.com", messages: ["Subject: odd port\r\n\r\nx\r\n"])
        try capture.write(to: dir.path("port.pcap"))
        let analyser = MonitorCapture.analyser(smtpPorts: [2525], pop3Ports: [110], maximumMessageBytes: 1 << 20)
        let result = try Self.monitor(dir.path("port.pcap"), analyser: analyser)
        #expect(result.messages.map(\.subject) == ["odd port"])
    }

    @Test func theFilterNamesEveryPortOnce() {
        #expect(PcapLiveCapture.filter(ports: [25, 110, 25, 587]) == "tcp and (port 25 or port 110 or port 587)")
    }

    /// A live capture can be opened on loopback (root) and stopped promptly when nothing arrives.
    @Test func aLiveCaptureStopsWithinItsPollInterval() throws {
        guard getuid() == 0 else { return }
        let source = try PcapLiveCapture(interface: "lo", filter: PcapLiveCapture.filter(ports: [65000]))
        let capture = MonitorCapture(source: source, analyser: Self.analyser(), report: { _ in })
        capture.start()
        let started = Date()
        capture.stop()
        #expect(Date().timeIntervalSince(started) < 2)
    }
}

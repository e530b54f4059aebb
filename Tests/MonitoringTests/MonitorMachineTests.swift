import Monitoring
@testable import PacketLayer
import ScanClient
import ScanProtocol
import Telemetry
import Testing

/// Monitor-only mode's decisions as event → action scripts: what is counted, what is scanned
/// within the bounds, and what a verdict counts and logs (docs/monitor-and-replay.md).
@Suite struct MonitorMachineTests {
    static let client = TCPEndpoint(address: IPAddress(bytes: [192, 0, 2, 1]), port: 40000)
    static let server = TCPEndpoint(address: IPAddress(bytes: [198, 51, 100, 7]), port: 25)

    static func message(_ content: MessageContent, status: ReplayedMessage.Status = .complete,
                        protocol mailProtocol: MailProtocol = .smtp) -> ReplayedMessage {
        ReplayedMessage(time: CaptureTime(seconds: 0, microseconds: 0), mailProtocol: mailProtocol, client: client,
                        server: server, from: [], to: [], subject: nil, size: content.bytes?.count ?? 0,
                        status: status, content: content)
    }

    static func verdict(score: Int, viruses: [String] = []) -> ScanVerdict {
        ScanVerdict(spamScore: score, viruses: viruses, engines: ["builtin"], elapsedMilliseconds: 1)
    }

    /// Admits one message of `size` octets and returns the scan it asked for.
    static func admitted(_ machine: inout MonitorMachine, size: Int = 3, protocol mailProtocol: MailProtocol = .smtp) -> MonitorMachine.Scan? {
        let actions = machine.messageEnded(message(.kept(Array(repeating: 0x41, count: size)), protocol: mailProtocol),
                                           scanServiceAvailable: true)
        for case .scan(let scan, _) in actions { return scan }
        return nil
    }

    @Test func aCompleteMessageIsSeenAndItsCopySentToBeScanned() {
        var machine = MonitorMachine()
        let actions = machine.messageEnded(Self.message(.kept([0x61, 0x62])), scanServiceAvailable: true)
        #expect(actions == [.count(.seen, .smtp),
                            .scan(MonitorMachine.Scan(number: 1, mailProtocol: .smtp, size: 2), bytes: [0x61, 0x62])])
        #expect(machine.scansInFlight == 1 && machine.scanBytesInFlight == 2)
    }

    @Test(arguments: [
        (MessageContent.kept([]), ReplayedMessage.Status.complete, MonitorStatistics.MessageCounter.notScannedEmpty),
        (.overSize, .complete, .notScannedOverSize),
        (.overBudget, .complete, .notScannedBusy),
        (.notKept, .complete, .notScannedBusy),
        (.kept([0x61]), .incomplete, .notScannedIncomplete),
        (.kept([0x61]), .gap, .notScannedIncomplete),
    ])
    func aMessageThatCannotBeJudgedIsCountedWithItsReason(_ content: MessageContent, _ status: ReplayedMessage.Status,
                                                         _ counter: MonitorStatistics.MessageCounter) {
        var machine = MonitorMachine()
        #expect(machine.messageEnded(Self.message(content, status: status, protocol: .pop3), scanServiceAvailable: true)
                    == [.count(.seen, .pop3), .count(counter, .pop3)])
        #expect(machine.scansInFlight == 0)
    }

    @Test func anEncryptedSessionIsNoMessage() {
        var machine = MonitorMachine()
        #expect(machine.messageEnded(Self.message(.notKept, status: .encrypted), scanServiceAvailable: true).isEmpty)
    }

    @Test func withTheScanServiceUnavailableNothingIsSentAndTheMissIsLogged() {
        var machine = MonitorMachine()
        #expect(machine.messageEnded(Self.message(.kept([0x61])), scanServiceAvailable: false)
                    == [.count(.seen, .smtp), .count(.couldNotScan, .smtp), .log(.monitorCannotScan(protocol: .smtp))])
        #expect(machine.scansInFlight == 0)
    }

    @Test func beyondTheScansInFlightTheNextIsCountedBusyUntilOneEnds() throws {
        var machine = MonitorMachine(maximumScansInFlight: 2, maximumScanBytesInFlight: 1000)
        let firstWished = Self.admitted(&machine)
        let first = try #require(firstWished)
        #expect(Self.admitted(&machine)?.number == 2)
        let refused = machine.messageEnded(Self.message(.kept([0x61])), scanServiceAvailable: true)
        #expect(refused == [.count(.seen, .smtp), .count(.notScannedBusy, .smtp)])
        _ = machine.scanEnded(first, verdict: Self.verdict(score: 0))
        #expect(Self.admitted(&machine)?.number == 3)
    }

    @Test func beyondTheBytesInFlightTheNextIsCountedBusy() throws {
        var machine = MonitorMachine(maximumScansInFlight: 10, maximumScanBytesInFlight: 10)
        let firstWished = Self.admitted(&machine, size: 6)
        let first = try #require(firstWished)
        #expect(Self.admitted(&machine, size: 5) == nil)
        #expect(Self.admitted(&machine, size: 4) != nil)
        #expect(machine.scanBytesInFlight == 10)
        _ = machine.scanEnded(first, verdict: nil)
        #expect(machine.scanBytesInFlight == 4 && machine.scansInFlight == 1)
        #expect(Self.admitted(&machine, size: 6) != nil)
    }

    @Test(arguments: [
        (80, [String](), 3, [MonitorMachine.Action.count(.scanned, .pop3), .count(.spam, .pop3),
                             .log(.monitorDetection(protocol: .pop3, score: 80, names: []))]),
        (69, [], 3, [.count(.scanned, .pop3), .count(.clean, .pop3)]),
        (69, [], 4, [.count(.scanned, .pop3), .count(.spam, .pop3),
                     .log(.monitorDetection(protocol: .pop3, score: 69, names: []))]),
        (0, ["EICAR-Test-File"], 3, [.count(.scanned, .pop3), .count(.virus, .pop3),
                                    .log(.monitorDetection(protocol: .pop3, score: nil, names: ["EICAR-Test-File"]))]),
        (100, ["EICAR-Test-File"], 3, [.count(.scanned, .pop3), .count(.spamAndVirus, .pop3),
                                      .log(.monitorDetection(protocol: .pop3, score: 100, names: ["EICAR-Test-File"]))]),
    ])
    func aVerdictIsCountedAndADetectionLoggedUnderTheSpamLevel(_ score: Int, _ viruses: [String], _ level: Int,
                                                               _ expected: [MonitorMachine.Action]) throws {
        var machine = MonitorMachine(spamLevel: level)
        let scanWished = Self.admitted(&machine, protocol: .pop3)
        let scan = try #require(scanWished)
        #expect(machine.scanEnded(scan, verdict: Self.verdict(score: score, viruses: viruses)) == expected)
        #expect(machine.scansInFlight == 0 && machine.scanBytesInFlight == 0)
    }

    @Test func aSpamLevelChangedDuringTheScanAppliesToItsVerdict() throws {
        var machine = MonitorMachine(spamLevel: 1)
        let scanWished = Self.admitted(&machine)
        let scan = try #require(scanWished)
        machine.spamLevel = 5
        #expect(machine.scanEnded(scan, verdict: Self.verdict(score: 50)).contains(.count(.spam, .smtp)))
    }

    @Test func aFailedScanIsCountedAndLogged() throws {
        var machine = MonitorMachine()
        let scanWished = Self.admitted(&machine)
        let scan = try #require(scanWished)
        #expect(machine.scanEnded(scan, verdict: nil) == [.count(.couldNotScan, .smtp), .log(.monitorCannotScan(protocol: .smtp))])
    }

    @Test func aReportAddsTheCaptureCountersThenDecidesEachMessage() {
        var machine = MonitorMachine()
        var progress = MonitorProgress()
        progress.packets = 7
        progress.dropped = 1
        progress.sessions = 2
        progress.encryptedSessions = 1
        progress.gapBytes = 10
        progress.messages = [Self.message(.notKept, status: .encrypted), Self.message(.overSize)]
        var expected = MonitorStatistics.CaptureCounters()
        expected.packets = 7
        expected.dropped = 1
        expected.sessions = 2
        expected.encryptedSessions = 1
        expected.gapBytes = 10
        #expect(machine.captured(progress, scanServiceAvailable: true)
                    == [.addCapture(expected), .count(.seen, .smtp), .count(.notScannedOverSize, .smtp)])
        #expect(machine.captured(MonitorProgress(), scanServiceAvailable: true).isEmpty)
    }
}

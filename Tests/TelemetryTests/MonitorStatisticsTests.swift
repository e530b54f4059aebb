import Testing
@testable import Telemetry

/// `show status mail security monitor`: the router's table, counters per protocol.
@Suite struct MonitorStatisticsTests {
    @Test func rendersStateCaptureCountersAndPerProtocolRows() {
        let statistics = MonitorStatistics()
        statistics.setState(interface: "eth1", state: "running")
        statistics.addCapture {
            $0.packets += 52
            $0.dropped += 2
            $0.sessions += 1
        }
        statistics.increment(.seen, for: .smtp, by: 3)
        statistics.increment(.spam, for: .smtp)
        statistics.increment(.notScannedEmpty, for: .pop3)
        let lines = statistics.render().split(separator: "\n").map(String.init)
        #expect(lines.contains("Interface                     eth1"))
        #expect(lines.contains("Capture                       running"))
        #expect(lines.contains("Packets captured              52"))
        #expect(lines.contains("Packets dropped               2"))
        #expect(lines.contains("SMTP messages seen            3"))
        #expect(lines.contains("SMTP spam                     1"))
        #expect(lines.contains("POP3 not scanned, empty       1"))
        #expect(lines.contains("POP3 spam                     0"))
        // Every item fits the item column, so values line up.
        for counter in MonitorStatistics.MessageCounter.allCases {
            #expect("POP3 \(counter.label)".count < StatusTable.itemColumn)
        }
    }

    @Test func resetClearsCountersButNotTheState() {
        let statistics = MonitorStatistics()
        statistics.setState(interface: "eth1", state: "running")
        statistics.increment(.virus, for: .pop3)
        statistics.reset()
        #expect(statistics.value(.virus, for: .pop3) == 0)
        #expect(statistics.render().contains("Capture                       running"))
    }

    @Test func offShowsNoInterface() {
        let statistics = MonitorStatistics()
        #expect(statistics.render().contains("Interface                     none\nCapture                       off\n"))
    }
}

import Foundation
import Testing
import TestSupport
@testable import SyslogIO
@testable import Telemetry

@Suite struct SyslogSenderTests {
    let pid = Int(ProcessInfo.processInfo.processIdentifier)

    func sender(_ settings: SyslogSettings, localSocketPath: String? = nil,
                resolver: @escaping SyslogResolver.Function = SyslogResolver.system) -> SyslogSender {
        SyslogSender(settings: settings, hostname: "fw1", localSocketPath: localSocketPath,
                     resolver: resolver, clock: { lateNovember })
    }

    @Test func sendsRFC3164WithFacilityAndSeverityInPRI() throws {
        let collector = try #require(DatagramListener(udp: "127.0.0.1"))
        let syslog = sender(SyslogSettings(hosts: ["127.0.0.1:\(collector.port)"], facility: .mail))
        syslog.log(.detectSpam(score: 95))
        #expect(collector.receive() == "<22>Nov 25 22:45:00 fw1 mailsecd[\(pid)]: [MAIL_SEC] Detect spam mail (95)")
        syslog.log(text: "configuration file unreadable", severity: .error)
        #expect(collector.receive() == "<19>Nov 25 22:45:00 fw1 mailsecd[\(pid)]: [MAIL_SEC] configuration file unreadable")
        #expect(syslog.counters == SyslogCounters(sent: 2, dropped: 0, filtered: 0))
    }

    @Test func sendsRFC5424WithMessageID() throws {
        let collector = try #require(DatagramListener(udp: "127.0.0.1"))
        let syslog = sender(SyslogSettings(hosts: ["127.0.0.1:\(collector.port)"], facility: .local3, debug: true, format: .rfc5424))
        syslog.log(.yscConnect(id: "7", address: "192.0.2.5", port: 443))
        #expect(collector.receive()
            == "<159>1 2026-11-25T22:45:00.000Z fw1 mailsecd \(pid) yscConnect - [MAIL_SEC] [7] Connect 192.0.2.5:443")
        syslog.log(.cannotScan(protocol: .pop3))
        #expect(collector.receive()
            == "<158>1 2026-11-25T22:45:00.000Z fw1 mailsecd \(pid) cannotScan - [MAIL_SEC] POP3: can't scan mail")
    }

    @Test func debugLinesFollowSyslogDebug() throws {
        let collector = try #require(DatagramListener(udp: "127.0.0.1"))
        var settings = SyslogSettings(hosts: ["127.0.0.1:\(collector.port)"])
        #expect(settings.debug == false)
        let syslog = sender(settings)
        syslog.log(.yscTLSError(id: "r1"))
        #expect(collector.receive(timeout: 0.3) == nil)
        #expect(syslog.counters.filtered == 1)
        settings.debug = true
        syslog.reconfigure(settings)
        syslog.log(.yscTLSError(id: "r1"))
        #expect(collector.receive() == "<15>Nov 25 22:45:00 fw1 mailsecd[\(pid)]: [MAIL_SEC] [r1] SSL connect error")
    }

    @Test func infoAndNoticeLinesFollowTheirSwitches() throws {
        let collector = try #require(DatagramListener(udp: "127.0.0.1"))
        var settings = SyslogSettings(hosts: ["127.0.0.1:\(collector.port)"], info: false)
        let syslog = sender(settings)
        syslog.log(.rejectInactiveLicense)
        syslog.log(text: "started", severity: .notice)
        syslog.log(text: "disk trouble", severity: .warning)
        #expect(collector.drain() == ["<12>Nov 25 22:45:00 fw1 mailsecd[\(pid)]: [MAIL_SEC] disk trouble"])
        settings.info = true
        settings.notice = true
        syslog.reconfigure(settings)
        syslog.log(.rejectInactiveLicense)
        syslog.log(text: "started", severity: .notice)
        #expect(collector.drain() == [
            "<14>Nov 25 22:45:00 fw1 mailsecd[\(pid)]: [MAIL_SEC] Reject mail transfer for inactive license",
            "<13>Nov 25 22:45:00 fw1 mailsecd[\(pid)]: [MAIL_SEC] started",
        ])
        #expect(syslog.counters == SyslogCounters(sent: 3, dropped: 0, filtered: 2))
    }

    @Test func filterTable() {
        let off = SyslogSettings(info: false, debug: false, notice: false)
        let on = SyslogSettings(info: true, debug: true, notice: true)
        for severity in SyslogSeverity.allCases {
            #expect(SyslogSender.passes(severity, on))
            #expect(SyslogSender.passes(severity, off) == (severity.rawValue <= SyslogSeverity.warning.rawValue))
        }
    }

    @Test func reconfigureSwitchesHosts() throws {
        let first = try #require(DatagramListener(udp: "127.0.0.1"))
        let second = try #require(DatagramListener(udp: "127.0.0.1"))
        var settings = SyslogSettings(hosts: ["127.0.0.1:\(first.port)"])
        let syslog = sender(settings)
        syslog.log(.whiteListMatch(pattern: 3))
        #expect(first.receive()?.hasSuffix("[MAIL_SEC] Match white-list pattern (3)") == true)
        settings.hosts = ["127.0.0.1:\(second.port)"]
        syslog.reconfigure(settings)
        syslog.log(.whiteListSetEnabled(set: 2))
        #expect(second.receive()?.hasSuffix("[MAIL_SEC] White list set (2) enabled by configuration") == true)
        #expect(first.receive(timeout: 0.3) == nil)
    }

    @Test func sendsToIPv6Collectors() throws {
        guard let collector = DatagramListener(udp: "::1") else { return } // no IPv6 loopback here
        let syslog = sender(SyslogSettings(hosts: ["[::1]:\(collector.port)"]))
        syslog.log(.rejectYSCFailure)
        #expect(collector.receive() == "<14>Nov 25 22:45:00 fw1 mailsecd[\(pid)]: [MAIL_SEC] Reject mail transfer for failure to access YSC")
    }

    @Test func atMostFourHosts() throws {
        let collectors = (0..<5).compactMap { _ in DatagramListener(udp: "127.0.0.1") }
        try #require(collectors.count == 5)
        let syslog = sender(SyslogSettings(hosts: collectors.map { "127.0.0.1:\($0.port)" }))
        syslog.log(.detectVirus(names: ["EICAR-Test-File"]))
        for collector in collectors.prefix(4) {
            #expect(collector.receive()?.hasSuffix("[MAIL_SEC] Detect virus mail (EICAR-Test-File)") == true)
        }
        #expect(collectors[4].receive(timeout: 0.3) == nil)
        #expect(syslog.counters.sent == 4)
    }

    @Test func namesAreResolvedInTheBackgroundAndLinesBeforeThatAreDropped() throws {
        let collector = try #require(DatagramListener(udp: "127.0.0.1"))
        let gate = DispatchSemaphore(value: 0)
        let asked = LockedState<[String]>([])
        let syslog = sender(SyslogSettings(hosts: ["collector.example:\(collector.port)"]), resolver: { name in
            asked.withLock { $0.append(name) }
            gate.wait() // a slow DNS server: the logging thread must not wait for it
            return SyslogAddress(numeric: "127.0.0.1")
        })
        let start = Date()
        syslog.log(.detectSpam(score: 80))
        #expect(Date().timeIntervalSince(start) < 1)
        #expect(syslog.counters == SyslogCounters(sent: 0, dropped: 1, filtered: 0))
        gate.signal()
        syslog.waitForPendingResolutions()
        #expect(asked.withLock { $0 } == ["collector.example"])
        syslog.log(.detectSpam(score: 81))
        #expect(collector.receive()?.hasSuffix("[MAIL_SEC] Detect spam mail (81)") == true)
        #expect(syslog.counters == SyslogCounters(sent: 1, dropped: 1, filtered: 0))
    }

    @Test func unresolvableNamesDropAndRetryOnlyAfterTheInterval() {
        let asked = LockedState(0)
        let now = LockedState(lateNovember)
        let syslog = SyslogSender(settings: SyslogSettings(hosts: ["nowhere.example"]), hostname: "fw1",
                                  localSocketPath: nil,
                                  resolver: { _ in asked.withLock { $0 += 1 }; return nil },
                                  clock: { now.withLock { $0 } })
        syslog.waitForPendingResolutions()
        for _ in 0..<5 { syslog.log(.rejectYSCFailure) }
        syslog.waitForPendingResolutions()
        #expect(asked.withLock { $0 } == 1)
        #expect(syslog.counters.dropped == 5)
        now.withLock { $0 = $0.addingTimeInterval(SyslogSender.resolutionRetryInterval + 1) }
        syslog.log(.rejectYSCFailure)
        syslog.waitForPendingResolutions()
        #expect(asked.withLock { $0 } == 2)
    }

    @Test func writesToTheLocalSocketInTheLocalForm() throws {
        let directory = try TemporaryDirectory()
        let local = try #require(DatagramListener(unixPath: directory.path("log")))
        let syslog = sender(SyslogSettings(facility: .mail, format: .rfc5424), localSocketPath: directory.path("log"))
        syslog.log(.mailSizeOver(protocol: .smtp, size: 6_000_000))
        #expect(local.receive() == "<22>Nov 25 22:45:00 mailsecd[\(pid)]: [MAIL_SEC] SMTP: Mail size is over (6000000)")
        #expect(syslog.counters.sent == 1)
    }

    /// A syslog daemon that stops reading fills its socket queue; the caller must not wait
    /// for it — the lines beyond the queue are dropped and counted.
    @Test func aFullSocketDropsInsteadOfBlocking() throws {
        let directory = try TemporaryDirectory()
        let stuck = try #require(DatagramListener(unixPath: directory.path("log")))
        let syslog = sender(SyslogSettings(), localSocketPath: directory.path("log"))
        let start = Date()
        for n in 0..<2000 { syslog.log(.whiteListMatch(pattern: n)) }
        #expect(Date().timeIntervalSince(start) < 5)
        let counters = syslog.counters
        #expect(counters.sent + counters.dropped == 2000)
        #expect(counters.dropped > 0)
        #expect(stuck.receive()?.hasSuffix("[MAIL_SEC] Match white-list pattern (0)") == true)
    }

    @Test func aMissingLocalSocketIsNotALostLine() throws {
        let directory = try TemporaryDirectory()
        let syslog = sender(SyslogSettings(), localSocketPath: directory.path("absent"))
        syslog.log(.rejectYSCFailure)
        #expect(syslog.counters == SyslogCounters(sent: 0, dropped: 0, filtered: 0))
    }

    @Test func showLogKeepsWhatPassedTheFilters() {
        let syslog = sender(SyslogSettings())
        syslog.log(.detectSpamAndVirus(score: 99, names: ["A", "B"]))
        syslog.log(.noSuchDomainName(fqdn: "ysc.example")) // DEBUG, debug off: not kept
        syslog.log(text: "stopped", severity: .notice)      // NOTICE, notice off: not kept
        syslog.log(text: "[MAIL_SEC] config error", severity: .error)
        #expect(syslog.recentLines.rendered() == """
            2026/11/25 22:45:00: [MAIL_SEC] Detect spam(99) + virus mail (A,B)
            2026/11/25 22:45:00: [MAIL_SEC] config error

            """)
    }

    @Test func manyThreadsLogWithoutLosingCount() async throws {
        let collector = try #require(DatagramListener(udp: "127.0.0.1"))
        let syslog = sender(SyslogSettings(hosts: ["127.0.0.1:\(collector.port)"]))
        await withTaskGroup(of: Void.self) { group in
            for task in 0..<8 {
                group.addTask {
                    for n in 0..<250 { syslog.log(.whiteListMatch(pattern: task * 1000 + n)) }
                }
            }
        }
        let counters = syslog.counters
        #expect(counters.sent + counters.dropped == 2000)
        #expect(syslog.recentLines.entries.count == TelemetryLimits.logRingLines)
    }
}

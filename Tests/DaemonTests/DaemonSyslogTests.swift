import Foundation
import Testing
import TestSupport

/// Syslog from the real daemon, configured through the real console, to a UDP collector.
@Suite struct DaemonSyslogTests {
    /// Over IPv4 and over IPv6 (`syslog host [::1]:PORT`).
    @Test(arguments: ["127.0.0.1", "::1"])
    func consoleEventsReachTheConfiguredCollectorWithFacilityAndSeverity(_ host: String) throws {
        let dir = try TemporaryDirectory()
        guard let collector = DatagramListener(udp: host) else {
            Issue.record("cannot bind a UDP collector on \(host)")
            return
        }
        let socket = dir.path("ctl.sock")
        let daemon = try ManagedProcess(ProductBinary.path("mailsecd"),
                                        ["--config", dir.path("c.conf"), "--control", socket, "--syslog-socket", dir.path("none")],
                                        directory: dir.url)
        defer { daemon.stop() }
        #expect(waitUntil { FileManager.default.fileExists(atPath: socket) })
        func console(_ command: String) throws {
            let result = try runCommand(ProductBinary.path("mailsec"), ["--control", socket, command])
            #expect(result.status == 0, "\(command): \(result.stdout)")
        }
        try console("syslog host \(host.contains(":") ? "[\(host)]" : host):\(collector.port)")
        try console("syslog facility local3")
        try console("mail security white-list set enable 4")

        // local3 = 19, info = 6: PRI 19*8+6 = 158 (RFC 5424 §6.2.1), RFC 3164 layout by default.
        let line = try #require(collector.receive(timeout: 5))
        #expect(line.hasPrefix("<158>"))
        #expect(line.hasSuffix("[MAIL_SEC] White list set (4) enabled by configuration"))
        let header = line.dropFirst(5).prefix(16) // "Mmm dd hh:mm:ss "
        #expect(header.split(separator: " ").count == 3)

        // `syslog info off` silences INFO lines, `syslog format rfc5424` switches the layout.
        try console("syslog info off")
        try console("mail security white-list set enable 5")
        #expect(collector.drain().isEmpty)
        try console("syslog info on")
        try console("syslog format rfc5424")
        try console("mail security white-list set enable 6")
        let structured = try #require(collector.receive(timeout: 5))
        #expect(structured.hasPrefix("<158>1 "))
        #expect(structured.contains("[MAIL_SEC] White list set (6) enabled by configuration"))
    }

    /// The licence request at start meets a closed port: with `syslog debug on` its DEBUG line
    /// `[license] Can't connect to YSC(7)` reaches the collector (PRI user.debug = 15); with
    /// `syslog debug off` only the INFO lines do.
    @Test(arguments: [true, false])
    func debugLinesFollowSyslogDebug(debug: Bool) throws {
        let dir = try TemporaryDirectory()
        let collector = try #require(DatagramListener(udp: "127.0.0.1"))
        let closedPort = TCPPort.free()
        try """
            syslog host 127.0.0.1:\(collector.port)
            syslog debug \(debug ? "on" : "off")
            ysc url https://127.0.0.1:\(closedPort)/

            """.write(toFile: dir.path("c.conf"), atomically: true, encoding: .utf8)
        let socket = dir.path("ctl.sock")
        let daemon = try ManagedProcess(ProductBinary.path("mailsecd"),
                                        ["--config", dir.path("c.conf"), "--control", socket,
                                         "--syslog-socket", dir.path("none"), "--serial", "TEST-1"],
                                        directory: dir.url)
        #expect(waitUntil { FileManager.default.fileExists(atPath: socket) })
        // A refused connection fails within milliseconds: two seconds of listening is ample for
        // the line to come, and for its absence to mean something.
        var lines: [String] = []
        let deadline = Date().addingTimeInterval(2)
        while Date() < deadline, !lines.contains(where: { $0.contains("Can't connect") }) {
            if let line = collector.receive(timeout: 0.2) { lines.append(line) }
        }
        daemon.stop()
        lines += collector.drain(quiet: 0.5)
        let debugLines = lines.filter { $0.hasPrefix("<15>") }
        #expect(lines.contains { $0.hasPrefix("<14>") && $0.hasSuffix("[MAIL_SEC] stopped") }, "\(lines)")
        if debug {
            #expect(debugLines.contains { $0.hasSuffix("[MAIL_SEC] [license] Can't connect to YSC(7)") }, "\(lines)")
        } else {
            #expect(debugLines.isEmpty, "\(lines)")
        }
    }
}

import Foundation
import Testing
import TestSupport
@testable import SyslogIO
@testable import Telemetry

/// docs/syslog.md must show every catalogue entry, exactly as the code renders it.
@Suite struct SyslogDocumentationTests {
    /// One example per catalogue case (both protocols where the text names one).
    static let examples: [MailSecLogMessage] = [
        .detectSpam(score: 95), .detectVirus(names: ["EICAR-Test-File"]),
        .detectSpamAndVirus(score: 99, names: ["EICAR-Test-File"]),
        .mailSizeOver(protocol: .smtp, size: 6_291_456), .mailSizeOver(protocol: .pop3, size: 6_291_456),
        .cannotScan(protocol: .smtp), .cannotScan(protocol: .pop3),
        .whiteListMatch(pattern: 3), .whiteListSetEnabled(set: 1),
        .rejectInactiveLicense, .rejectYSCFailure,
        .monitorDetection(protocol: .smtp, score: 100, names: []),
        .monitorDetection(protocol: .pop3, score: nil, names: ["EICAR-Test-File"]),
        .monitorDetection(protocol: .smtp, score: 99, names: ["EICAR-Test-File"]),
        .monitorCannotScan(protocol: .smtp), .monitorCannotScan(protocol: .pop3),
        .yscConnect(id: "42", address: "203.0.113.10", port: 443), .yscTLSError(id: "42"),
        .yscConnectFailed(id: "42", code: 7), .yscReadError(id: "42", code: 56),
        .noSuchDomainName(fqdn: "ysc.example.net"),
        .tooManyConnections(protocol: .smtp, address: "192.0.2.25"), .tooManyConnections(protocol: .pop3, address: "192.0.2.25"),
        .tooManyErrors(protocol: .smtp, address: "192.0.2.25"), .tooManyErrors(protocol: .pop3, address: "192.0.2.25"),
        .clientTimeout(protocol: .smtp, address: "192.0.2.25"), .clientTimeout(protocol: .pop3, address: "192.0.2.25"),
        .uninspectedSessions(count: 3, family: "IPv6"),
        .tlsOutcome(protocol: .smtp, outcome: .clientRefusedCertificate, address: "192.0.2.25", detail: "unknown CA alert"),
        .tlsOutcome(protocol: .pop3, outcome: .passed, address: "192.0.2.25", detail: nil),
    ]

    /// The number of catalogue cases. `caseNumber` has no `default`, so a new case does not
    /// compile until it is numbered here — and then `everyCaseHasAnExample` asks for its example.
    static let caseCount = 21
    static func caseNumber(_ message: MailSecLogMessage) -> Int {
        switch message {
        case .detectSpam: 0
        case .detectVirus: 1
        case .detectSpamAndVirus: 2
        case .mailSizeOver: 3
        case .cannotScan: 4
        case .whiteListMatch: 5
        case .whiteListSetEnabled: 6
        case .rejectInactiveLicense: 7
        case .rejectYSCFailure: 8
        case .yscConnect: 9
        case .yscTLSError: 10
        case .yscConnectFailed: 11
        case .yscReadError: 12
        case .noSuchDomainName: 13
        case .monitorDetection: 14
        case .monitorCannotScan: 15
        case .tooManyConnections: 16
        case .tooManyErrors: 17
        case .clientTimeout: 18
        case .uninspectedSessions: 19
        case .tlsOutcome: 20
        }
    }

    static func document() throws -> String {
        try String(contentsOf: ProductBinary.repositoryRoot().appendingPathComponent("docs/syslog.md"), encoding: .utf8)
    }

    @Test func everyCaseHasAnExample() {
        #expect(Set(Self.examples.map(Self.caseNumber)) == Set(0..<Self.caseCount))
        #expect(Set(Self.examples.map(\.messageID)).count == Self.caseCount)
    }

    @Test(arguments: examples, SyslogFormat.allCases)
    func documentShowsTheExample(_ message: MailSecLogMessage, _ format: SyslogFormat) throws {
        let formatter = SyslogFormatter(format: format, facility: .user, hostname: "fw1", processID: 812)
        let line = formatter.line(text: message.text, severity: message.severity,
                                  messageID: message.messageID, date: lateNovember)
        let document = try Self.document()
        // Booleans, not the document itself, in the expectations: a failure names the missing
        // line instead of printing the whole page.
        let showsLine = document.contains("\n" + line + "\n")
        #expect(showsLine, "docs/syslog.md lacks the example line: \(line)")
        // The catalogue table and the entry's heading name it with its severity.
        let severity = message.severity == .debug ? "DEBUG" : "INFO"
        let listed = document.contains("| `\(message.messageID)` |") && document.contains("### `\(message.messageID)` — \(severity)")
        #expect(listed, "docs/syslog.md lacks the catalogue entry \(message.messageID) (\(severity))")
    }

    @Test func everyLineStartsWithThePrefix() {
        for message in Self.examples { #expect(message.text.hasPrefix("[MAIL_SEC] ")) }
    }

    @Test(arguments: [
        "| RFC 3164 datagram | \(TelemetryLimits.rfc3164DatagramBytes) bytes |",
        "| RFC 5424 datagram | \(TelemetryLimits.rfc5424DatagramBytes) bytes |",
        "| collectors | \(TelemetryLimits.maxSyslogHosts) |",
        "| `show log` lines | \(TelemetryLimits.logRingLines) |",
        "| name retry | \(Int(SyslogSender.resolutionRetryInterval)) s |",
    ])
    func documentedLimitsMatchTheCode(_ row: String) throws {
        let documented = try Self.document().contains(row)
        #expect(documented, "docs/syslog.md lacks the limit row: \(row)")
    }
}

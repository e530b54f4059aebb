import Foundation
import Testing
@testable import Telemetry

/// 2026-11-25 22:45:00 UTC and 2026-11-05 03:04:05 UTC.
let lateNovember = Date(timeIntervalSince1970: 1_795_646_700)
let earlyNovember = Date(timeIntervalSince1970: 1_793_847_845)
let utc = TimeZone(identifier: "UTC")!
let tokyo = TimeZone(identifier: "Asia/Tokyo")!

struct FormatCase: CustomTestStringConvertible, Sendable {
    var format: SyslogFormat
    var facility: SyslogFacility
    var severity: SyslogSeverity
    var text: String
    var messageID: String?
    var date: Date
    var timeZone: TimeZone = utc
    var expected: String
    var testDescription: String { expected }
}

@Suite struct SyslogFormatterTests {
    static let cases: [FormatCase] = [
        FormatCase(format: .rfc3164, facility: .user, severity: .info,
                   text: "[MAIL_SEC] Detect spam mail (95)", date: lateNovember,
                   expected: "<14>Nov 25 22:45:00 fw1 mailsecd[812]: [MAIL_SEC] Detect spam mail (95)"),
        // RFC 3164 §4.1.2: a one-digit day is padded with a space, not a zero.
        FormatCase(format: .rfc3164, facility: .local7, severity: .debug,
                   text: "[MAIL_SEC] [r1] SSL connect error", date: earlyNovember,
                   expected: "<191>Nov  5 03:04:05 fw1 mailsecd[812]: [MAIL_SEC] [r1] SSL connect error"),
        FormatCase(format: .rfc3164, facility: .kern, severity: .emergency, text: "x", date: lateNovember,
                   expected: "<0>Nov 25 22:45:00 fw1 mailsecd[812]: x"),
        // RFC 3164 wants local time: Tokyo is already on the 26th.
        FormatCase(format: .rfc3164, facility: .mail, severity: .notice, text: "[MAIL_SEC] started",
                   date: lateNovember, timeZone: tokyo,
                   expected: "<21>Nov 26 07:45:00 fw1 mailsecd[812]: [MAIL_SEC] started"),
        FormatCase(format: .rfc5424, facility: .user, severity: .info,
                   text: "[MAIL_SEC] Detect spam mail (95)", messageID: "detectSpam",
                   date: lateNovember.addingTimeInterval(0.25),
                   expected: "<14>1 2026-11-25T22:45:00.250Z fw1 mailsecd 812 detectSpam - [MAIL_SEC] Detect spam mail (95)"),
        FormatCase(format: .rfc5424, facility: .daemon, severity: .error, text: "[MAIL_SEC] bad config",
                   date: earlyNovember,
                   expected: "<27>1 2026-11-05T03:04:05.000Z fw1 mailsecd 812 - - [MAIL_SEC] bad config"),
        FormatCase(format: .rfc5424, facility: .local0, severity: .warning, text: "w",
                   messageID: "warn", date: lateNovember, timeZone: tokyo,
                   expected: "<132>1 2026-11-26T07:45:00.000+09:00 fw1 mailsecd 812 warn - w"),
        // One event is one line: CR/LF/ESC from the wire become spaces.
        FormatCase(format: .rfc3164, facility: .user, severity: .info,
                   text: "[MAIL_SEC] no such domain name (a\r\nb\u{1B}[2J)", date: lateNovember,
                   expected: "<14>Nov 25 22:45:00 fw1 mailsecd[812]: [MAIL_SEC] no such domain name (a  b [2J)"),
    ]

    @Test(arguments: cases)
    func formatsExactly(_ c: FormatCase) {
        let formatter = SyslogFormatter(format: c.format, facility: c.facility, hostname: "fw1",
                                        processID: 812, timeZone: c.timeZone)
        #expect(formatter.line(text: c.text, severity: c.severity, messageID: c.messageID, date: c.date) == c.expected)
    }

    @Test func priorityIsFacilityTimesEightPlusSeverity() {
        for facility in SyslogFacility.allCases {
            for severity in SyslogSeverity.allCases {
                let formatter = SyslogFormatter(format: .rfc3164, facility: facility, hostname: "h", processID: 1)
                let line = formatter.line(text: "m", severity: severity, date: lateNovember)
                #expect(line.hasPrefix("<\(facility.code * 8 + severity.rawValue)>"))
            }
        }
        #expect(SyslogFormatter.priority(facility: .local7, severity: .debug) == 191)
        #expect(SyslogFormatter.priority(facility: .mail, severity: .info) == 22)
    }

    @Test(arguments: [(SyslogFormat.rfc3164, 1024), (.rfc5424, 2048)])
    func longMessagesAreCutToTheLimit(_ format: SyslogFormat, _ limit: Int) {
        let formatter = SyslogFormatter(format: format, facility: .user, hostname: "fw1", processID: 812)
        let ascii = formatter.datagram(text: String(repeating: "a", count: 5000), severity: .info, date: lateNovember)
        #expect(ascii.count == limit)
        // "é" is two bytes: wherever the limit falls, no character is split.
        for shift in 0..<4 {
            let text = String(repeating: "x", count: shift) + String(repeating: "é", count: 3000)
            let bytes = formatter.datagram(text: text, severity: .info, date: lateNovember)
            #expect(bytes.count <= limit && bytes.count >= limit - 1)
            #expect(String(validating: bytes, as: UTF8.self) != nil)
        }
        // A four-byte emoji must not be split either.
        let emoji = formatter.datagram(text: String(repeating: "😀", count: 1000), severity: .info, date: lateNovember)
        #expect(String(validating: emoji, as: UTF8.self) != nil)
        #expect(emoji.count > limit - 4)
    }

    @Test func shortMessagesAreNotTouched() {
        let formatter = SyslogFormatter(format: .rfc3164, facility: .user, hostname: "fw1", processID: 812)
        let line = formatter.line(text: "[MAIL_SEC] ñandú ✓", severity: .info, date: lateNovember)
        #expect(line.hasSuffix(": [MAIL_SEC] ñandú ✓"))
    }

    @Test func headerFieldsAreSanitised() {
        let spaced = SyslogFormatter(format: .rfc5424, facility: .user, hostname: "my host", appName: "", processID: 7)
        #expect(spaced.line(text: "m", severity: .info, messageID: "", date: lateNovember)
            == "<14>1 2026-11-25T22:45:00.000Z my_host - 7 - - m")
        let long = SyslogFormatter(format: .rfc3164, facility: .user, hostname: "", appName: String(repeating: "t", count: 40) + ":[x]", processID: 7)
        #expect(long.line(text: "m", severity: .info, date: lateNovember)
            == "<14>Nov 25 22:45:00 - \(String(repeating: "t", count: 32))[7]: m")
    }

    @Test func localDatagramHasNoHostnameWhateverTheFormat() {
        for format in SyslogFormat.allCases {
            let formatter = SyslogFormatter(format: format, facility: .mail, hostname: "fw1", processID: 812)
            let bytes = formatter.localDatagram(text: "[MAIL_SEC] x", severity: .info, date: earlyNovember)
            #expect(String(decoding: bytes, as: UTF8.self) == "<22>Nov  5 03:04:05 mailsecd[812]: [MAIL_SEC] x")
        }
    }

    /// Arbitrary text (any scalars, any length) always yields a bounded, valid UTF-8,
    /// single-line datagram.
    @Test(arguments: SyslogFormat.allCases)
    func arbitraryTextStaysBoundedAndValid(_ format: SyslogFormat) {
        var generator = SystemRandomNumberGenerator()
        let formatter = SyslogFormatter(format: format, facility: .user, hostname: "fw1", processID: 812)
        let limit = format == .rfc3164 ? TelemetryLimits.rfc3164DatagramBytes : TelemetryLimits.rfc5424DatagramBytes
        for _ in 0..<300 {
            let length = Int.random(in: 0...3000, using: &generator)
            let scalars = (0..<length).compactMap { _ -> Unicode.Scalar? in
                let pick = Int.random(in: 0...3, using: &generator)
                let range: ClosedRange<UInt32> = [0...0x7F, 0x80...0x7FF, 0x800...0xFFFF, 0x10000...0x10FFFF][pick]
                return Unicode.Scalar(UInt32.random(in: range, using: &generator))
            }
            let text = String(String.UnicodeScalarView(scalars))
            let bytes = formatter.datagram(text: text, severity: .info, date: lateNovember)
            #expect(bytes.count <= limit)
            #expect(String(validating: bytes, as: UTF8.self) != nil)
            #expect(!bytes.contains(0x0A) && !bytes.contains(0x0D) && !bytes.contains(0x00))
        }
    }
}

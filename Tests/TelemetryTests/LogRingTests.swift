import Foundation
import Testing
@testable import Telemetry

@Suite struct LogRingTests {
    @Test func keepsTheNewestLinesNewestLast() {
        let ring = LogRing(capacity: 3)
        for n in 1...5 {
            ring.append("[MAIL_SEC] line \(n)", severity: .info, date: lateNovember.addingTimeInterval(Double(n)))
        }
        #expect(ring.entries.map(\.text) == ["[MAIL_SEC] line 3", "[MAIL_SEC] line 4", "[MAIL_SEC] line 5"])
        #expect(ring.rendered() == """
            2026/11/25 22:45:03: [MAIL_SEC] line 3
            2026/11/25 22:45:04: [MAIL_SEC] line 4
            2026/11/25 22:45:05: [MAIL_SEC] line 5

            """)
    }

    @Test func rendersInItsTimeZoneAndNeutralisesControlCharacters() {
        let ring = LogRing(capacity: 10, timeZone: tokyo)
        ring.append("[MAIL_SEC] a\u{1B}[31mb\nc", severity: .info, date: earlyNovember)
        #expect(ring.rendered() == "2026/11/05 12:04:05: [MAIL_SEC] a [31mb c\n")
    }

    @Test func clearEmptiesAndTheDefaultBoundHolds() {
        let ring = LogRing()
        for n in 0..<(TelemetryLimits.logRingLines + 10) { ring.append("\(n)", severity: .info, date: lateNovember) }
        #expect(ring.entries.count == TelemetryLimits.logRingLines)
        #expect(ring.entries.first?.text == "10")
        ring.clear()
        #expect(ring.entries.isEmpty)
        #expect(ring.rendered() == "")
    }
}

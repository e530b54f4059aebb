import Foundation
import Testing
@testable import Telemetry

@Suite struct CivilTimeTests {
    @Test func agreesWithFoundationsCalendar() {
        var calendar = Calendar(identifier: .gregorian)
        var generator = SystemRandomNumberGenerator()
        for zone in [utc, tokyo, TimeZone(identifier: "America/St_Johns")!] {
            calendar.timeZone = zone
            for _ in 0..<500 {
                // 1900…2200, including instants before 1970.
                let t = Double(Int64.random(in: -2_208_988_800...7_258_118_400, using: &generator))
                let date = Date(timeIntervalSince1970: t)
                let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
                let civil = CivilTime(date, timeZone: zone)
                let ours: [Int] = [civil.year, civil.month, civil.day, civil.hour, civil.minute, civil.second]
                let theirs: [Int] = [c.year!, c.month!, c.day!, c.hour!, c.minute!, c.second!]
                #expect(ours == theirs, "t=\(t) zone=\(zone.identifier)")
            }
        }
    }

    @Test(arguments: [
        (951_782_400.0, "2000-02-29T00:00:00.000Z", "Feb 29 00:00:00", "2000/02/29 00:00:00"),
        (-1.5, "1969-12-31T23:59:58.500Z", "Dec 31 23:59:58", "1969/12/31 23:59:58"),
        (1_795_646_700.999, "2026-11-25T22:45:00.999Z", "Nov 25 22:45:00", "2026/11/25 22:45:00"),
    ])
    func rendersEachStyle(_ t: Double, _ rfc3339: String, _ rfc3164: String, _ router: String) {
        let civil = CivilTime(Date(timeIntervalSince1970: t), timeZone: utc)
        #expect(civil.rfc3339 == rfc3339)
        #expect(civil.rfc3164 == rfc3164)
        #expect(civil.router == router)
    }

    @Test func negativeOffsetsAreSigned() {
        let civil = CivilTime(lateNovember, timeZone: TimeZone(identifier: "America/St_Johns")!)
        #expect(civil.rfc3339 == "2026-11-25T19:15:00.000-03:30")
    }

    @Test(arguments: [Double.nan, .infinity, -.infinity, 1e300, -1e300])
    func absurdInstantsDoNotTrap(_ t: Double) {
        let civil = CivilTime(Date(timeIntervalSince1970: t), timeZone: utc)
        #expect((1...12).contains(civil.month) && (1...31).contains(civil.day))
    }
}

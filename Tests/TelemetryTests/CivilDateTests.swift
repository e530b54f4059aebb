import Testing
import Telemetry

struct CivilDateTests {
    @Test(arguments: [
        (0, CivilDate(year: 1970, month: 1, day: 1)),
        (-1, CivilDate(year: 1969, month: 12, day: 31)),
        (11_016, CivilDate(year: 2000, month: 2, day: 29)),
        (20_782, CivilDate(year: 2026, month: 11, day: 25)),
        (-719_468, CivilDate(year: 0, month: 3, day: 1)),
    ])
    func knownDays(_ days: Int, _ date: CivilDate) {
        #expect(CivilDate(daysSince1970: days) == date)
        #expect(date.daysSince1970 == days)
    }

    @Test func everyDayOfFourCenturiesRoundTripsAndFollowsTheDayBefore() {
        var previous = CivilDate(daysSince1970: -73_000)
        for days in -72_999...73_000 {
            let date = CivilDate(daysSince1970: days)
            #expect(date.daysSince1970 == days)
            let nextDay = date.day == previous.day + 1 && date.month == previous.month && date.year == previous.year
            let nextMonth = date.day == 1 && (date.month == previous.month + 1 && date.year == previous.year
                                              || date.month == 1 && previous.month == 12 && date.year == previous.year + 1)
            #expect(nextDay || nextMonth)
            previous = date
        }
    }

    @Test func aMomentBefore1970FallsOnTheDayBefore() {
        let (date, days, second) = CivilDate.day(ofSecondsSince1970: -1)
        #expect(date == CivilDate(year: 1969, month: 12, day: 31))
        #expect(days == -1)
        #expect(second == 86_399)
    }
}

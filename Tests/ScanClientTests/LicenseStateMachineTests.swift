import Foundation
import ScanProtocol
import Testing
@testable import ScanClient

@Suite struct LicenseStateMachineTests {
    static let day: TimeInterval = 86_400
    /// 2027-01-01T00:00:00Z
    let start = Date(timeIntervalSince1970: 1_798_761_600)
    let record = LicenseRecord(product: "mail-security", expires: LicenseDate("2027-03-31")!)
    /// The first instant after the expiry day.
    var expiryEnd: Date { record.expiryEnd }

    @Test func theExpiryDayIsValidUntilItsEndInUTC() {
        #expect(expiryEnd == Date(timeIntervalSince1970: 1_806_537_600)) // 2027-04-01T00:00:00Z
    }

    @Test func noLicenceIsInactive() {
        let machine = LicenseStateMachine(previouslyKnown: nil, startedAt: start)
        #expect(machine.state(at: start) == .inactive)
    }

    @Test func inactiveToActiveOnActivation() {
        var machine = LicenseStateMachine(previouslyKnown: nil, startedAt: start)
        machine.activated(record)
        #expect(machine.state(at: start) == .active)
        #expect(machine.state(at: expiryEnd - 1) == .active)
    }

    @Test func activeToRenewalGraceAfterExpiryThenInactive() {
        var machine = LicenseStateMachine(previouslyKnown: nil, startedAt: start)
        machine.activated(record)
        #expect(machine.state(at: expiryEnd) == .renewalGrace)
        #expect(machine.state(at: expiryEnd + 30 * Self.day - 1) == .renewalGrace)
        #expect(machine.state(at: expiryEnd + 30 * Self.day) == .inactive)
    }

    @Test func renewalGraceToActiveOnRenewal() {
        var machine = LicenseStateMachine(previouslyKnown: nil, startedAt: start)
        machine.activated(record)
        let now = expiryEnd + 3 * Self.day
        #expect(machine.state(at: now) == .renewalGrace)
        machine.activated(LicenseRecord(product: "mail-security", expires: LicenseDate("2028-03-31")!))
        #expect(machine.state(at: now) == .active)
    }

    @Test func inactiveAfterGraceToActiveOnRenewal() {
        var machine = LicenseStateMachine(previouslyKnown: nil, startedAt: start)
        machine.activated(record)
        let now = expiryEnd + 40 * Self.day
        #expect(machine.state(at: now) == .inactive)
        machine.activated(LicenseRecord(product: "mail-security", expires: LicenseDate("2028-03-31")!))
        #expect(machine.state(at: now) == .active)
    }

    @Test func restartWithKnownLicenceIsAuthenticationGraceUntilConfirmed() {
        var machine = LicenseStateMachine(previouslyKnown: record, startedAt: start)
        #expect(machine.state(at: start) == .authenticationGrace)
        machine.unreachable()
        #expect(machine.state(at: start + 6 * Self.day) == .authenticationGrace)
        machine.activated(record)
        #expect(machine.state(at: start + 6 * Self.day) == .active)
    }

    @Test func authenticationGraceRunsOutAfterSevenDays() {
        var machine = LicenseStateMachine(previouslyKnown: record, startedAt: start)
        machine.unreachable()
        #expect(machine.state(at: start + 7 * Self.day - 1) == .authenticationGrace)
        #expect(machine.state(at: start + 7 * Self.day) == .inactive)
        machine.activated(record) // the server is back: usable again at once
        #expect(machine.state(at: start + 8 * Self.day) == .active)
    }

    @Test func authenticationGraceDoesNotRescueALicenceBeyondRenewalGrace() {
        let old = LicenseRecord(product: "mail-security", expires: LicenseDate("2026-10-01")!)
        let machine = LicenseStateMachine(previouslyKnown: old, startedAt: start)
        #expect(machine.state(at: start) == .inactive)
    }

    @Test func rejectionMakesAnyStateInactive() {
        var active = LicenseStateMachine(previouslyKnown: nil, startedAt: start)
        active.activated(record)
        active.rejected()
        #expect(active.state(at: start) == .inactive)
        #expect(active.record == nil)

        var grace = LicenseStateMachine(previouslyKnown: record, startedAt: start)
        grace.rejected()
        #expect(grace.state(at: start) == .inactive)
    }

    @Test func unreachableKeepsAConfirmedLicenceActive() {
        var machine = LicenseStateMachine(previouslyKnown: nil, startedAt: start)
        machine.activated(record)
        machine.unreachable()
        #expect(machine.state(at: start + 20 * Self.day) == .active)
    }

    @Test func availabilityFollowsLicenceAndBreaker() {
        #expect(ServiceAvailability.evaluate(license: .active, breakerOpen: false) == .available)
        #expect(ServiceAvailability.evaluate(license: .renewalGrace, breakerOpen: false) == .available)
        #expect(ServiceAvailability.evaluate(license: .authenticationGrace, breakerOpen: false) == .available)
        #expect(ServiceAvailability.evaluate(license: .inactive, breakerOpen: false) == .licenseInactive)
        #expect(ServiceAvailability.evaluate(license: .inactive, breakerOpen: true) == .licenseInactive)
        #expect(ServiceAvailability.evaluate(license: .active, breakerOpen: true) == .scanServiceUnavailable)
    }

    @Test func licenceStatusTable() {
        let text = LicenseStatusReport.render(product: "mail-security", state: .renewalGrace, expires: record.expires)
        #expect(text == """
        =======================================================
        Item                          Value
        -------------------------------------------------------
        Product                       mail-security
        State                         renewal grace
        Expiry date                   2027-03-31
        =======================================================

        """)
    }
}

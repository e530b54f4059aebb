import Foundation
import NIOCore
import NIOPosix
import TestSupport
import ScanProtocol
import Testing
@testable import ScanClient

/// A settable wall clock for licence dates.
final class ManualClock: @unchecked Sendable {
    private let lock = NSLock()
    private var current: Date
    init(_ start: Date) { current = start }
    var now: Date { lock.withLock { current } }
    func set(_ date: Date) { lock.withLock { current = date } }
    var function: @Sendable () -> Date { { [self] in now } }
}

final class RecordBox: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [LicenseRecord?] = []
    func append(_ value: LicenseRecord?) { lock.withLock { values.append(value) } }
    var all: [LicenseRecord?] { lock.withLock { values } }
}

/// The licence client against a real HTTPS licence endpoint, time injected.
@Suite(.serialized) struct LicenseClientTests {
    static let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    static let day: TimeInterval = 86_400
    /// 2027-01-01T00:00:00Z
    let start = Date(timeIntervalSince1970: 1_798_761_600)

    func scanClient(url: String, ca: String) -> ScanClient {
        ScanClient(configuration: ScanClientConfiguration(url: url, connectionTimeout: .seconds(3),
                                                          requestTimeout: .seconds(5), retries: 0, caBundlePath: ca))
    }

    @Test func activationThenRenewalGraceThenInactiveByTheClock() async throws {
        let service = try ScanServiceFixture()
        let scan = scanClient(url: service.url, ca: service.pki.caBundle)
        defer { scan.shutdown() }
        let clock = ManualClock(start)
        let kept = RecordBox()
        let license = LicenseClient(scanClient: scan, serial: "S0001", product: "mail-security",
                                    clock: clock.function, onRecordChange: kept.append)
        #expect(license.state == .inactive)

        let state = try await license.activate(on: Self.group.next()).get()
        #expect(state == .active)
        #expect(license.record == LicenseRecord(product: "mail-security", expires: LicenseDate("2027-03-31")!))
        #expect(kept.all == [license.record])
        #expect(license.statusReport().contains("State                         active\n"))
        #expect(license.statusReport().contains("Expiry date                   2027-03-31\n"))

        let expiryEnd = LicenseRecord(product: "mail-security", expires: LicenseDate("2027-03-31")!).expiryEnd
        clock.set(expiryEnd + 1)
        #expect(license.state == .renewalGrace)
        // The server still reports the old expiry: still renewal grace, usable.
        #expect(try await license.activate(on: Self.group.next()).get() == .renewalGrace)
        clock.set(expiryEnd + 30 * Self.day)
        #expect(license.state == .inactive)
    }

    @Test func unknownSerialIsInactive() async throws {
        let service = try ScanServiceFixture()
        let scan = scanClient(url: service.url, ca: service.pki.caBundle)
        defer { scan.shutdown() }
        let known = LicenseRecord(product: "mail-security", expires: LicenseDate("2099-01-01")!)
        let license = LicenseClient(scanClient: scan, serial: "UNKNOWN-1", product: "mail-security", previouslyKnown: known)
        #expect(license.state == .authenticationGrace)
        #expect(try await license.activate(on: Self.group.next()).get() == .inactive)
        #expect(license.record == nil)
    }

    @Test func expiredAndOtherProductAnswersFromTheRealService() async throws {
        let service = try ScanServiceFixture()
        let scan = scanClient(url: service.url, ca: service.pki.caBundle)
        defer { scan.shutdown() }
        // The service says "expired" (2020-01-31); on 2020-02-10 that is renewal grace.
        let clock = ManualClock(Date(timeIntervalSince1970: 1_581_292_800)) // 2020-02-10T00:00:00Z
        let expired = LicenseClient(scanClient: scan, serial: "S0003", product: "mail-security", clock: clock.function)
        #expect(try await expired.activate(on: Self.group.next()).get() == .renewalGrace)
        #expect(expired.record?.expires == LicenseDate("2020-01-31"))
        clock.set(Date(timeIntervalSince1970: 1_583_107_200)) // 2020-03-02: 30 days after the expiry day ended
        #expect(expired.state == .inactive)

        let otherProduct = LicenseClient(scanClient: scan, serial: "S0004", product: "mail-security")
        #expect(try await otherProduct.activate(on: Self.group.next()).get() == .inactive)
    }

    @Test func unreachableServerAfterRestartIsAuthenticationGraceForSevenDays() async throws {
        let scan = scanClient(url: "https://127.0.0.1:\(TCPPort.free())/", ca: "/nonexistent-ca.pem")
        defer { scan.shutdown() }
        let clock = ManualClock(start)
        let known = LicenseRecord(product: "mail-security", expires: LicenseDate("2027-12-31")!)
        let license = LicenseClient(scanClient: scan, serial: "S0001", product: "mail-security",
                                    previouslyKnown: known, clock: clock.function)
        #expect(try await license.activate(on: Self.group.next()).get() == .authenticationGrace)
        clock.set(start + 7 * Self.day - 1)
        #expect(license.state == .authenticationGrace)
        clock.set(start + 7 * Self.day)
        #expect(license.state == .inactive)
        #expect(license.statusReport().contains("State                         inactive\n"))
    }

    @Test func startActivatesAtOnceAndGatesTheService() async throws {
        let service = try ScanServiceFixture()
        let scan = scanClient(url: service.url, ca: service.pki.caBundle)
        defer { scan.shutdown() }
        let license = LicenseClient(scanClient: scan, serial: "S0002", product: "mail-security")
        let gate = ServiceAvailabilityGate(scanClient: scan, licenseClient: license)
        #expect(gate.availability == .licenseInactive)
        license.start(on: Self.group.next())
        defer { license.stop() }
        #expect(waitUntil(timeout: 10) { license.state == .active })
        #expect(gate.isServiceAvailable)
    }
}

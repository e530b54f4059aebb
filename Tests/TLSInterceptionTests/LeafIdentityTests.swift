import Foundation
import Testing
@testable import TLSInterception

/// Which names a leaf mirrors, and the pure rules around it: dates and the cache.
struct LeafIdentityTests {
    @Test func namesAreMirroredNormalisedAndBounded() throws {
        let pki = try TestPKI()
        let upstream = try pki.leaf(commonName: "MX.example.com", dnsNames: ["MX.Example.com", "*.example.com", "mx.example.com"])
        let identity = LeafIdentity(mirroring: upstream, serverName: "other.example.net")
        #expect(identity.commonName == "MX.example.com")
        #expect(identity.dnsNames == ["*.example.com", "mx.example.com"])

        let many = LeafIdentity(commonName: "x", dnsNames: (0..<150).map { "h\($0).example.com" } + ["bad name", "a\u{0}.example.com"],
                                ipAddresses: [[192, 0, 2, 1], [1, 2, 3]])
        #expect(many.dnsNames.count == TLSInterceptionLimits.maxMirroredNames)
        #expect(!many.dnsNames.contains("bad name"))
        #expect(many.ipAddresses.isEmpty)
        #expect(LeafIdentity(commonName: String(repeating: "a", count: 65), dnsNames: [], ipAddresses: []).commonName == nil)
    }

    @Test func withoutSubjectAltNamesTheSNIStandsIn() throws {
        let pki = try TestPKI()
        let old = try pki.leaf(commonName: "legacy.example.com", dnsNames: [])
        #expect(LeafIdentity(mirroring: old, serverName: "mail.example.org").dnsNames == ["mail.example.org"])
        #expect(LeafIdentity(mirroring: old, serverName: nil).dnsNames == ["legacy.example.com"])
        let nameless = try pki.leaf(commonName: "Legacy Mail Server", dnsNames: [])
        #expect(LeafIdentity(mirroring: nameless, serverName: nil).isEmpty)
    }

    @Test(arguments: [
        // (upstream notAfter from now in days or nil, trusted, expected leaf notAfter in days)
        (Double?.none, true, 7.0),
        (30.0, true, 7.0),
        (2.0, true, 2.0),
        (2.0, false, 7.0),
        (-3.0, false, 7.0),
    ])
    func leafLifetime(upstreamDays: Double?, trusted: Bool, expectedDays: Double) {
        let now = TestPKI.now
        let validity = LeafPolicy.validity(now: now, upstreamNotAfter: upstreamDays.map { now + $0 * TestPKI.day }, trusted: trusted)
        #expect(validity.notBefore == now - 3_600)
        #expect(validity.notAfter == now + expectedDays * TestPKI.day)
        #expect(LeafPolicy.cacheExpiry(notAfter: validity.notAfter) == validity.notAfter - TestPKI.day)
    }

    @Test func theCacheDropsTheLeastRecentlyUsedAndTheExpired() {
        var cache = ExpiringLRUCache<String, Int>(capacity: 2)
        let now = TestPKI.now
        cache.insert(1, for: "a", expiry: now + 10, now: now)
        cache.insert(2, for: "b", expiry: now + 10, now: now)
        #expect(cache.value(for: "a", now: now) == 1)
        cache.insert(3, for: "c", expiry: now + 10, now: now)
        #expect(cache.count == 2)
        #expect(cache.value(for: "b", now: now) == nil)
        #expect(cache.value(for: "a", now: now + 9) == 1)
        #expect(cache.value(for: "a", now: now + 10) == nil)
        #expect(cache.count == 1)
        cache.insert(4, for: "d", expiry: now, now: now)
        #expect(cache.value(for: "d", now: now) == nil)
    }
}

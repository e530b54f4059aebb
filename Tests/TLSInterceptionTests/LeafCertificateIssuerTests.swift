import Foundation
import Testing
@testable import TLSInterception
@_spi(FixedExpiryValidationTime) import X509

/// Minted leaves: they chain to the right CA, carry the upstream's names, live briefly, and are
/// cached within bounds.
struct LeafCertificateIssuerTests {
    static func authority() throws -> (SiteAuthority, ScratchDirectory) {
        let scratch = try ScratchDirectory()
        return (try SiteAuthority.loadOrCreate(stateDirectory: scratch.path, now: TestPKI.now - TestPKI.day), scratch)
    }

    /// swift-certificates' own verdict on `leaf` against `root` for `name`.
    static func verifies(_ leaf: MintedLeaf, root: Certificate, name: String?, at time: Date = TestPKI.now) async -> Bool {
        var verifier = Verifier(rootCertificates: CertificateStore([root])) {
            RFC5280Policy(fixedExpiryValidationTime: time)
            if let name { ServerIdentityPolicy(serverHostname: name, serverIP: nil) }
        }
        let result = await verifier.validate(leaf: leaf.certificate, intermediates: CertificateStore([leaf.issuer]))
        if case .validCertificate = result { return true }
        return false
    }

    @Test func aTrustedUpstreamGetsALeafThatChainsToTheSiteCA() async throws {
        let (authority, scratch) = try Self.authority()
        defer { scratch.remove() }
        let pki = try TestPKI()
        let upstream = try pki.leaf(commonName: "mx.example.com", dnsNames: ["mx.example.com", "mail.example.com"])
        let issuer = LeafCertificateIssuer(authority: authority, now: { TestPKI.now })
        let leaf = try issuer.leaf(mirroring: upstream, serverName: "mail.example.com", verdict: .trusted)
        #expect(leaf.trusted && leaf.issuer == authority.site.certificate)
        #expect(await Self.verifies(leaf, root: authority.site.certificate, name: "mail.example.com"))
        #expect(await Self.verifies(leaf, root: authority.site.certificate, name: "mx.example.com"))
        #expect(!(await Self.verifies(leaf, root: authority.site.certificate, name: "other.example.com")))
        #expect(!(await Self.verifies(leaf, root: authority.untrusted.certificate, name: "mail.example.com")))
        #expect(try leaf.certificate.extensions.extendedKeyUsage?.contains(.serverAuth) == true)
        #expect(try leaf.certificate.extensions.basicConstraints == .notCertificateAuthority)
        #expect(leaf.identity.commonName == "mx.example.com")
        #expect(leaf.configurationOverride.certificateChain?.count == 2)
        // Short-lived, and never beyond the upstream's own certificate.
        #expect(leaf.notValidBefore == TestPKI.now - 3_600)
        #expect(leaf.notValidAfter == TestPKI.now + 7 * TestPKI.day)
        let shortLived = try pki.leaf(dnsNames: ["pop.example.com"], notAfter: TestPKI.now + 2 * TestPKI.day)
        #expect(try issuer.leaf(mirroring: shortLived, serverName: nil, verdict: .trusted).notValidAfter == shortLived.notValidAfter)
    }

    @Test func anUntrustedUpstreamGetsALeafFromTheUntrustedCA() async throws {
        let (authority, scratch) = try Self.authority()
        defer { scratch.remove() }
        let upstream = try TestPKI.selfSigned(name: "mail.example.com")
        let issuer = LeafCertificateIssuer(authority: authority, now: { TestPKI.now })
        let leaf = try issuer.leaf(mirroring: upstream, serverName: "mail.example.com", verdict: .untrusted(.selfSigned))
        #expect(!leaf.trusted && leaf.issuer == authority.untrusted.certificate)
        #expect(!(await Self.verifies(leaf, root: authority.site.certificate, name: "mail.example.com")))
        #expect(await Self.verifies(leaf, root: authority.untrusted.certificate, name: "mail.example.com"))
        // The same names, verified, are a different leaf.
        let trusted = try issuer.leaf(mirroring: upstream, serverName: "mail.example.com", verdict: .trusted)
        #expect(trusted.certificate.serialNumber != leaf.certificate.serialNumber)
        #expect(issuer.cachedCount == 2)
    }

    @Test func theCacheReusesLeavesUntilShortlyBeforeTheyExpire() throws {
        let (authority, scratch) = try Self.authority()
        defer { scratch.remove() }
        let clock = TestClock()
        let issuer = LeafCertificateIssuer(authority: authority, now: { clock.now })
        let identity = LeafIdentity(commonName: "mail.example.com", dnsNames: ["mail.example.com"], ipAddresses: [])
        let first = try issuer.leaf(for: identity, trusted: true, upstreamNotAfter: nil)
        clock.advance(5 * TestPKI.day)
        #expect(try issuer.leaf(for: identity, trusted: true, upstreamNotAfter: nil).certificate == first.certificate)
        // Within a day of its notAfter the leaf is no longer handed out.
        clock.advance(TestPKI.day + 1)
        let renewed = try issuer.leaf(for: identity, trusted: true, upstreamNotAfter: nil)
        #expect(renewed.certificate != first.certificate)
        #expect(renewed.notValidAfter > clock.now + 6 * TestPKI.day)
    }

    @Test func theCacheIsBounded() throws {
        let (authority, scratch) = try Self.authority()
        defer { scratch.remove() }
        let issuer = LeafCertificateIssuer(authority: authority, capacity: 2, now: { TestPKI.now })
        let names = ["a.example.com", "b.example.com", "c.example.com"].map {
            LeafIdentity(commonName: $0, dnsNames: [$0], ipAddresses: [])
        }
        let a = try issuer.leaf(for: names[0], trusted: true, upstreamNotAfter: nil)
        _ = try issuer.leaf(for: names[1], trusted: true, upstreamNotAfter: nil)
        _ = try issuer.leaf(for: names[0], trusted: true, upstreamNotAfter: nil)  // a is now the most recent
        _ = try issuer.leaf(for: names[2], trusted: true, upstreamNotAfter: nil)  // b goes
        #expect(issuer.cachedCount == 2)
        #expect(try issuer.leaf(for: names[0], trusted: true, upstreamNotAfter: nil).certificate == a.certificate)
    }

    @Test func anIPAddressOnlyUpstreamIsMirrored() async throws {
        let (authority, scratch) = try Self.authority()
        defer { scratch.remove() }
        let issuer = LeafCertificateIssuer(authority: authority, now: { TestPKI.now })
        let identity = LeafIdentity(commonName: nil, dnsNames: [], ipAddresses: [[192, 0, 2, 25]])
        let leaf = try issuer.leaf(for: identity, trusted: true, upstreamNotAfter: nil)
        var verifier = Verifier(rootCertificates: CertificateStore([authority.site.certificate])) {
            RFC5280Policy(fixedExpiryValidationTime: TestPKI.now)
            ServerIdentityPolicy(serverHostname: nil, serverIP: "192.0.2.25")
        }
        let result = await verifier.validate(leaf: leaf.certificate, intermediates: CertificateStore([leaf.issuer]))
        guard case .validCertificate = result else {
            Issue.record("\(result)")
            return
        }
    }
}

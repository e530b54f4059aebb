import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import TLSInterception
import X509

/// The site CA and the untrusted CA: their shape, where they are kept, and that a restart
/// finds the same ones.
struct SiteAuthorityTests {
    @Test func firstStartGeneratesTwoCAsOfTheRightShape() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let authority = try SiteAuthority.loadOrCreate(stateDirectory: scratch.path, now: TestPKI.now)
        #expect(authority.generated)
        for ca in [authority.site, authority.untrusted] {
            let certificate = ca.certificate
            #expect(certificate.issuer == certificate.subject)
            #expect(try certificate.extensions.basicConstraints == .isCertificateAuthority(maxPathLength: 0))
            #expect(certificate.extensions[oid: .X509ExtensionID.basicConstraints]?.critical == true)
            let usage = try #require(try certificate.extensions.keyUsage)
            #expect(usage.keyCertSign && usage.cRLSign && !usage.digitalSignature)
            #expect(certificate.signatureAlgorithm == .ecdsaWithSHA256)
            let lifetime = certificate.notValidAfter.timeIntervalSince(TestPKI.now)
            #expect(lifetime > 3_640 * TestPKI.day && lifetime <= 3_652 * TestPKI.day)
            #expect(certificate.publicKey.isValidSignature(certificate.signature, for: certificate))
        }
        #expect(authority.site.subjectDescription.contains("Mail Security Appliance Site CA"))
        #expect(authority.untrusted.subjectDescription.contains("Untrusted Upstream CA"))
        #expect(authority.site.certificate.publicKey != authority.untrusted.certificate.publicKey)
        #expect(authority.certificatePEM.hasPrefix("-----BEGIN CERTIFICATE-----\n"))
        #expect(authority.sha256Fingerprint.count == 32 * 3 - 1)
    }

    @Test func filesAreKeptPrivateAndARestartLoadsTheSameCAs() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let first = try SiteAuthority.loadOrCreate(stateDirectory: scratch.path, now: TestPKI.now)
        #expect(try scratch.mode("tls") == 0o700)
        #expect(try scratch.mode("tls/site-ca.key") == 0o600)
        #expect(try scratch.mode("tls/untrusted-ca.key") == 0o600)
        #expect(try scratch.mode("tls/site-ca.pem") == 0o644)
        let names = try FileManager.default.contentsOfDirectory(atPath: scratch.path + "/tls").sorted()
        // `.lock` serialises two daemons starting on one state directory (SiteAuthority.swift).
        #expect(names == [".lock", "site-ca.key", "site-ca.pem", "untrusted-ca.key", "untrusted-ca.pem"])
        #expect(try scratch.mode("tls/.lock") == 0o600)

        // A key opened up by hand is closed again at the next start.
        chmod(scratch.path + "/tls/site-ca.key", 0o644)
        let second = try SiteAuthority.loadOrCreate(stateDirectory: scratch.path, now: TestPKI.now + TestPKI.day)
        #expect(!second.generated)
        #expect(second.sha256Fingerprint == first.sha256Fingerprint)
        #expect(second.untrusted.sha256Fingerprint == first.untrusted.sha256Fingerprint)
        #expect(try scratch.mode("tls/site-ca.key") == 0o600)
    }

    @Test func twoBoxesHaveDifferentCAs() throws {
        let a = try ScratchDirectory(), b = try ScratchDirectory()
        defer { a.remove(); b.remove() }
        let first = try SiteAuthority.loadOrCreate(stateDirectory: a.path)
        let second = try SiteAuthority.loadOrCreate(stateDirectory: b.path)
        #expect(first.site.certificate.subject != second.site.certificate.subject)
        #expect(first.sha256Fingerprint != second.sha256Fingerprint)
    }

    @Test func aCertificateWithoutItsKeyIsNotReplaced() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        _ = try SiteAuthority.loadOrCreate(stateDirectory: scratch.path)
        try FileManager.default.removeItem(atPath: scratch.path + "/tls/site-ca.key")
        #expect(throws: SiteAuthorityError.missingKey(scratch.path + "/tls/site-ca.key")) {
            try SiteAuthority.loadOrCreate(stateDirectory: scratch.path)
        }
    }

    @Test func aKeyOfAnotherCertificateIsRefused() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        _ = try SiteAuthority.loadOrCreate(stateDirectory: scratch.path)
        let tls = scratch.path + "/tls/"
        try FileManager.default.removeItem(atPath: tls + "site-ca.key")
        try FileManager.default.copyItem(atPath: tls + "untrusted-ca.key", toPath: tls + "site-ca.key")
        #expect(throws: SiteAuthorityError.keyMismatch(tls + "site-ca.key")) {
            try SiteAuthority.loadOrCreate(stateDirectory: scratch.path)
        }
    }
}

import Foundation
import Testing
@testable import TLSInterception
import X509

/// The upstream server's chain against the administrator's anchors (a test CA standing in for
/// a public one): each way it can fail has its own answer.
struct UpstreamCertificateVerifierTests {
    /// A verifier that knows only `pki`'s CA, loaded as the administrator's anchor file.
    static func verifier(trusting pki: TestPKI) throws -> UpstreamCertificateVerifier {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let path = scratch.path + "/anchors.pem"
        try TestPKI.pem(pki.caCertificate).write(toFile: path, atomically: true, encoding: .utf8)
        return try UpstreamCertificateVerifier.load(systemBundle: nil, administratorAnchors: path)
    }

    @Test func aGoodChainFromTheAdministratorsAnchorIsTrusted() async throws {
        let pki = try TestPKI()
        let verifier = try Self.verifier(trusting: pki)
        #expect(verifier.anchorCount == 1)
        let leaf = try TestPKI.der(try pki.leaf())
        #expect(await verifier.verify(chainDER: [leaf], serverName: "mail.example.com", now: TestPKI.now) == .trusted)
        #expect(await verifier.verify(chainDER: [leaf, try TestPKI.der(pki.caCertificate)], serverName: "MAIL.example.com.",
                                      now: TestPKI.now) == .trusted)
    }

    @Test func theNameIsCheckedOnlyWhenTheClientSentOne() async throws {
        let pki = try TestPKI()
        let verifier = try Self.verifier(trusting: pki)
        let leaf = [try TestPKI.der(try pki.leaf())]
        #expect(await verifier.verify(chainDER: leaf, serverName: "pop.example.net", now: TestPKI.now) == .untrusted(.nameMismatch))
        #expect(await verifier.verify(chainDER: leaf, serverName: nil, now: TestPKI.now) == .trusted)
    }

    @Test func datesAreCheckedAtTheGivenTime() async throws {
        let pki = try TestPKI()
        let verifier = try Self.verifier(trusting: pki)
        let leaf = [try TestPKI.der(try pki.leaf(notBefore: TestPKI.now - 10 * TestPKI.day, notAfter: TestPKI.now + 10 * TestPKI.day))]
        #expect(await verifier.verify(chainDER: leaf, serverName: "mail.example.com", now: TestPKI.now + 11 * TestPKI.day)
                == .untrusted(.expired))
        #expect(await verifier.verify(chainDER: leaf, serverName: nil, now: TestPKI.now - 11 * TestPKI.day)
                == .untrusted(.notYetValid))
        // Expired and for another name: the dates are named first.
        #expect(await verifier.verify(chainDER: leaf, serverName: "other.example.com", now: TestPKI.now + 11 * TestPKI.day)
                == .untrusted(.expired))
    }

    @Test func selfSignedAndUnknownIssuers() async throws {
        let pki = try TestPKI()
        let verifier = try Self.verifier(trusting: pki)
        let selfSigned = [try TestPKI.der(try TestPKI.selfSigned())]
        #expect(await verifier.verify(chainDER: selfSigned, serverName: "mail.example.com", now: TestPKI.now) == .untrusted(.selfSigned))
        let stranger = try TestPKI(name: "Some Other CA")
        let foreign = [try TestPKI.der(try stranger.leaf()), try TestPKI.der(stranger.caCertificate)]
        #expect(await verifier.verify(chainDER: foreign, serverName: "mail.example.com", now: TestPKI.now) == .untrusted(.unknownIssuer))
        // Without any anchors nothing is trusted, not even a good chain.
        let empty = UpstreamCertificateVerifier(anchors: [])
        #expect(await empty.verify(chainDER: [try TestPKI.der(try pki.leaf())], serverName: nil, now: TestPKI.now) == .untrusted(.unknownIssuer))
    }

    @Test func garbageIsMalformed() async throws {
        let verifier = UpstreamCertificateVerifier(anchors: [])
        #expect(await verifier.verify(chainDER: [], serverName: nil) == .untrusted(.malformed))
        #expect(await verifier.verify(chainDER: [[0x30, 0x03, 0x02, 0x01, 0x00]], serverName: nil) == .untrusted(.malformed))
        let pki = try TestPKI()
        let tooLong = Array(repeating: try TestPKI.der(pki.caCertificate), count: TLSInterceptionLimits.maxUpstreamChainLength + 1)
        #expect(await verifier.verify(chainDER: tooLong, serverName: nil) == .untrusted(.malformed))
    }

    @Test func anAnchorFileThatIsNotPEMIsAnError() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let path = scratch.path + "/anchors.pem"
        try "-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: SiteAuthorityError.malformed(path)) {
            try UpstreamCertificateVerifier.load(systemBundle: nil, administratorAnchors: path)
        }
        #expect(throws: (any Error).self) {
            try UpstreamCertificateVerifier.load(systemBundle: nil, administratorAnchors: scratch.path + "/missing.pem")
        }
        // A missing system bundle is no error: the box then trusts only the administrator's anchors.
        #expect(try UpstreamCertificateVerifier.load(systemBundle: scratch.path + "/none.crt", administratorAnchors: nil).anchorCount == 0)
    }

    @Test(arguments: [
        // (chain found without time and name, self-signed, leaf notAfter offset in days, SNI, expected)
        (false, true, 10.0, String?("mail.example.com"), UpstreamFailure.selfSigned),
        (false, false, 10.0, "mail.example.com", .unknownIssuer),
        (true, false, -1.0, "mail.example.com", .expired),
        (true, false, 10.0, "mail.example.com", .nameMismatch),
        (true, false, 10.0, nil, .unknownIssuer),
    ])
    func classification(found: Bool, selfSigned: Bool, days: Double, sni: String?, expected: UpstreamFailure) throws {
        let pki = try TestPKI()
        let leaf = try pki.leaf(notAfter: TestPKI.now + days * TestPKI.day)
        let result = UpstreamFailureClassifier.classify(chainIgnoringTimeAndName: found ? [leaf, pki.caCertificate] : nil,
                                                        leafIsSelfSigned: selfSigned, now: TestPKI.now, serverName: sni)
        #expect(result == expected)
    }
}

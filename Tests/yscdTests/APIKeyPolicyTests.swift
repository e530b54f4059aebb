import NIOHTTP1
import ScanProtocol
import Testing
@testable import yscd

/// The access decision of the scan service as a table (docs/ysc-protocol.md, Authentication):
/// every combination of where it listens, whether a key is configured, whether the request
/// brings the right key and whether its connection brought a verified client certificate.
@Suite struct APIKeyPolicyTests {
    struct Row: CustomStringConvertible, Sendable {
        var loopback: Bool, keyConfigured: Bool, rightKey: Bool, certificate: Bool, admitted: Bool
        var description: String {
            "loopback=\(loopback) key=\(keyConfigured) rightKey=\(rightKey) cert=\(certificate) → \(admitted)"
        }
    }

    /// Written out by hand, not computed: the table is the specification.
    static let table: [Row] = [
        // loopback, no key: open (only local processes reach it)
        Row(loopback: true, keyConfigured: false, rightKey: false, certificate: false, admitted: true),
        Row(loopback: true, keyConfigured: false, rightKey: false, certificate: true, admitted: true),
        // loopback with a key: the key or a verified certificate
        Row(loopback: true, keyConfigured: true, rightKey: false, certificate: false, admitted: false),
        Row(loopback: true, keyConfigured: true, rightKey: true, certificate: false, admitted: true),
        Row(loopback: true, keyConfigured: true, rightKey: false, certificate: true, admitted: true),
        Row(loopback: true, keyConfigured: true, rightKey: true, certificate: true, admitted: true),
        // network address without a key: only a verified certificate
        Row(loopback: false, keyConfigured: false, rightKey: false, certificate: false, admitted: false),
        Row(loopback: false, keyConfigured: false, rightKey: false, certificate: true, admitted: true),
        // network address with a key: the key or a verified certificate
        Row(loopback: false, keyConfigured: true, rightKey: false, certificate: false, admitted: false),
        Row(loopback: false, keyConfigured: true, rightKey: true, certificate: false, admitted: true),
        Row(loopback: false, keyConfigured: true, rightKey: false, certificate: true, admitted: true),
        Row(loopback: false, keyConfigured: true, rightKey: true, certificate: true, admitted: true),
    ]

    @Test(arguments: table)
    func decisionTable(_ row: Row) {
        #expect(APIKeyPolicy.admits(loopback: row.loopback, keyConfigured: row.keyConfigured,
                                    rightKeyPresented: row.rightKey, clientCertificateVerified: row.certificate) == row.admitted)
    }

    /// A "right key" without a configured key cannot happen through `admits(path:_:)`; the pure
    /// function still gives it no weight.
    @Test func aKeyWithoutAConfiguredKeyProvesNothing() {
        #expect(!APIKeyPolicy.admits(loopback: false, keyConfigured: false, rightKeyPresented: true, clientCertificateVerified: false))
    }

    static let key = "k3y-0123456789"

    static func request(key: String? = nil, certificate: Bool = false) -> APIKeyPolicy.Credentials {
        var headers = HTTPHeaders()
        if let key { headers.add(name: "Authorization", value: "Bearer \(key)") }
        return APIKeyPolicy.Credentials(headers: headers, clientCertificateVerified: certificate)
    }

    @Test func aNetworkAddressWithAClientCAAdmitsAVerifiedCertificateOnly() {
        let policy = APIKeyPolicy(key: nil, loopbackOnly: false, acceptsClientCertificates: true)
        #expect(policy.admits(path: YSCEndpoint.scanPath, Self.request(certificate: true)))
        #expect(policy.admits(path: YSCEndpoint.licenseActivatePath, Self.request(certificate: true)))
        #expect(!policy.admits(path: YSCEndpoint.scanPath, Self.request()))
        #expect(!policy.admits(path: YSCEndpoint.scanPath, Self.request(key: "anything")))
        #expect(policy.admits(path: YSCEndpoint.healthPath, Self.request()))
        #expect(!policy.refusesEveryone)
    }

    @Test func keyAndClientCAAreAlternatives() {
        let policy = APIKeyPolicy(key: Array(Self.key.utf8), loopbackOnly: false, acceptsClientCertificates: true)
        #expect(policy.admits(path: YSCEndpoint.scanPath, Self.request(key: Self.key)))
        #expect(policy.admits(path: YSCEndpoint.scanPath, Self.request(certificate: true)))
        #expect(!policy.admits(path: YSCEndpoint.scanPath, Self.request(key: Self.key + "x")))
        #expect(!policy.admits(path: YSCEndpoint.scanPath, Self.request()))
    }

    /// Without `--client-ca` no certificate is asked for; should a "verified" flag ever arrive
    /// anyway, it does not count.
    @Test func aCertificateCountsOnlyWithAClientCA() {
        let policy = APIKeyPolicy(key: nil, loopbackOnly: false, acceptsClientCertificates: false)
        #expect(!policy.admits(path: YSCEndpoint.scanPath, Self.request(certificate: true)))
        #expect(policy.refusesEveryone)
    }

    @Test func loopbackWithoutKeyIsOpenAndRefusesNoOne() {
        let policy = APIKeyPolicy(key: nil, loopbackOnly: true)
        #expect(policy.admits(path: YSCEndpoint.scanPath, Self.request()))
        #expect(!policy.refusesEveryone)
    }

    @Test func keyIsReadFromBearerOrXAPIKey() {
        var headers = HTTPHeaders([("X-API-Key", Self.key)])
        #expect(APIKeyPolicy.presentedKey(headers) == Self.key)
        headers = HTTPHeaders([("Authorization", "bearer \(Self.key)")])
        #expect(APIKeyPolicy.presentedKey(headers) == Self.key)
        headers = HTTPHeaders([("Authorization", "Basic abc")])
        #expect(APIKeyPolicy.presentedKey(headers) == nil)
    }

    @Test func loopbackAddresses() {
        #expect(APIKeyPolicy.isLoopback("127.0.0.1"))
        #expect(APIKeyPolicy.isLoopback("127.1.2.3"))
        #expect(APIKeyPolicy.isLoopback("::1"))
        #expect(APIKeyPolicy.isLoopback("localhost"))
        #expect(!APIKeyPolicy.isLoopback("0.0.0.0"))
        #expect(!APIKeyPolicy.isLoopback("::"))
        #expect(!APIKeyPolicy.isLoopback("203.0.113.10"))
    }
}

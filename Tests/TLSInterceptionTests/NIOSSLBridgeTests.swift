import Crypto
import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import Testing
@testable import TLSInterception
import X509

/// The bridge to swift-nio-ssl, over a real handshake on loopback: a server that picks the
/// minted leaf from `sslContextCallback` by the client's SNI, and a NIOSSL client that trusts
/// only the site CA and verifies the name.
struct NIOSSLBridgeTests {
    /// Completes when the first bytes arrive, fails on an error (a failed handshake).
    final class FirstRead: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = ByteBuffer
        let promise: EventLoopPromise<String>
        init(_ promise: EventLoopPromise<String>) { self.promise = promise }
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            promise.succeed(String(buffer: unwrapInboundIn(data)))
        }
        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            promise.fail(error)
            context.close(promise: nil)
        }
        func channelInactive(context: ChannelHandlerContext) {
            promise.fail(ChannelError.eof)
        }
    }

    /// Greets every client once its handshake is done.
    final class Greeter: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer
        func channelActive(context: ChannelHandlerContext) {
            context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: "220 ready\r\n")), promise: nil)
        }
    }

    /// Runs a server whose certificate comes from `choose(SNI)`, and one client handshake
    /// trusting `roots`; returns what the client read or the error.
    static func handshake(serverName: String, trusting roots: [Certificate], placeholder: MintedLeaf,
                          choose: @escaping @Sendable (String?) -> NIOSSLContextConfigurationOverride) async throws -> String {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let result: Result<String, any Error>
        do {
            result = .success(try await handshake(on: group, serverName: serverName, trusting: roots, placeholder: placeholder, choose: choose))
        } catch {
            result = .failure(error)
        }
        try await group.shutdownGracefully()
        return try result.get()
    }

    private static func handshake(on group: MultiThreadedEventLoopGroup, serverName: String, trusting roots: [Certificate],
                                  placeholder: MintedLeaf,
                                  choose: @escaping @Sendable (String?) -> NIOSSLContextConfigurationOverride) async throws -> String {
        var serverConfiguration = TLSConfiguration.makeServerConfiguration(
            certificateChain: placeholder.nioCertificateChain.map { .certificate($0) }, privateKey: .privateKey(placeholder.nioPrivateKey))
        serverConfiguration.sslContextCallback = { values, promise in promise.succeed(choose(values.serverHostname)) }
        let serverContext = try NIOSSLContext(configuration: serverConfiguration)
        let server = try await ServerBootstrap(group: group)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: serverContext))
                    try channel.pipeline.syncOperations.addHandler(Greeter())
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()

        var clientConfiguration = TLSConfiguration.makeClientConfiguration()
        clientConfiguration.trustRoots = .certificates(try roots.map { try NIOSSLCertificate(bytes: TestPKI.der($0), format: .der) })
        clientConfiguration.certificateVerification = .fullVerification
        let clientContext = try NIOSSLContext(configuration: clientConfiguration)
        let read = group.next().makePromise(of: String.self)
        let client = try await ClientBootstrap(group: group)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(try NIOSSLClientHandler(context: clientContext, serverHostname: serverName))
                    try channel.pipeline.syncOperations.addHandler(FirstRead(read))
                }
            }
            .connect(host: "127.0.0.1", port: server.localAddress!.port!).get()
        let result: Result<String, any Error>
        do {
            result = .success(try await read.futureResult.get())
        } catch {
            result = .failure(error)
        }
        try? await client.close().get()
        try? await server.close().get()
        return try result.get()
    }

    @Test func aClientTrustingTheSiteCAAcceptsTheLeafChosenBySNI() async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let authority = try SiteAuthority.loadOrCreate(stateDirectory: scratch.path)
        let issuer = LeafCertificateIssuer(authority: authority)
        let placeholder = try issuer.leaf(for: LeafIdentity(commonName: "placeholder.test", dnsNames: ["placeholder.test"], ipAddresses: []),
                                          trusted: false, upstreamNotAfter: nil)
        let seen = SeenServerName()
        let greeting = try await Self.handshake(serverName: "mail.example.com", trusting: [authority.site.certificate],
                                                placeholder: placeholder) { sni in
            seen.set(sni)
            let identity = LeafIdentity(commonName: sni, dnsNames: [sni ?? ""], ipAddresses: [])
            return (try? issuer.leaf(for: identity, trusted: true, upstreamNotAfter: nil).configurationOverride) ?? .noChanges
        }
        #expect(greeting == "220 ready\r\n")
        #expect(seen.value == "mail.example.com")
    }

    @Test func aLeafFromTheUntrustedCAFailsTheClientsHandshake() async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let authority = try SiteAuthority.loadOrCreate(stateDirectory: scratch.path)
        let issuer = LeafCertificateIssuer(authority: authority)
        let identity = LeafIdentity(commonName: "mail.example.com", dnsNames: ["mail.example.com"], ipAddresses: [])
        let untrusted = try issuer.leaf(for: identity, trusted: false, upstreamNotAfter: nil)
        await #expect(throws: (any Error).self) {
            try await Self.handshake(serverName: "mail.example.com", trusting: [authority.site.certificate],
                                     placeholder: untrusted) { _ in untrusted.configurationOverride }
        }
    }

    @Test func theOfficesOwnCertificateIsLoadedAndChecked() async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let pki = try TestPKI(now: Date())
        let key = P256.Signing.PrivateKey()
        let certificate = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: .init(key.publicKey),
            notValidBefore: Date() - 3_600, notValidAfter: Date() + 30 * TestPKI.day,
            issuer: pki.caName, subject: try DistinguishedName { CommonName("mx.example.com") }, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions { SubjectAlternativeNames([.dnsName("mx.example.com")]) },
            issuerPrivateKey: .init(pki.caKey))
        let certificatePath = scratch.path + "/mx.pem", keyPath = scratch.path + "/mx.key", otherKeyPath = scratch.path + "/other.key"
        try (TestPKI.pem(certificate) + TestPKI.pem(pki.caCertificate)).write(toFile: certificatePath, atomically: true, encoding: .utf8)
        try key.pemRepresentation.write(toFile: keyPath, atomically: true, encoding: .utf8)
        try P256.Signing.PrivateKey().pemRepresentation.write(toFile: otherKeyPath, atomically: true, encoding: .utf8)

        let own = try OwnServerCertificate.load(certificatePath: certificatePath, keyPath: keyPath)
        #expect(own.certificateChain.count == 2)
        #expect(throws: SiteAuthorityError.keyMismatch(otherKeyPath)) {
            try OwnServerCertificate.load(certificatePath: certificatePath, keyPath: otherKeyPath)
        }

        let authority = try SiteAuthority.loadOrCreate(stateDirectory: scratch.path)
        let placeholder = try LeafCertificateIssuer(authority: authority).leaf(
            for: LeafIdentity(commonName: "placeholder.test", dnsNames: ["placeholder.test"], ipAddresses: []), trusted: false, upstreamNotAfter: nil)
        let greeting = try await Self.handshake(serverName: "mx.example.com", trusting: [pki.caCertificate],
                                                placeholder: placeholder) { _ in own.configurationOverride }
        #expect(greeting == "220 ready\r\n")
    }
}

/// The SNI the server saw, handed from an event loop to the test.
final class SeenServerName: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: String?
    func set(_ value: String?) { lock.withLock { stored = value } }
    var value: String? { lock.withLock { stored } }
}

import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import ScanEngines

/// Binds the HTTPS listener: TLS (NIOSSL) → HTTP/1.1 server pipeline → `YSCHTTPHandler`.
struct YSCServer {
    var listen: ListenAddress
    /// nil: plain HTTP (`--plaintext`, for measuring what TLS costs; never the appliance's setting).
    var tls: NIOSSLContext?
    var router: YSCRouter
    var maxBody: Int
    var faults: FaultInjection
    var access: APIKeyPolicy
    var logger: Logger

    /// `clientCAs`: the client CA (`--client-ca`). With it the server asks every client for a
    /// certificate (RFC 8446 §4.3.2 CertificateRequest, naming these CAs): one that is presented
    /// must verify against them (not against the system's trust store, and with no name check —
    /// a client has no host name to match), but a client may present none
    /// (`ClientCertificateObserver` tells the HTTP handler which). Without it no certificate is
    /// asked for.
    static func makeTLSContext(certificatePath: String, keyPath: String,
                               clientCAs: [NIOSSLCertificate]? = nil) throws -> NIOSSLContext {
        let chain = try NIOSSLCertificate.fromPEMFile(certificatePath).map { NIOSSLCertificateSource.certificate($0) }
        let key = try NIOSSLPrivateKey(file: keyPath, format: .pem)
        var configuration = TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(key))
        configuration.applicationProtocols = ["http/1.1"]
        if let clientCAs {
            configuration.trustRoots = .certificates(clientCAs)
            configuration.certificateVerification = .optionalVerification
            configuration.sendCANameList = true
        }
        return try NIOSSLContext(configuration: configuration)
    }

    func bind(on group: any EventLoopGroup) throws -> any Channel {
        let tls = self.tls, router = self.router, maxBody = self.maxBody, faults = self.faults, logger = self.logger
        let access = self.access
        return try ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.so_keepalive), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    if let tls { try pipeline.addHandler(NIOSSLServerHandler(context: tls)) }
                    if tls != nil, access.acceptsClientCertificates { try pipeline.addHandler(ClientCertificateObserver(logger: logger)) }
                    try pipeline.addHandler(IdleStateHandler(readTimeout: YSCServerLimits.idleTimeout))
                    try pipeline.configureHTTPServerPipeline(withPipeliningAssistance: true, withErrorHandling: true)
                    try pipeline.addHandler(YSCHTTPHandler(router: router, maxBody: maxBody, faults: faults, access: access, logger: logger))
                }
            }
            .bind(host: listen.host, port: listen.port)
            .wait()
    }
}

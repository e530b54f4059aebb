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

    static func makeTLSContext(certificatePath: String, keyPath: String) throws -> NIOSSLContext {
        let chain = try NIOSSLCertificate.fromPEMFile(certificatePath).map { NIOSSLCertificateSource.certificate($0) }
        let key = try NIOSSLPrivateKey(file: keyPath, format: .pem)
        var configuration = TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(key))
        configuration.applicationProtocols = ["http/1.1"]
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
                    try pipeline.addHandler(IdleStateHandler(readTimeout: YSCServerLimits.idleTimeout))
                    try pipeline.configureHTTPServerPipeline(withPipeliningAssistance: true, withErrorHandling: true)
                    try pipeline.addHandler(YSCHTTPHandler(router: router, maxBody: maxBody, faults: faults, access: access, logger: logger))
                }
            }
            .bind(host: listen.host, port: listen.port)
            .wait()
    }
}

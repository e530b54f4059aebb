import NIOCore

/// SpamAssassin through spamd's CHECK command; its score is mapped with
/// `SpamdProtocol.yscScore`.
public struct SpamdEngine: ScanEngine {
    public static let engineName = "spamassassin"
    public let name = SpamdEngine.engineName
    public let address: DaemonAddress
    public var maxMessageBytes: Int { DaemonLimits.spamdMaxMessageBytes }

    public init(address: DaemonAddress) {
        self.address = address
    }

    public func scan(_ message: ByteBuffer, on eventLoop: any EventLoop) -> EventLoopFuture<EngineVerdict> {
        DaemonExchange.run(address, request: SpamdProtocol.check(message), halfClose: true, on: eventLoop)
            .flatMapThrowing { reply in
                let result = try SpamdProtocol.parse(reply)
                return EngineVerdict(spamScore: SpamdProtocol.yscScore(score: result.score, threshold: result.threshold))
            }
    }

    public func probe(on eventLoop: any EventLoop) -> EventLoopFuture<Void> {
        DaemonExchange.run(address, request: SpamdProtocol.ping, halfClose: true, on: eventLoop).flatMapThrowing { reply in
            let text = String(decoding: reply.readableBytesView, as: UTF8.self)
            guard text.hasPrefix("SPAMD/"), text.contains("PONG") else {
                throw SpamdProtocol.Failure.malformed(String(text.prefix(80)))
            }
        }
    }
}

import NIOCore

/// ClamAV through clamd's INSTREAM command. Virus names are reported exactly as clamd gives them.
public struct ClamdEngine: ScanEngine {
    public static let engineName = "clamav"
    public let name = ClamdEngine.engineName
    public let address: DaemonAddress

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    public init(address: DaemonAddress) {
        self.address = address
    }

    public func scan(_ message: ByteBuffer, on eventLoop: any EventLoop) -> EventLoopFuture<EngineVerdict> {
        DaemonExchange.run(address, request: ClamdProtocol.instream(message), on: eventLoop)
            .flatMapThrowing { reply in
                switch ClamdProtocol.parse(reply) {
                case .clean: return EngineVerdict()
                case .infected(let names): return EngineVerdict(viruses: names)
                case .error(let text): throw Failure(description: "clamd: \(text)")
                }
            }
    }

    public func probe(on eventLoop: any EventLoop) -> EventLoopFuture<Void> {
        DaemonExchange.run(address, request: ClamdProtocol.ping, on: eventLoop).flatMapThrowing { reply in
            let text = String(decoding: reply.readableBytesView, as: UTF8.self)
            guard text.hasPrefix("PONG") else { throw Failure(description: "clamd: unexpected PING answer") }
        }
    }
}

import NIOCore
import ScanProtocol

/// Runs every engine on a message at once and merges their verdicts into one YSC reply:
/// the highest spam score, the union of virus names (first seen first), the engines that
/// answered. An engine that fails is listed in `failed_engines`;
/// only when no engine answers is the scan a failure (`503`).
public final class ScanService: Sendable {
    public let engines: [any ScanEngine]

    public struct NoEngineUsable: Error, CustomStringConvertible {
        public var failures: [String]
        public var description: String { "no engine usable: " + failures.joined(separator: "; ") }
    }

    public init(engines: [any ScanEngine]) {
        self.engines = engines
    }

    public func scan(_ message: ByteBuffer, on eventLoop: any EventLoop) -> EventLoopFuture<ScanReply> {
        let started = NIODeadline.now()
        let eligible = engines.filter { message.readableBytes <= $0.maxMessageBytes }
        let runs = eligible.map { engine in
            engine.scan(message, on: eventLoop).hop(to: eventLoop)
        }
        return EventLoopFuture.whenAllComplete(runs, on: eventLoop).flatMapThrowing { results in
            var reply = ScanReply(spamScore: 0, viruses: [], engines: [], elapsedMilliseconds: 0)
            var failures: [String] = []
            for (engine, result) in zip(eligible, results) {
                switch result {
                case .success(let verdict):
                    reply.engines.append(engine.name)
                    if let score = verdict.spamScore { reply.spamScore = max(reply.spamScore, min(100, max(0, score))) }
                    for virus in verdict.viruses where !reply.viruses.contains(virus) { reply.viruses.append(virus) }
                case .failure(let error):
                    reply.failedEngines.append(engine.name)
                    failures.append("\(engine.name): \(error)")
                }
            }
            guard !reply.engines.isEmpty else { throw NoEngineUsable(failures: failures) }
            reply.elapsedMilliseconds = Int((NIODeadline.now() - started).nanoseconds / 1_000_000)
            return reply
        }
    }

    /// Probes every engine now (health is live, not a cached guess).
    public func health(on eventLoop: any EventLoop) -> EventLoopFuture<HealthReply> {
        let probes = engines.map { $0.probe(on: eventLoop).hop(to: eventLoop) }
        return EventLoopFuture.whenAllComplete(probes, on: eventLoop).map { results in
            let states = zip(self.engines, results).map { engine, result -> EngineHealth in
                switch result {
                case .success: return EngineHealth(name: engine.name, state: .up)
                case .failure(let error): return EngineHealth(name: engine.name, state: .down, detail: String("\(error)".prefix(200)))
                }
            }
            return HealthReply(status: states.allSatisfy { $0.state == .up } ? .ok : .degraded, engines: states)
        }
    }
}

import NIOCore
import NIOHTTP1
import NIOPosix
import Testing
import ScanEngines
import ScanProtocol

/// The merge rules of ScanService and the router's status mapping, with stand-in engines
/// (this layer alone; the real engines are proven in the integration tests).
@Suite struct ScanServiceTests {
    struct FixedEngine: ScanEngine {
        var name: String
        var result: Result<EngineVerdict, StandInFailure>
        var maxMessageBytes: Int = .max

        func scan(_ message: ByteBuffer, on eventLoop: any EventLoop) -> EventLoopFuture<EngineVerdict> {
            eventLoop.makeCompletedFuture(result.mapError { $0 as any Error })
        }

        func probe(on eventLoop: any EventLoop) -> EventLoopFuture<Void> {
            eventLoop.makeCompletedFuture(result.map { _ in () }.mapError { $0 as any Error })
        }
    }

    struct StandInFailure: Error, CustomStringConvertible {
        var description: String { "stand-in failure" }
    }

    let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    let message = ByteBuffer(string: "Subject: x\r\n\r\nbody\r\n")

    @Test func verdictsMergeAsHighestScoreAndUnionOfNames() throws {
        let service = ScanService(engines: [
            FixedEngine(name: "a", result: .success(EngineVerdict(spamScore: 20, viruses: ["V1"]))),
            FixedEngine(name: "b", result: .success(EngineVerdict(spamScore: nil, viruses: ["V2", "V1"]))),
            FixedEngine(name: "c", result: .success(EngineVerdict(spamScore: 85))),
            FixedEngine(name: "d", result: .failure(StandInFailure())),
            FixedEngine(name: "e", result: .success(EngineVerdict(spamScore: 100)), maxMessageBytes: 3),
        ])
        let reply = try service.scan(message, on: group.next()).wait()
        #expect(reply.spamScore == 85)
        #expect(reply.viruses == ["V1", "V2"])
        #expect(reply.engines == ["a", "b", "c"])
        #expect(reply.failedEngines == ["d"])  // "e" was skipped for size, not failed
    }

    @Test func noUsableEngineIs503() throws {
        let service = ScanService(engines: [FixedEngine(name: "a", result: .failure(StandInFailure()))])
        #expect(throws: ScanService.NoEngineUsable.self) { try service.scan(message, on: group.next()).wait() }
        let router = YSCRouter(service: service, licenses: .grantAll) { LicenseDate("2026-11-25")! }
        var head = HTTPRequestHead(version: .http1_1, method: .POST, uri: YSCEndpoint.scanPath)
        head.headers.add(name: YSCEndpoint.operationHeader, value: "send")
        let response = try router.respond(to: head, body: message, on: group.next()).wait()
        #expect(response.status == .serviceUnavailable)
        #expect(try YSCCoding.decode(ErrorReply.self, from: response.body).error.contains("stand-in failure"))
    }

    @Test func healthIsDegradedWhenAnEngineIsDown() throws {
        let service = ScanService(engines: [FixedEngine(name: "a", result: .success(EngineVerdict())),
                                            FixedEngine(name: "b", result: .failure(StandInFailure()))])
        let health = try service.health(on: group.next()).wait()
        #expect(health == HealthReply(status: .degraded, engines: [EngineHealth(name: "a", state: .up),
                                                                  EngineHealth(name: "b", state: .down, detail: "stand-in failure")]))
    }
}

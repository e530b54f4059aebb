import Foundation
import Testing
import ScanEngines
import ScanProtocol
import TestSupport

/// Each test-only fault switch, observed from a real client.
@Suite struct YSCDaemonFaultTests {
    @Test func latencyDelaysRepliesWithoutSerialisingThem() throws {
        let daemon = try YSCDaemon(["--inject-latency", "700"])
        let started = Date()
        let reply = try daemon.call("GET", "/v1/health")
        #expect(reply.status == 200)
        #expect(Date().timeIntervalSince(started) >= 0.7)
        // Six concurrent requests finish in about one latency, not six: the loop never sleeps.
        let parallelStart = Date()
        let urls = Array(repeating: daemon.baseURL + "/v1/health", count: 6)
        let result = try runCommand("/usr/bin/curl", ["-sS", "--cacert", daemon.caPath, "--parallel", "--parallel-max", "6",
                                                      "-o", "/dev/null", "-o", "/dev/null", "-o", "/dev/null", "-o", "/dev/null",
                                                      "-o", "/dev/null", "-o", "/dev/null", "-w", "%{http_code}\n"] + urls)
        #expect(result.stdout.split(separator: "\n") == Array(repeating: "200", count: 6))
        #expect(Date().timeIntervalSince(parallelStart) < 3.5)
    }

    @Test(arguments: [503, 500, 429])
    func injectedStatusIsWhatTheClientSees(status: Int) throws {
        let daemon = try YSCDaemon(["--inject-status", String(status)])
        let reply = try daemon.scan(TestMessages.clean)
        #expect(reply.status == status)
        #expect(throws: YSCDecodingError.serviceError(status: status, message: "injected fault: status \(status)")) {
            try YSCCoding.decodeScanReply(status: reply.status, body: reply.body)
        }
    }

    @Test func garbageIsA200ThatIsNotJSON() throws {
        let daemon = try YSCDaemon(["--inject-garbage"])
        let reply = try daemon.scan(TestMessages.clean)
        #expect(reply.status == 200)
        #expect(throws: YSCDecodingError.notJSON) { try YSCCoding.decodeScanReply(status: reply.status, body: reply.body) }
    }

    @Test func droppedConnectionsGiveNoReply() throws {
        let daemon = try YSCDaemon(["--drop-connections"])
        let reply = try daemon.scan(TestMessages.clean)
        #expect(reply.status == 0)
        #expect(reply.curlStatus == 52 || reply.curlStatus == 56)  // empty reply / receive failure
        #expect(daemon.process.isRunning)
    }
}

import Foundation
import NIOCore
import NIOPosix
import Testing
import ScanEngines
import ScanProtocol
import TestSupport

/// SpamAssassin proven with a real spamd (the Debian package's stock rules, no network tests),
/// started once for the whole suite test.
@Suite struct SpamdIntegrationTests {
    @Test func spamdScoresGTUBEDirectlyAndThroughYscd() throws {
        let spamd = try RealDaemon.executable("spamd", package: "spamd")
        let directory = try TemporaryDirectory(prefix: "spamd-test")
        let port = TCPPort.free()
        var arguments = ["--local", "--nouser-config", "--listen=127.0.0.1:\(port)", "--allowed-ips=127.0.0.1",
                         "--max-children=2", "--syslog=stderr", "--pidfile=\(directory.path("spamd.pid"))"]
        if getuid() == 0 { arguments.append("--username=nobody") }  // spamd refuses to run children as root
        // ManagedProcess spawns with a cleared signal mask, so spamd's SIGTERM handler works.
        let process = try ManagedProcess(spamd, arguments, directory: directory.url)
        defer { process.stop() }
        let started = waitUntil(timeout: 90) { TCPPort.isListening(port) || !process.isRunning }
        try #require(started && process.isRunning, "spamd did not start: \(process.standardError)")

        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { try? group.syncShutdownGracefully() }
        let engine = SpamdEngine(address: .tcp(host: "127.0.0.1", port: port))
        let loop = group.next()
        try engine.probe(on: loop).wait()
        #expect(try engine.scan(ByteBuffer(bytes: TestMessages.fixture("spamassassin__gtube.eml")), on: loop).wait()
                == EngineVerdict(spamScore: 100))
        let ham = try engine.scan(ByteBuffer(bytes: TestMessages.fixture("spamassassin__sample-nonspam.txt")), on: loop).wait()
        #expect((ham.spamScore ?? 100) < 70)

        let daemon = try YSCDaemon(["--spamd", "127.0.0.1:\(port)"])
        let reply = try daemon.scan(TestMessages.fixture("spamassassin__gtube.eml"))
        let verdict = try YSCCoding.decodeScanReply(status: reply.status, body: reply.body)
        #expect(verdict.engines == ["builtin", "spamassassin"])
        #expect(verdict.failedEngines.isEmpty)
        #expect(verdict.spamScore == 100)
        let health = try daemon.call("GET", "/v1/health")
        #expect(try YSCCoding.decodeHealthReply(status: health.status, body: health.body)
                == HealthReply(status: .ok, engines: [EngineHealth(name: "builtin", state: .up), EngineHealth(name: "spamassassin", state: .up)]))
    }
}

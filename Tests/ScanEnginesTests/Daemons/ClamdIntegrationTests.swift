import Foundation
import NIOCore
import NIOPosix
import Testing
import ScanEngines
import ScanProtocol
import TestSupport

/// ClamAV proven with a real clamd: its own tiny signature database (EICAR as an .ndb body
/// signature with a name of our own, so a detection is visibly clamd's and not the builtin
/// engine's), its own socket, started once for the whole suite test.
@Suite struct ClamdIntegrationTests {
    static let signatureName = "YSC-Test-EICAR"

    @Test func clamdDetectsEICARDirectlyAndThroughYscd() throws {
        let clamd = try RealDaemon.executable("clamd", package: "clamav-daemon")
        let directory = try TemporaryDirectory(prefix: "clamd-test")  // 0755: clamd may drop privileges
        let hex = TestSignatures.eicar.map { String(format: "%02x", $0) }.joined()
        try "\(Self.signatureName):0:*:\(hex)\n".write(toFile: directory.path("ysc-test.ndb"), atomically: true, encoding: .utf8)
        let socket = directory.path("clamd.sock")
        try """
            Foreground yes
            LocalSocket \(socket)
            DatabaseDirectory \(directory.url.path)
            LogFile \(directory.path("clamd.log"))
            PidFile \(directory.path("clamd.pid"))
            TemporaryDirectory \(directory.url.path)
            User \(NSUserName())
            StreamMaxLength 120M
            """.write(toFile: directory.path("clamd.conf"), atomically: true, encoding: .utf8)
        let process = try ManagedProcess(clamd, ["-c", directory.path("clamd.conf")], directory: directory.url)
        defer { process.stop() }
        let started = waitUntil(timeout: 60) { FileManager.default.fileExists(atPath: socket) || !process.isRunning }
        try #require(started && process.isRunning, "clamd did not start: \(process.standardError) \(process.standardOutput)")

        // The engine alone, over the UNIX socket.
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { try? group.syncShutdownGracefully() }
        let engine = ClamdEngine(address: .unixSocket(socket))
        let loop = group.next()
        try engine.probe(on: loop).wait()
        let infected = try engine.scan(ByteBuffer(bytes: TestMessages.eicarNested), on: loop).wait()
        #expect(infected.viruses.count == 1)
        #expect(infected.viruses.first?.hasPrefix(Self.signatureName) == true)  // clamd adds ".UNOFFICIAL"
        #expect(infected.spamScore == nil)
        #expect(try engine.scan(ByteBuffer(bytes: TestMessages.clean), on: loop).wait() == EngineVerdict())
        // More than one INSTREAM chunk.
        let big = TestMessages.clean + [UInt8](repeating: 0x41, count: 3 * DaemonLimits.clamdChunkBytes) + TestSignatures.eicar
        #expect(try engine.scan(ByteBuffer(bytes: big), on: loop).wait().viruses.first?.hasPrefix(Self.signatureName) == true)

        // Through yscd: clamd's name reported as clamd gives it, the engine listed.
        let daemon = try YSCDaemon(["--clamd", socket])
        let reply = try daemon.scan(TestMessages.eicarNested)
        let verdict = try YSCCoding.decodeScanReply(status: reply.status, body: reply.body)
        #expect(verdict.engines == ["builtin", "clamav"])
        #expect(verdict.viruses.first == "EICAR-Test-File")
        #expect(verdict.viruses.contains("\(Self.signatureName).UNOFFICIAL"))
        let clean = try YSCCoding.decodeScanReply(status: 200, body: try daemon.scan(TestMessages.clean).body)
        #expect(clean.viruses.isEmpty && clean.engines == ["builtin", "clamav"])
        let health = try daemon.call("GET", "/v1/health")
        #expect(try YSCCoding.decodeHealthReply(status: health.status, body: health.body).status == .ok)

        // clamd gone: the scan still answers from builtin, naming the failed engine; health degraded.
        process.stop()
        let degraded = try YSCCoding.decodeScanReply(status: 200, body: try daemon.scan(TestMessages.eicarNested).body)
        #expect(degraded.engines == ["builtin"])
        #expect(degraded.failedEngines == ["clamav"])
        #expect(degraded.viruses == ["EICAR-Test-File"])
        let down = try daemon.call("GET", "/v1/health")
        let downHealth = try YSCCoding.decodeHealthReply(status: down.status, body: down.body)
        #expect(downHealth.status == .degraded)
        #expect(downHealth.engines.last?.state == .down)
    }
}

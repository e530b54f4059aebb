import Foundation
import Testing
import ScanEngines
import ScanProtocol
import TestSupport

/// The real yscd over HTTPS with the curl CLI as the client: the acceptance of the scan endpoint.
@Suite struct YSCDaemonScanTests {
    @Test func aCleanMessageScoresZeroWithNoVirus() throws {
        let daemon = try YSCDaemon()
        let reply = try daemon.scan(TestMessages.clean, headers: ["X-Request-Id: req-1"])
        #expect(reply.status == 200)
        let verdict = try YSCCoding.decodeScanReply(status: reply.status, body: reply.body)
        #expect(verdict.spamScore == 0)
        #expect(verdict.viruses.isEmpty)
        #expect(verdict.engines == ["builtin"])
        #expect(reply.header("X-Request-Id") == "req-1")
        #expect(reply.header("Content-Type") == "application/json")
    }

    @Test func gtubeScores100() throws {
        let daemon = try YSCDaemon()
        let reply = try daemon.scan(TestMessages.gtubeQuotedPrintable, operation: "receive")
        let verdict = try YSCCoding.decodeScanReply(status: reply.status, body: reply.body)
        #expect(verdict.spamScore == 100)
        #expect(verdict.viruses.isEmpty)
    }

    @Test func eicarTwoMultipartLevelsDeepInABase64AttachmentIsFound() throws {
        let daemon = try YSCDaemon()
        let reply = try daemon.scan(TestMessages.eicarNested)
        let verdict = try YSCCoding.decodeScanReply(status: reply.status, body: reply.body)
        #expect(verdict.viruses == ["EICAR-Test-File"])
        #expect(verdict.spamScore == 0)
    }

    @Test func aMessageOverTheLimitIs413AndOneAtTheLimitIsScanned() throws {
        let daemon = try YSCDaemon(["--max-body", "2000"])
        let big = TestMessages.clean + [UInt8](repeating: UInt8(ascii: "a"), count: 2000)
        let over = try daemon.scan(big)
        #expect(over.status == 413)
        #expect(try YSCCoding.decode(ErrorReply.self, from: over.body).error.contains("2000"))
        #expect(over.header("Connection") == "close")
        // Without Content-Length (chunked), the limit is enforced while reading.
        let chunked = try daemon.scan(big, headers: ["Transfer-Encoding: chunked"])
        #expect(chunked.status == 413)
        let atLimit = TestMessages.clean + [UInt8](repeating: UInt8(ascii: "a"), count: 2000 - TestMessages.clean.count)
        #expect(try daemon.scan(atLimit).status == 200)
        #expect(daemon.process.isRunning)
    }

    @Test func aLargeMessageWithExpectContinueIsRejectedBeforeItsBodyIsSent() throws {
        // curl sends "Expect: 100-continue" for large bodies and waits; the 413 comes first.
        let daemon = try YSCDaemon(["--max-body", "100000"])
        let reply = try daemon.scan([UInt8](repeating: UInt8(ascii: "b"), count: 3_000_000), headers: ["Expect: 100-continue"])
        #expect(reply.status == 413)
        #expect(!daemon.process.standardError.contains("3000000 bytes"))
    }

    @Test func aLargeMessageUnderTheLimitIsScanned() throws {
        let daemon = try YSCDaemon()
        let attachment = [UInt8](repeating: UInt8(ascii: "x"), count: 4_000_000) + TestSignatures.eicar
        let message = TestMessages.crlf("Subject: big\nContent-Type: multipart/mixed; boundary=B\n\n--B\nContent-Transfer-Encoding: base64\n\n\(TestMessages.base64(attachment))\n--B--\n")
        let reply = try daemon.scan(message)
        #expect(try YSCCoding.decodeScanReply(status: reply.status, body: reply.body).viruses == ["EICAR-Test-File"])
    }

    @Test(arguments: [
        ([UInt8](), ["Content-Type: message/rfc822", "X-Operation: send"], "empty"),
        (Array("Subject: x\r\n\r\nhi".utf8), ["Content-Type: message/rfc822"], "X-Operation"),
        (Array("Subject: x\r\n\r\nhi".utf8), ["Content-Type: message/rfc822", "X-Operation: forward"], "X-Operation"),
        (Array("Subject: x\r\n\r\nhi".utf8), ["Content-Type: text/html", "X-Operation: send"], "Content-Type"),
    ])
    func malformedScanRequestsAre400(body: [UInt8], headers: [String], mentioning: String) throws {
        let daemon = try YSCDaemon()
        let reply = try daemon.call("POST", "/v1/scan", body: body, headers: headers)
        #expect(reply.status == 400)
        #expect(throws: YSCDecodingError.serviceError(status: 400, message: try YSCCoding.decode(ErrorReply.self, from: reply.body).error)) {
            try YSCCoding.decodeScanReply(status: reply.status, body: reply.body)
        }
        #expect(reply.text.contains(mentioning))
    }

    @Test func unknownPathsAndMethodsAreRefused() throws {
        let daemon = try YSCDaemon()
        #expect(try daemon.call("GET", "/v2/other").status == 404)
        #expect(try daemon.call("GET", "/v1/scan").status == 405)
        #expect(try daemon.call("DELETE", "/v1/health").status == 405)
    }

    @Test func healthReportsTheEngines() throws {
        let daemon = try YSCDaemon()
        let reply = try daemon.call("GET", "/v1/health")
        #expect(reply.status == 200)
        #expect(try YSCCoding.decodeHealthReply(status: reply.status, body: reply.body)
                == HealthReply(status: .ok, engines: [EngineHealth(name: "builtin", state: .up)]))
    }

    @Test func connectionsAreKeptAliveAcrossRequests() throws {
        let daemon = try YSCDaemon()
        // Two transfers in one curl run: the second must reuse the first connection.
        let file = daemon.directory.path("m.eml")
        try Data(TestMessages.clean).write(to: URL(fileURLWithPath: file))
        let result = try runCommand("/usr/bin/curl", [
            "-sS", "--cacert", daemon.caPath, "-o", "/dev/null", "-o", "/dev/null", "-o", "/dev/null",
            "-w", "%{http_code} %{num_connects}\n",
            "-H", "Content-Type: message/rfc822", "-H", "X-Operation: send", "--data-binary", "@\(file)",
            daemon.baseURL + "/v1/scan", daemon.baseURL + "/v1/scan", daemon.baseURL + "/v1/scan",
        ])
        #expect(result.stdout.split(separator: "\n") == ["200 1", "200 0", "200 0"])
    }
}

@Suite struct YSCDaemonTLSTests {
    @Test func theCertificateIsTrustedOnlyThroughThePrivateCAAndNamesLocalhost() throws {
        let daemon = try YSCDaemon()
        // Without our CA, curl refuses the certificate (exit 60: peer certificate cannot be authenticated).
        let untrusted = try runCommand("/usr/bin/curl", ["-sS", "-o", "/dev/null", daemon.baseURL + "/v1/health"])
        #expect(untrusted.status == 60)
        // With it, both the IP and the name in subjectAltName verify.
        let byName = try runCommand("/usr/bin/curl", ["-sS", "-o", "/dev/null", "-w", "%{http_code}", "--cacert", daemon.caPath,
                                                      "--resolve", "ysc.local:\(daemon.port):127.0.0.1", "https://ysc.local:\(daemon.port)/v1/health"])
        #expect(byName.stdout == "200")
        #expect(try daemon.call("GET", "/v1/health").status == 200)
    }

    @Test func makePKIIsIdempotent() throws {
        let directory = try TemporaryDirectory()
        let first = try runCommand("/bin/sh", [TestMessages.makePKIScript, directory.path("pki")])
        let ca = try String(contentsOfFile: directory.path("pki/ca.pem"), encoding: .utf8)
        let server = try String(contentsOfFile: directory.path("pki/server.pem"), encoding: .utf8)
        let second = try runCommand("/bin/sh", [TestMessages.makePKIScript, directory.path("pki")])
        #expect(first.status == 0 && second.status == 0)
        #expect(second.stdout.contains("up to date"))
        #expect(try String(contentsOfFile: directory.path("pki/ca.pem"), encoding: .utf8) == ca)
        #expect(try String(contentsOfFile: directory.path("pki/server.pem"), encoding: .utf8) == server)
    }
}

import Foundation
import Testing
import TestSupport

/// The real yscd binary on a free 127.0.0.1 port, with a PKI made by firmware/make-pki.sh.
/// Stopped (by its PID) when the value goes away.
final class YSCDaemon: @unchecked Sendable {
    let directory: TemporaryDirectory
    let process: ManagedProcess
    let port: Int
    var caPath: String { directory.path("pki/ca.pem") }
    var baseURL: String { "https://127.0.0.1:\(port)" }

    init(_ arguments: [String] = []) throws {
        directory = try TemporaryDirectory(prefix: "yscd-test")
        let pki = try runCommand("/bin/sh", [TestMessages.makePKIScript, directory.path("pki")])
        try #require(pki.status == 0, "make-pki.sh failed: \(pki.stderr)")
        port = TCPPort.free()
        process = try ManagedProcess(ProductBinary.path("yscd"), [
            "--listen", "127.0.0.1:\(port)",
            "--cert", directory.path("pki/server.pem"), "--key", directory.path("pki/server.key"),
        ] + arguments, directory: directory.url)
        let ready = waitUntil(timeout: 20) { process.standardOutput.contains("yscd: ready") || !process.isRunning }
        try #require(ready && process.isRunning, "yscd did not start: \(process.standardError)")
    }

    deinit { process.stop() }

    /// One HTTPS request with the curl CLI, trusting only our CA.
    func call(_ method: String = "POST", _ path: String, body: [UInt8]? = nil, headers: [String] = [],
              extra: [String] = []) throws -> HTTPSReply {
        var arguments = ["-sS", "--max-time", "30", "--cacert", caPath, "-X", method,
                         "-D", directory.path("headers.txt"), "-o", directory.path("reply.bin"), "-w", "%{http_code}"]
        for header in headers { arguments += ["-H", header] }
        if let body {
            let file = directory.path("request-\(UUID().uuidString.prefix(8)).eml")
            try Data(body).write(to: URL(fileURLWithPath: file))
            arguments += ["--data-binary", "@\(file)"]
        }
        try? FileManager.default.removeItem(atPath: directory.path("reply.bin"))
        let result = try runCommand("/usr/bin/curl", arguments + extra + [baseURL + path])
        let replyBody = (try? Data(contentsOf: URL(fileURLWithPath: directory.path("reply.bin")))).map { Array($0) } ?? []
        let replyHeaders = (try? String(contentsOfFile: directory.path("headers.txt"), encoding: .utf8)) ?? ""
        return HTTPSReply(curlStatus: result.status, status: Int(result.stdout) ?? 0, body: replyBody,
                          headers: replyHeaders, stderr: result.stderr)
    }

    /// `POST /v1/scan` the way the appliance does.
    func scan(_ message: [UInt8], operation: String = "send", headers: [String] = [], extra: [String] = []) throws -> HTTPSReply {
        try call("POST", "/v1/scan", body: message,
                 headers: ["Content-Type: message/rfc822", "X-Operation: \(operation)"] + headers, extra: extra)
    }
}

struct HTTPSReply {
    var curlStatus: Int32
    var status: Int
    var body: [UInt8]
    var headers: String
    var stderr: String
    var text: String { String(decoding: body, as: UTF8.self) }

    func header(_ name: String) -> String? {
        for line in headers.split(whereSeparator: \.isNewline) {
            let parts = line.split(separator: ":", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == name.lowercased() {
                return parts[1].trimmingCharacters(in: .whitespaces)
            }
        }
        return nil
    }
}

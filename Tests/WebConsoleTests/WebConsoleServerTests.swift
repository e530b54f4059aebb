import ApplianceConfig
import ControlPlane
import Foundation
import NIOConcurrencyHelpers
import NIOPosix
import Telemetry
import Testing
import TestSupport
@testable import WebConsole

/// The server for real (Hummingbird, TLS, a loopback socket) driven by real curl: `httpd host`
/// decides who gets in, live, at the next request; a change needs the session's CSRF token.
@Suite(.serialized) struct WebConsoleServerTests {
    final class Harness: @unchecked Sendable {
        let directory: TemporaryDirectory
        let console = ApplianceConsole(configuration: Configuration(), store: nil, services: nil)
        let lines = NIOLockedValueBox<[String]>([])
        let threadPool = NIOThreadPool(numberOfThreads: 1)
        let port = NIOLockedValueBox<Int?>(nil)
        var task: Task<Void, Never>?

        init() throws {
            directory = try TemporaryDirectory(prefix: "wc-server")
            threadPool.start()
            let lines = self.lines
            let environment = WebConsoleEnvironment(
                console: console, statistics: MailStatistics(), live: { LiveState() },
                gate: { HostGate(hosts: $0.httpdHosts) },   // no --http-listen: loopback is not let in by itself
                log: { line in lines.withLockedValue { $0.append(line) } },
                threadPool: threadPool, version: "test")
            let (tls, _) = try WebCertificate.serverConfiguration(stateDirectory: directory.path("state"), hostName: "localhost")
            let app = try WebConsoleServer(environment: environment).application(host: "127.0.0.1", port: 0, tls: tls) { [port] bound in
                port.withLockedValue { $0 = bound }
            }
            task = Task { try? await app.run() }
        }

        /// Waits for the listener without holding a thread of the concurrency pool (the server
        /// runs its connections there; other suites run beside this one).
        func started() async -> Bool {
            for _ in 0..<1500 where port.withLockedValue({ $0 }) == nil {
                try? await Task.sleep(for: .milliseconds(20))
            }
            return port.withLockedValue { $0 } != nil
        }

        /// `curl` to the console: (status, body); the cookie jar keeps the session. Run on a
        /// Dispatch thread, so the blocking wait for curl never starves the server's tasks.
        func curl(_ path: String, _ extra: [String] = []) async throws -> (Int, String) {
            try await withCheckedThrowingContinuation { continuation in
                DispatchQueue.global().async {
                    continuation.resume(with: Result { try self.curlNow(path, extra) })
                }
            }
        }

        private func curlNow(_ path: String, _ extra: [String]) throws -> (Int, String) {
            let port = self.port.withLockedValue { $0 } ?? 0
            let run = try CommandRun.run("/usr/bin/curl", ["-sk", "--max-time", "20", "-b", directory.path("jar"), "-c", directory.path("jar"),
                                                          "-w", "\n%{http_code}"] + extra + ["https://127.0.0.1:\(port)\(path)"])
            let parts = run.stdout.split(separator: "\n", omittingEmptySubsequences: false)
            return (Int(parts.last ?? "") ?? 0, parts.dropLast().joined(separator: "\n"))
        }

        func stop() async {
            task?.cancel()
            await task?.value
            try? await threadPool.shutdownGracefully()
        }
    }

    @Test func httpdHostDecidesLiveAndChangesNeedTheCSRFToken() async throws {
        let h = try Harness()
        #expect(await h.started())
        #expect(try await h.curl("/").0 == 403)                        // httpd host not entered: nobody
        #expect(h.console.execute("httpd host 127.0.0.1").ok)
        let (status, page) = try await h.curl("/")
        #expect(status == 200 && page.contains("id=\"no-password\""))   // no password: open, and said so
        #expect(try await h.curl("/settings", ["-X", "POST", "-d", "line=mail security use on"]).0 == 403)
        #expect(!h.console.configuration.mailSecurityEnabled)
        let form = try await h.curl("/settings").1
        let csrf = try #require(form.firstMatch(of: /name="csrf" value="([0-9a-f]{64})"/)?.1)
        let (changed, settings) = try await h.curl("/settings", ["-X", "POST", "-d", "csrf=\(csrf)&line=mail+security+use+on"])
        #expect(changed == 200 && settings.contains("mail security use on"))
        #expect(h.console.configuration.mailSecurityEnabled)
        #expect(h.lines.withLockedValue { $0 }.contains("Web console: 127.0.0.1 ran 'mail security use on': OK"))
        #expect(h.console.execute("httpd host 192.0.2.1-192.0.2.63").ok)
        #expect(try await h.curl("/").0 == 403)                        // loopback no longer in the list
        await h.stop()
    }
}

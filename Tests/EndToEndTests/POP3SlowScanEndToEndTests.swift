import Foundation
import Testing
import TestSupport

/// Client comforting end to end (docs/product.md §8, docs/pop3-client-comforting.md): the real yscd
/// answers every scan after 90 seconds, mailsecd keeps its defaults (unavailable policy
/// `reject`, comfort interval 15 s) with a request timeout the scan fits in, and Python's
/// poplib gives up after 60 seconds without a byte. The relay commits to `+OK` at its silence
/// budget and comforts; the client must not time out and must get the right message.
///
/// Its own suite, not serialized: the one long wait runs beside the other suites.
@Suite struct POP3SlowScanEndToEndTests {
    static let latencySeconds = 90

    @Test(.timeLimit(.minutes(6)))
    func aNinetySecondScanDoesNotTimeOutAOneMinuteClientAndTheMessagesAreRight() throws {
        let gtube = POP3RelayEndToEndTests.gtube
        let clean = POP3RelayEndToEndTests.message(subject: "slow clean", body: "nothing to see\r\n.a leading dot")
        let spam = POP3RelayEndToEndTests.message(subject: "slow offer", body: gtube)
        // Two mailboxes, two sessions at once: both waits overlap, the test waits once.
        let dovecot = try DovecotInstance(users: ["alice": "secret", "bob": "secret"])
        _ = try dovecot.deliver(user: "alice", message: clean)
        _ = try dovecot.deliver(user: "bob", message: spam)
        try dovecot.start()
        defer { dovecot.stop() }
        let lab = try SMTPLab(serverPort: dovecot.port, pop3: true)
        defer { lab.stop() }
        try lab.console("ysc request timeout 120")
        try lab.restartScanService(["--inject-latency", "\(Self.latencySeconds * 1000)"])

        let straight = try Self.poplib(port: dovecot.port)
        let started = Date()
        let relayed = try Self.poplib(port: lab.proxyPort)
        let took = Date().timeIntervalSince(started)

        let expected = try #require(straight["alice"]).split(separator: "|").map(String.init)
        let cleanRun = try #require(relayed["alice"], "\(relayed)").split(separator: "|").map(String.init)
        let spamRun = try #require(relayed["bob"], "\(relayed)").split(separator: "|").map(String.init)
        // Clean: status line, content digest identical to the server's own answer.
        #expect(cleanRun[0...2] == expected[0...2], "\(cleanRun) \(expected)")
        // GTUBE: tagged, the octet count corrected by the prefix.
        let straightSpam = try #require(straight["bob"]).split(separator: "|").map(String.init)
        #expect(spamRun[1] == "Subject: [SPAM] slow offer")
        let octets = { (status: String) -> Int? in Int(status.split(separator: " ")[1]) }
        #expect(octets(spamRun[0]) == octets(straightSpam[0]).map { $0 + "[SPAM] ".utf8.count }, "\(spamRun) \(straightSpam)")
        // Each RETR waited for the 90-second scan, longer than the client's 60-second timeout.
        for run in [cleanRun, spamRun] {
            #expect((Double(run[3]) ?? 0) >= Double(Self.latencySeconds), "\(run)")
        }
        #expect(took > Double(Self.latencySeconds))

        let status = try lab.console("show status mail security")
        for row in ["POP3 inspected                2", "POP3 clean                    1", "POP3 spam                     1"] {
            #expect(status.contains(row + "\n"), "\(row) in\n\(status)")
        }
        #expect(!status.contains("POP3 could not scan           1"))
        // The messages were kept (no DELE): both still on the server.
        #expect(dovecot.messages(of: "alice").count == 1 && dovecot.messages(of: "bob").count == 1)
    }

    /// poplib with a 60-second socket timeout, one session per user at once: for each user the
    /// RETR 1 status line, the Subject, a digest of the content and the seconds RETR took.
    static func poplib(port: Int) throws -> [String: String] {
        let run = try runCommand("/usr/bin/python3", ["-c", """
            import hashlib, poplib, threading, time
            results = {}
            def fetch(user):
                try:
                    p = poplib.POP3("127.0.0.1", \(port), timeout=60)
                    p.user(user)
                    p.pass_("secret")
                    began = time.monotonic()
                    resp, lines, octets = p.retr(1)
                    took = time.monotonic() - began
                    subject = next(l for l in lines if l.startswith(b"Subject: ")).decode()
                    digest = hashlib.sha256(b"\\r\\n".join(lines) + b"\\r\\n").hexdigest()
                    p.quit()
                    results[user] = "%s|%s|%s|%.3f" % (resp.decode(), subject, digest, took)
                except Exception as error:
                    results[user] = "error|%r" % (error,)
            threads = [threading.Thread(target=fetch, args=(user,)) for user in ("alice", "bob")]
            for t in threads: t.start()
            for t in threads: t.join()
            for user in sorted(results): print(user + "=" + results[user])
            """], timeout: 300)
        guard run.status == 0 else { throw SMTPLab.LabError.setup("poplib: \(run.stdout)\(run.stderr)") }
        var byUser: [String: String] = [:]
        for line in run.stdout.split(separator: "\n") {
            let parts = line.split(separator: "=", maxSplits: 1).map(String.init)
            if parts.count == 2 { byUser[parts[0]] = parts[1] }
        }
        return byUser
    }
}

import Foundation
import Testing
import TestSupport

/// What the short soak needs: root (namespaces, a tmpfs), ip and nft (the lab and the
/// interception), Debian's python3 (the driver's POP3 and SMTP clients), Postfix and Dovecot.
enum SoakEnvironment {
    static let python = "/usr/bin/python3"
    static var available: Bool {
        let tools: [String] = ["/usr/sbin/ip", "/usr/sbin/nft", python, "/usr/sbin/postconf", "/usr/sbin/dovecot"]
        return getuid() == 0 && tools.allSatisfy { FileManager.default.isExecutableFile(atPath: $0) }
    }
}

/// The fault-injection soak (soak/soak.py, `make soak`) in small: 200 messages through the
/// appliance in the network lab while mailsecd is SIGKILLed, connections are reset mid-DATA, the
/// spool fills up, the scan service freezes and the mail server is killed; then the ledger by
/// Message-ID must show nothing lost, altered or let in, every duplicate explained, no message
/// deleted by POP3 that a client did not receive intact, and nothing left behind by sessions
/// reset at every SMTP and every POP3 state (also with the server's side cut mid-RETR).
@Suite(.serialized, .enabled(if: SoakEnvironment.available, "needs root, ip, nft, /usr/bin/python3, Postfix and Dovecot"))
struct ShortSoakTests {
    @Test(.timeLimit(.minutes(6)))
    func shortSoakLosesNothing() throws {
        let scratch = try TemporaryDirectory(prefix: "mailsec-soak-test")
        let report = scratch.path("report.json")
        let driver = ProductBinary.repositoryRoot().appendingPathComponent("soak/soak.py").path
        let binaries = URL(fileURLWithPath: ProductBinary.path("mailsecd")).deletingLastPathComponent().path
        let soak = try DaemonProcess(SoakEnvironment.python, [
            driver, "--bin", binaries, "--messages", "200", "--rate", "8", "--fault-interval", "3",
            "--faults", "mailsecd-kill,reset-mid-data,spool-full,yscd-freeze,server-kill,yscd-503",
            "--largest", "2500000", "--drain-timeout", "150", "--report", report,
        ], directory: scratch.url)
        // Bounded: on time-out the driver gets SIGTERM, on which it removes everything it made.
        let finished = waitUntil(timeout: 300) { !soak.isRunning }
        if !finished { _ = soak.stop(signal: SIGTERM, timeout: 120) }
        #expect(finished, "the short soak did not finish in 300 s")
        let output = soak.standardOutput + soak.standardError

        let data = try Data(contentsOf: URL(fileURLWithPath: report))
        let result = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any], "\(output)")
        let ledger = try #require(result["ledger"] as? [String: Any], "no ledger: \(output)")
        let tally = ledger["tally"] as? [String: Int] ?? [:]
        #expect(result["drained"] as? Bool == true, "the office queue did not drain: \(output)")
        #expect(tally["delivered", default: 0] + tally["refused_554", default: 0] == 200, "\(tally)")
        for bad in ["lost", "altered", "pop3_altered", "let_in", "refused_unexpected", "refused_other",
                    "pop3_deleted_unreceived"] {
            #expect(tally[bad, default: 0] == 0, "\(bad): \(ledger["problems"] ?? "")")
        }
        #expect(ledger["duplicates_unexplained"] as? Int == 0, "\(ledger["duplicates"] ?? "")")
        // The faults really happened: at least the first four of the schedule.
        let faults = result["faults"] as? [[String: Any]] ?? []
        #expect(faults.count >= 4 && faults.allSatisfy { $0["error"] == nil }, "\(faults)")
        // The office Postfix had to retry (the faults reached it as 4xx or lost connections).
        #expect(tally["office_deferrals", default: 0] > 0)
        // Sessions reset at every SMTP state, and every SIGKILL of mailsecd, left nothing behind.
        let states = result["states"] as? [[String: Any]] ?? []
        #expect(states.count == 8 && states.allSatisfy { $0["ok"] as? Bool == true }, "\(states)")
        // The same for POP3 (through the appliance to Dovecot): greeting, USER, PASS, the listings,
        // RETR held for the scan and RETR being sent (both in a spill file), RETR done, DELE, TOP,
        // QUIT sent, and the server's connection destroyed mid-RETR; the DELE'd message is still on
        // the server, and each state was really reached (the driver checks that before `ok`).
        let pop3States = result["pop3_states"] as? [[String: Any]] ?? []
        #expect(pop3States.map { $0["state"] as? String ?? "" } == [
            "greeting", "user", "pass", "list", "retr-held", "retr-sending", "retr-done", "dele", "top",
            "server-kill", "quit",
        ], "\(pop3States)")
        #expect(pop3States.allSatisfy { $0["ok"] as? Bool == true }, "\(pop3States)")
        let dele = pop3States.first { $0["state"] as? String == "dele" }
        #expect(dele?["deleted_message_kept"] as? Bool == true && dele?["mailbox"] as? String == "unchanged", "\(dele ?? [:])")
        let resources = result["resources"] as? [String: Any] ?? [:]
        let kills = resources["leftovers_after_kill"] as? [[String: Any]] ?? []
        #expect(!kills.isEmpty && kills.allSatisfy { $0["entries"] as? Int == 0 }, "\(kills)")
        let before = result["idle_before"] as? [String: Any] ?? [:]
        let after = result["idle_after"] as? [String: Any] ?? [:]
        #expect((after["fds"] as? Int ?? .max) <= (before["fds"] as? Int ?? 0), "descriptors: \(before) → \(after)")
        #expect(after["spill_fds"] as? Int == 0 && after["spool_entries"] as? Int == 0, "\(after)")
        #expect(result["ok"] as? Bool == true, "\(output)")
        #expect(soak.terminationStatus == 0)
    }
}

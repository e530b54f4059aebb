import Foundation
import Testing
import TestSupport

/// What the end-to-end lab tests check, the same in router and bridge mode: the office PC
/// (lan1) talks to real Postfix and Dovecot (lan2) through the appliance (fw), which nobody
/// configured the clients or servers for. Each scenario sets the appliance up as it needs
/// through the console and puts back what it changed.
enum LabScenarios {
    /// A clean mail arrives byte for byte as when the server's own host delivers it (not
    /// crossing the appliance); the server logged the office PC's address (full transparency).
    static func cleanMailIsUntouchedAndTheServerSeesThePC(_ lab: MailLab) throws {
        let subject = LabMail.subject("clean")
        var body = ""
        for i in 0..<2000 { body += i % 5 == 0 ? ".leading dot \(i)\r\n" : "line \(i) of a clean message\r\n" }
        let message = LabMail.message(subject: subject, body: body)
        let inspected = try lab.counter("SMTP inspected")

        let relayed = try lab.send(message)
        #expect(relayed.accepted, "\(relayed.transcript)")
        let throughAppliance = try #require(lab.delivered(to: "bob", containing: subject))
        let direct = try lab.sendDirect(message)
        #expect(direct.accepted)
        var copies: [String] = []
        #expect(waitUntil { copies = lab.copies(to: "bob", containing: subject); return copies.count == 2 })
        #expect(Set(copies).count == 1, "the copy through the appliance differs from the direct one")
        #expect(throughAppliance.contains("\n.leading dot 0\n"))
        #expect(try lab.counter("SMTP inspected") == inspected + 1)

        let queueID = try #require(relayed.queueID)
        let line = lab.clientLogLine(queueID: queueID)
        #expect(line?.contains("client=unknown[\(MailLab.officePC)]") == true, "\(line ?? lab.maillog)")
    }

    /// docs/product.md §5 for SMTP, setting by setting, changed live through the console.
    static func smtpDecisionTable(_ lab: MailLab) throws {
        defer {
            for command in ["mail security smtp detect illegal mail pass", "no mail security white-list set enable",
                            "no mail security max size", "no mail security smtp size overflow",
                            "ysc url \(MailLab.scanServiceURL)", "no ysc retry", "no ysc connection timeout", "no mail security inactive transfer"] {
                _ = try? lab.console(command)
            }
        }
        // detected, pass: the prefix.
        let spam = LabMail.subject("offer")
        #expect(try lab.send(LabMail.message(subject: spam, body: LabMail.gtube)).accepted)
        #expect(lab.delivered(to: "bob", containing: spam)?.contains("\nSubject: [SPAM] \(spam)\n") == true)
        let virus = LabMail.subject("invoice")
        #expect(try lab.send(LabMail.message(subject: virus, body: LabMail.eicar)).accepted)
        #expect(lab.delivered(to: "bob", containing: virus)?.contains("\nSubject: [VIRUS] \(virus)\n") == true)

        // detected, reject: 554 5.7.1, nothing reaches the server.
        try lab.console("mail security smtp detect illegal mail reject")
        let rejected = LabMail.subject("rejected")
        let reply = try lab.send(LabMail.message(subject: rejected, body: LabMail.eicar))
        #expect(!reply.accepted)
        #expect(reply.transcript.contains("554 5.7.1 "), "\(reply.transcript)")
        #expect(try lab.nothingDelivered(to: "bob", containing: rejected))

        // detected, white-listed sender: the header, no prefix, delivered even under reject.
        try lab.console("mail security white-list pattern 1 from=*@partner.example.net")
        try lab.console("mail security white-list set 1 1")
        try lab.console("mail security white-list set enable 1")
        let partner = LabMail.subject("partner")
        #expect(try lab.send(LabMail.message(subject: partner, body: LabMail.gtube, from: "news@partner.example.net"),
                             from: "news@partner.example.net").accepted)
        let marked = lab.delivered(to: "bob", containing: partner)
        #expect(marked?.hasPrefix("X-Yamaha-Mail-Security: operation=send; result=spam; match=white\n") == true, "\(marked ?? "-")")
        #expect(marked?.contains("\nSubject: \(partner)\n") == true)
        try lab.console("no mail security white-list set enable")

        // detected, transfer: the sender gets the notification, the recipient nothing.
        try lab.console("mail security smtp detect illegal mail transfer")
        let transferred = LabMail.subject("transferred")
        #expect(try lab.send(LabMail.message(subject: transferred, body: LabMail.gtube)).accepted)
        let notice = lab.delivered(to: "alice", containing: transferred)
        #expect(notice?.contains("Content-Type: message/rfc822") == true, "\(notice ?? "-")")
        #expect(try lab.nothingDelivered(to: "bob", containing: transferred))
        try lab.console("mail security smtp detect illegal mail pass")

        // over max size: 552 under reject; relayed unscanned (no prefix) under pass.
        try lab.console("mail security max size 1")
        let line = String(repeating: "y", count: 76) + "\r\n"
        let big = LabMail.gtube + "\r\n" + String(repeating: line, count: 15_000)
        let unscanned = LabMail.subject("big")
        #expect(try lab.send(LabMail.message(subject: unscanned, body: big)).accepted)
        #expect(lab.delivered(to: "bob", containing: unscanned)?.contains("\nSubject: \(unscanned)\n") == true)
        try lab.console("mail security smtp size overflow reject")
        let tooBig = LabMail.subject("too big")
        let refused = try lab.send(LabMail.message(subject: tooBig, body: big))
        #expect(refused.transcript.contains("552 5.3.4 "), "\(refused.transcript)")
        #expect(try lab.nothingDelivered(to: "bob", containing: tooBig))
        try lab.console("no mail security max size")

        // scan service unreachable (the appliance's own cloud-side address, where nothing
        // listens: refused at once): 451 under `inactive transfer reject`, unscanned under pass.
        try lab.console("ysc url https://203.0.113.1:8443/")
        try lab.console("ysc retry 0")
        try lab.console("ysc connection timeout 1")
        try lab.console("mail security inactive transfer reject")
        let later = LabMail.subject("later")
        let tempfail = try lab.send(LabMail.message(subject: later, body: "hello"))
        #expect(tempfail.transcript.contains("451 4.7.1 "), "\(tempfail.transcript)")
        #expect(try lab.nothingDelivered(to: "bob", containing: later))
        try lab.console("mail security inactive transfer pass")
        let passed = LabMail.subject("passed")
        #expect(try lab.send(LabMail.message(subject: passed, body: LabMail.gtube)).accepted)
        #expect(lab.delivered(to: "bob", containing: passed)?.contains("\nSubject: \(passed)\n") == true)
        #expect(lab.syslog.contains("[MAIL_SEC] Reject mail transfer for failure to access YSC"))
        #expect(lab.syslog.contains("[MAIL_SEC] Detect virus mail (EICAR"))
    }

    /// POP3 through the appliance with curl and poplib: a clean message identical to what the
    /// server serves on its own host, spam and virus tagged; the server's copy is untouched.
    static func pop3FetchTagsAndLeavesCleanMailAlone(_ lab: MailLab) throws {
        let clean = LabMail.subject("pop clean")
        let spam = LabMail.subject("pop offer")
        let virus = LabMail.subject("pop invoice")
        // Mail from the internet: delivered by the server's own host, not crossing the appliance.
        for (subject, body) in [(clean, "hello\r\n.dot line\r\n"), (spam, LabMail.gtube), (virus, LabMail.eicar)] {
            #expect(try lab.sendDirect(LabMail.message(subject: subject, body: body, to: "alice@example.com"),
                                       to: "alice@example.com").accepted)
            #expect(lab.delivered(to: "alice", containing: subject) != nil)
        }
        let inspected = try lab.counter("POP3 inspected")
        let subjects = try lab.poplibSubjects("alice")
        #expect(subjects.contains("\(clean)|"), "\(subjects)")
        #expect(subjects.contains("[SPAM] \(spam)|"), "\(subjects)")
        #expect(subjects.contains("[VIRUS] \(virus)|"), "\(subjects)")
        #expect(try lab.counter("POP3 inspected") >= inspected + 3)

        // curl: the clean message through the appliance equals the one fetched on the server's host.
        let listing = try lab.curlPOP3("alice")
        #expect(listing.status == 0, "\(listing.stderr)")
        // CRLF lines: "\r\n" is one Character, so split at any newline, not at "\n".
        let count = listing.stdout.split(whereSeparator: \.isNewline).count
        var cleanNumber: Int?
        for number in 1...max(count, 1) where cleanNumber == nil {
            if try lab.curlPOP3("alice", message: number, on: "lan2", address: "127.0.0.1").stdout.contains(clean) {
                cleanNumber = number
            }
        }
        let number = try #require(cleanNumber, "\(clean) not among \(count) messages: \(listing.stdout)")
        let viaAppliance = try lab.curlPOP3("alice", message: number)
        let onServer = try lab.curlPOP3("alice", message: number, on: "lan2", address: "127.0.0.1")
        #expect(viaAppliance.status == 0 && !viaAppliance.stdout.isEmpty)
        #expect(viaAppliance.stdout == onServer.stdout)
        // The stored copies are what the server had: tagging happens on the way to the client.
        #expect(lab.delivered(to: "alice", containing: spam)?.contains("\nSubject: \(spam)\n") == true)

        // Scan service unreachable under `inactive transfer reject`: -ERR [SYS/TEMP] for each
        // RETR, and every message stays on the server for a later try.
        defer {
            for command in ["ysc url \(MailLab.scanServiceURL)", "no ysc retry", "no ysc connection timeout",
                            "no mail security inactive transfer"] {
                _ = try? lab.console(command)
            }
        }
        try lab.console("ysc url https://203.0.113.1:8443/")
        try lab.console("ysc retry 0")
        try lab.console("ysc connection timeout 1")
        try lab.console("mail security inactive transfer reject")
        let stored = lab.mailbox("alice").messages().count
        let refused = try lab.poplibSubjects("alice")
        #expect(!refused.isEmpty && refused.allSatisfy { $0.hasPrefix("ERR|-ERR [SYS/TEMP]") }, "\(refused)")
        #expect(lab.mailbox("alice").messages().count == stored)
    }

    /// `mail security use off`: the ruleset goes, mail passes untouched and uncounted.
    static func useOffInterceptsNothing(_ lab: MailLab) throws {
        try lab.console("mail security use off")
        defer { _ = try? lab.console("mail security use on") }
        #expect(lab.waitForRuleset { $0.isEmpty }, "the ruleset is still loaded: \(lab.ruleset)")
        let inspected = try lab.counter("SMTP inspected")
        let pop3Inspected = try lab.counter("POP3 inspected")
        let spam = LabMail.subject("off")
        let message = LabMail.message(subject: spam, body: LabMail.gtube)
        #expect(try lab.send(message).accepted)
        let relayed = try #require(lab.delivered(to: "bob", containing: spam))
        #expect(relayed.contains("\nSubject: \(spam)\n"))
        #expect(!relayed.contains("X-Yamaha"))
        // POP3 as well: the spam is fetched as stored.
        #expect(try lab.poplibSubjects("bob").contains("\(spam)|"))
        #expect(try lab.counter("SMTP inspected") == inspected)
        #expect(try lab.counter("POP3 inspected") == pop3Inspected)
        let tables = try lab.run(on: "fw", ["/usr/sbin/nft", "list", "tables"])
        #expect(!tables.stdout.contains("mailsec"), "\(tables.stdout)")

        // And on again: intercepted once more.
        try lab.console("mail security use on")
        #expect(lab.waitForRuleset { $0.contains("tproxy") }, "no ruleset after use on")
        let again = LabMail.subject("on again")
        #expect(try lab.send(LabMail.message(subject: again, body: LabMail.gtube)).accepted)
        #expect(lab.delivered(to: "bob", containing: again)?.contains("\nSubject: [SPAM] \(again)\n") == true)
    }

    /// Two PCs on the LAN1 side talk SMTP to each other: the appliance leaves them alone,
    /// behind the office switch, and also when every frame reaches it — the switch made a hub
    /// (`ageing_time 0`: no address learning, every frame flooded), as a switch does for a
    /// destination it has not learnt yet or no longer knows.
    static func trafficWithinLAN1IsNotIntercepted(_ lab: MailLab) throws {
        try expectLAN1Direct(lab)

        let hub = try lab.run(on: "sw1", [MailLab.ip, "link", "set", "sw", "type", "bridge", "ageing_time", "0"])
        #expect(hub.status == 0, "\(hub.stderr)")
        // 30000 centiseconds: the kernel's default of 300 s.
        defer { _ = try? lab.run(on: "sw1", [MailLab.ip, "link", "set", "sw", "type", "bridge", "ageing_time", "30000"]) }
        // In bridge mode the flooded frames reach a bridge port; the ruleset lifts only frames
        // whose destination is not known to sit behind the port they came in on.
        try expectLAN1Direct(lab)
    }

    /// The office PC connects to the second PC's port 25 and gets that PC's own answer.
    private static func expectLAN1Direct(_ lab: MailLab) throws {
        let probe = ProductBinary.repositoryRoot().appendingPathComponent("firmware/lab/probe.py").path
        let scratch = try TemporaryDirectory(prefix: "mailsec-lab-probe")
        let server = try DaemonProcess(MailLab.ip, ["netns", "exec", lab.prefix + "lan1b", "/usr/bin/python3", probe,
                                                    "server", "25", "1"], directory: scratch.url)
        defer { server.stop(signal: SIGKILL) }
        try #require(waitUntil { server.standardOutput.contains("ready") }, "probe: \(server.standardError)")
        let connect = try lab.run(on: "lan1", ["/usr/bin/python3", probe, "connect", MailLab.secondPC, "25"], timeout: 30)
        #expect(connect.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "server \(MailLab.officePC)",
                "\(connect.stdout)\(connect.stderr)")
    }

    /// `mail security port smtp 25 587` takes effect in the running daemon: 587 is intercepted
    /// afterwards, and was not before.
    static func aPortChangeTakesEffectWithoutRestart(_ lab: MailLab) throws {
        let pid = lab.daemonPID
        let before = LabMail.subject("587 before")
        #expect(try lab.send(LabMail.message(subject: before, body: LabMail.gtube), port: 587).accepted)
        #expect(lab.delivered(to: "bob", containing: before)?.contains("\nSubject: \(before)\n") == true)

        try lab.console("mail security port smtp 25 587")
        defer {
            _ = try? lab.console("mail security port smtp 25")
            _ = lab.waitForRuleset { !$0.contains("587") }
        }
        #expect(lab.waitForRuleset { $0.contains("587") }, "587 not in the ruleset: \(lab.ruleset)")
        let after = LabMail.subject("587 after")
        let result = try lab.send(LabMail.message(subject: after, body: LabMail.gtube), port: 587)
        #expect(result.accepted, "\(result.transcript)")
        #expect(lab.delivered(to: "bob", containing: after)?.contains("\nSubject: [SPAM] \(after)\n") == true)
        if let queueID = result.queueID {
            #expect(lab.clientLogLine(queueID: queueID)?.contains("client=unknown[\(MailLab.officePC)]") == true)
        }
        #expect(lab.daemonPID == pid)
    }
}

@Suite(.serialized, .enabled(if: MailLab.canRun, "needs root, ip, nft, curl, python3, openssl, Postfix, Dovecot, swaks"),
       .mailLab(.router))
struct LabRouterEndToEndTests {
    @Test func cleanMailIsUntouchedAndTheServerSeesThePC() throws { try LabScenarios.cleanMailIsUntouchedAndTheServerSeesThePC(MailLab.suite) }
    @Test func smtpDecisionTable() throws { try LabScenarios.smtpDecisionTable(MailLab.suite) }
    @Test func pop3FetchTagsAndLeavesCleanMailAlone() throws { try LabScenarios.pop3FetchTagsAndLeavesCleanMailAlone(MailLab.suite) }
    @Test func useOffInterceptsNothing() throws { try LabScenarios.useOffInterceptsNothing(MailLab.suite) }
    @Test func trafficWithinLAN1IsNotIntercepted() throws { try LabScenarios.trafficWithinLAN1IsNotIntercepted(MailLab.suite) }
    @Test func aPortChangeTakesEffectWithoutRestart() throws { try LabScenarios.aPortChangeTakesEffectWithoutRestart(MailLab.suite) }
    @Test func cleanMailOverIPv6() throws { try LabIPv6Scenarios.cleanMailOverIPv6IsUntouchedAndTheServerSeesThePC(MailLab.suite) }
    @Test func sameVerdictsAndCountersOverIPv4AndIPv6() throws { try LabIPv6Scenarios.sameVerdictsAndCountersOverBothFamilies(MailLab.suite) }
    @Test func cleanPOP3OverIPv6() throws { try LabIPv6Scenarios.cleanPOP3OverIPv6IsUntouched(MailLab.suite) }
    @Test func scanServiceOverIPv6() throws { try LabIPv6Scenarios.scanServiceOverIPv6(MailLab.suite) }
    @Test func implicitTLSSubmissionIsInspected() throws { try LabTLSScenarios.implicitTLSSubmissionIsInspected(MailLab.suite) }
    @Test func implicitTLSRetrievalIsInspected() throws { try LabTLSScenarios.implicitTLSRetrievalIsInspected(MailLab.suite) }
    @Test func implicitTLSOverIPv6() throws { try LabTLSScenarios.implicitTLSOverIPv6(MailLab.suite) }
    @Test func blockAndPassOnTheImplicitTLSPorts() throws { try LabTLSScenarios.blockAndPassOnTheImplicitTLSPorts(MailLab.suite) }
    @Test func implicitTLSPortsFollowTheConsole() throws { try LabTLSScenarios.implicitTLSPortsFollowTheConsole(MailLab.suite) }
    @Test func passRelaysAHelloThatCameBeforeTheServer() throws { try LabTLSScenarios.passRelaysAHelloThatCameBeforeTheServer(MailLab.suite) }
    @Test func anExemptNameMatchesTheClientsSNI() throws { try LabTLSScenarios.anExemptNameMatchesTheClientsSNI(MailLab.suite) }
}

@Suite(.serialized, .enabled(if: MailLab.canRun, "needs root, ip, nft, curl, python3, openssl, Postfix, Dovecot, swaks"),
       .mailLab(.bridge))
struct LabBridgeEndToEndTests {
    @Test func cleanMailIsUntouchedAndTheServerSeesThePC() throws { try LabScenarios.cleanMailIsUntouchedAndTheServerSeesThePC(MailLab.suite) }
    @Test func smtpDecisionTable() throws { try LabScenarios.smtpDecisionTable(MailLab.suite) }
    @Test func pop3FetchTagsAndLeavesCleanMailAlone() throws { try LabScenarios.pop3FetchTagsAndLeavesCleanMailAlone(MailLab.suite) }
    @Test func useOffInterceptsNothing() throws { try LabScenarios.useOffInterceptsNothing(MailLab.suite) }
    @Test func trafficWithinLAN1IsNotIntercepted() throws { try LabScenarios.trafficWithinLAN1IsNotIntercepted(MailLab.suite) }
    @Test func aPortChangeTakesEffectWithoutRestart() throws { try LabScenarios.aPortChangeTakesEffectWithoutRestart(MailLab.suite) }
    @Test func cleanMailOverIPv6() throws { try LabIPv6Scenarios.cleanMailOverIPv6IsUntouchedAndTheServerSeesThePC(MailLab.suite) }
    @Test func sameVerdictsAndCountersOverIPv4AndIPv6() throws { try LabIPv6Scenarios.sameVerdictsAndCountersOverBothFamilies(MailLab.suite) }
    @Test func cleanPOP3OverIPv6() throws { try LabIPv6Scenarios.cleanPOP3OverIPv6IsUntouched(MailLab.suite) }
    @Test func scanServiceOverIPv6() throws { try LabIPv6Scenarios.scanServiceOverIPv6(MailLab.suite) }
    @Test func implicitTLSSubmissionIsInspected() throws { try LabTLSScenarios.implicitTLSSubmissionIsInspected(MailLab.suite) }
    @Test func implicitTLSRetrievalIsInspected() throws { try LabTLSScenarios.implicitTLSRetrievalIsInspected(MailLab.suite) }
    @Test func implicitTLSOverIPv6() throws { try LabTLSScenarios.implicitTLSOverIPv6(MailLab.suite) }
    @Test func blockAndPassOnTheImplicitTLSPorts() throws { try LabTLSScenarios.blockAndPassOnTheImplicitTLSPorts(MailLab.suite) }
    @Test func implicitTLSPortsFollowTheConsole() throws { try LabTLSScenarios.implicitTLSPortsFollowTheConsole(MailLab.suite) }
    @Test func passRelaysAHelloThatCameBeforeTheServer() throws { try LabTLSScenarios.passRelaysAHelloThatCameBeforeTheServer(MailLab.suite) }
    @Test func anExemptNameMatchesTheClientsSNI() throws { try LabTLSScenarios.anExemptNameMatchesTheClientsSNI(MailLab.suite) }
}

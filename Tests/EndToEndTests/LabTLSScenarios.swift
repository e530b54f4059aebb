import Foundation
import Testing
import TestSupport

/// Implicit TLS (RFC 8314: SMTP on 465, POP3 on 995) crossing the appliance, in router and
/// bridge mode (docs/tls.md, docs/interception.md): real swaks, curl and poplib on the office PC
/// verify the certificate they are shown, against the lab's Postfix and Dovecot speaking TLS from
/// the first byte (firmware/lab/services.sh). Run by the suites in `LabScenarios.swift`; each
/// scenario puts back what it changed.
enum LabTLSScenarios {
    /// `inspect` (the default): the client accepts the certificate signed by the site CA, the
    /// mail inside is scanned as in plaintext, a clean message arrives byte for byte as when the
    /// server's own host delivers it, and the server logs the office PC's own address and a TLS
    /// handshake of its own with it.
    static func implicitTLSSubmissionIsInspected(_ lab: MailLab) throws {
        let inspected = try lab.counter("SMTP TLS inspected")
        let subject = LabMail.subject("tls clean")
        var body = ""
        for i in 0..<500 { body += i % 7 == 0 ? ".leading dot \(i)\r\n" : "line \(i) of a clean message over TLS\r\n" }
        let message = LabMail.message(subject: subject, body: body)
        let relayed = try lab.sendImplicitTLS(message, trusting: lab.siteCA)
        #expect(relayed.accepted, "\(relayed.transcript)\(relayed.standardError)")
        #expect(lab.delivered(to: "bob", containing: subject) != nil)
        #expect(try lab.sendDirect(message).accepted)
        var copies: [String] = []
        #expect(waitUntil { copies = lab.copies(to: "bob", containing: subject); return copies.count == 2 })
        #expect(Set(copies).count == 1, "the copy through the appliance differs from the direct one")
        let queueID = try #require(relayed.queueID, "\(relayed.transcript)")
        let line = lab.clientLogLine(queueID: queueID)
        #expect(line?.contains("client=unknown[\(MailLab.officePC)]") == true, "\(line ?? lab.maillog)")
        #expect(lab.maillog.contains("TLS connection established from unknown[\(MailLab.officePC)]"), "\(lab.maillog)")

        // With SNI: the upstream's certificate is checked against the name, and GTUBE is tagged.
        let spam = LabMail.subject("tls offer")
        let sentSpam = try lab.sendImplicitTLS(LabMail.message(subject: spam, body: LabMail.gtube),
                                               trusting: lab.siteCA, sni: "mail.example.com")
        #expect(sentSpam.accepted, "\(sentSpam.transcript)\(sentSpam.standardError)")
        #expect(lab.delivered(to: "bob", containing: spam)?.contains("\nSubject: [SPAM] \(spam)\n") == true)
        #expect(try lab.counter("SMTP TLS inspected") == inspected + 2)
    }

    /// POP3 on 995 through the appliance: curl (`pop3s://`) and poplib (`POP3_SSL`) verify the
    /// site CA; spam is tagged, a clean message is what the server serves on its own host.
    static func implicitTLSRetrievalIsInspected(_ lab: MailLab) throws {
        let clean = LabMail.subject("pop3s clean")
        let spam = LabMail.subject("pop3s offer")
        for (subject, body) in [(clean, "hello\r\n.dot line\r\n"), (spam, LabMail.gtube)] {
            #expect(try lab.sendDirect(LabMail.message(subject: subject, body: body, to: "alice@example.com"),
                                       to: "alice@example.com").accepted)
            #expect(lab.delivered(to: "alice", containing: subject) != nil)
        }
        let cleanNumber = try #require(try messageNumber(lab, "alice", containing: clean))
        let spamNumber = try #require(try messageNumber(lab, "alice", containing: spam))
        let inspected = try lab.counter("POP3 TLS inspected")

        let viaAppliance = try lab.curlPOP3("alice", message: cleanNumber, implicitTLS: lab.siteCA)
        let onServer = try lab.curlPOP3("alice", message: cleanNumber, on: "lan2", address: "127.0.0.1")
        #expect(viaAppliance.status == 0 && viaAppliance.stdout.contains(clean), "\(viaAppliance.stderr)")
        #expect(viaAppliance.stdout == onServer.stdout)
        let tagged = try lab.curlPOP3("alice", message: spamNumber, implicitTLS: lab.siteCA)
        #expect(tagged.status == 0, "\(tagged.stderr)")
        #expect(tagged.stdout.contains("Subject: [SPAM] \(spam)"), "\(tagged.stdout)")

        let subjects = try lab.poplibSubjects("alice", implicitTLS: lab.siteCA)
        #expect(subjects.contains("[SPAM] \(spam)|"), "\(subjects)")
        #expect(subjects.contains("\(clean)|"), "\(subjects)")
        // Three sessions, each secured on both halves.
        #expect(try lab.counter("POP3 TLS inspected") == inspected + 3)
        // The stored copy is the server's: tagging happens on the way to the client.
        #expect(lab.delivered(to: "alice", containing: spam)?.contains("\nSubject: \(spam)\n") == true)
    }

    /// Over IPv6 the same: swaks on 465 and poplib on 995, the server logging the PC's IPv6 address.
    static func implicitTLSOverIPv6(_ lab: MailLab) throws {
        let smtp = try lab.counter("SMTP TLS inspected")
        let spam = LabMail.subject("tls offer6")
        let sent = try lab.sendImplicitTLS(LabMail.message(subject: spam, body: LabMail.gtube),
                                           address: "[\(lab.server6)]", trusting: lab.siteCA)
        #expect(sent.accepted, "\(sent.transcript)\(sent.standardError)")
        #expect(lab.delivered(to: "bob", containing: spam)?.contains("\nSubject: [SPAM] \(spam)\n") == true)
        let queueID = try #require(sent.queueID, "\(sent.transcript)")
        let line = lab.clientLogLine(queueID: queueID)
        #expect(line?.contains("client=unknown[\(MailLab.officePC6)]") == true, "\(line ?? lab.maillog)")
        #expect(try lab.counter("SMTP TLS inspected") == smtp + 1)

        let pop3 = try lab.counter("POP3 TLS inspected")
        let popSpam = LabMail.subject("pop3s offer6")
        #expect(try lab.sendDirect(LabMail.message(subject: popSpam, body: LabMail.gtube, to: "alice@example.com"),
                                   to: "alice@example.com").accepted)
        #expect(lab.delivered(to: "alice", containing: popSpam) != nil)
        let subjects = try lab.poplibSubjects("alice", address: lab.server6, implicitTLS: lab.siteCA)
        #expect(subjects.contains("[SPAM] \(popSpam)|"), "\(subjects)")
        #expect(try lab.counter("POP3 TLS inspected") == pop3 + 1)
    }

    /// `block` closes connections to the implicit-TLS ports (counted); `pass` relays the
    /// encrypted session untouched: the client verifies the server's own certificate (the lab's
    /// CA, not the site CA), the mail arrives unscanned, and the session is counted as passed.
    static func blockAndPassOnTheImplicitTLSPorts(_ lab: MailLab) throws {
        defer {
            _ = try? lab.console("mail security tls smtp inspect")
            _ = try? lab.console("mail security tls pop inspect")
        }
        try lab.console("mail security tls smtp block")
        let blocked = try lab.counter("SMTP TLS blocked")
        let refusedSubject = LabMail.subject("tls blocked")
        let refused = try lab.sendImplicitTLS(LabMail.message(subject: refusedSubject, body: "blocked"), trusting: lab.siteCA)
        #expect(!refused.accepted, "\(refused.transcript)")
        #expect(try lab.counter("SMTP TLS blocked") == blocked + 1)
        #expect(try lab.nothingDelivered(to: "bob", containing: refusedSubject))

        try lab.console("mail security tls smtp pass")
        let passed = try lab.counter("SMTP TLS passed")
        let spam = LabMail.subject("tls passed")
        let sent = try lab.sendImplicitTLS(LabMail.message(subject: spam, body: LabMail.gtube), trusting: lab.serverCA)
        #expect(sent.accepted, "\(sent.transcript)\(sent.standardError)")
        #expect(lab.delivered(to: "bob", containing: spam)?.contains("\nSubject: \(spam)\n") == true)
        #expect(try lab.counter("SMTP TLS passed") == passed + 1)
        if let queueID = sent.queueID {
            #expect(lab.clientLogLine(queueID: queueID)?.contains("client=unknown[\(MailLab.officePC)]") == true)
        }

        try lab.console("mail security tls pop block")
        let popBlocked = try lab.counter("POP3 TLS blocked")
        #expect(throws: (any Error).self) { try lab.poplibSubjects("alice", implicitTLS: lab.siteCA) }
        #expect(try lab.counter("POP3 TLS blocked") == popBlocked + 1)

        try lab.console("mail security tls pop pass")
        let popPassed = try lab.counter("POP3 TLS passed")
        let popSpam = LabMail.subject("pop3s passed")
        #expect(try lab.sendDirect(LabMail.message(subject: popSpam, body: LabMail.gtube, to: "alice@example.com"),
                                   to: "alice@example.com").accepted)
        #expect(lab.delivered(to: "alice", containing: popSpam) != nil)
        let subjects = try lab.poplibSubjects("alice", implicitTLS: lab.serverCA)
        #expect(subjects.contains("\(popSpam)|"), "untagged: \(subjects)")
        #expect(try lab.counter("POP3 TLS passed") == popPassed + 1)
    }

    /// Under `pass` the client's hello is relayed even when it comes before the connection to
    /// the server is up: the server's first SYN is lost here (its namespace drops every other
    /// SYN to 465), so that connection is made about a second after the client's hello came.
    static func passRelaysAHelloThatCameBeforeTheServer(_ lab: MailLab) throws {
        let rules = "table inet mailsec_lab_slow {\n"
            + "  chain input {\n"
            + "    type filter hook input priority 0; policy accept;\n"
            + "    tcp dport 465 tcp flags & (syn | ack) == syn numgen inc mod 2 == 0 drop\n"
            + "  }\n"
            + "}\n"
        let loaded = try lab.run(on: "lan2", ["/usr/sbin/nft", "-f", "-"], input: rules)
        try #require(loaded.status == 0, "\(loaded.stderr)")
        try lab.console("mail security tls smtp pass")
        defer {
            _ = try? lab.console("mail security tls smtp inspect")
            _ = try? lab.run(on: "lan2", ["/usr/sbin/nft", "delete", "table", "inet", "mailsec_lab_slow"])
        }
        let passed = try lab.counter("SMTP TLS passed")
        let subject = LabMail.subject("tls slow server")
        let sent = try lab.sendImplicitTLS(LabMail.message(subject: subject, body: "hello"), trusting: lab.serverCA)
        #expect(sent.accepted, "\(sent.transcript)\(sent.standardError)")
        #expect(lab.delivered(to: "bob", containing: subject) != nil)
        #expect(try lab.counter("SMTP TLS passed") == passed + 1)
    }

    /// The exempt list by name: a client whose hello names an exempt server (SNI) is relayed
    /// untouched (it verifies the server's own certificate, the mail arrives unscanned) and
    /// counted exempt; one whose hello names no server is inspected as before.
    static func anExemptNameMatchesTheClientsSNI(_ lab: MailLab) throws {
        try lab.console("mail security tls exempt mail.example.com")
        defer { _ = try? lab.console("no mail security tls exempt") }
        let exempt = try lab.counter("SMTP TLS exempt")
        let inspected = try lab.counter("SMTP TLS inspected")
        let named = LabMail.subject("tls exempt by name")
        let sent = try lab.sendImplicitTLS(LabMail.message(subject: named, body: LabMail.gtube),
                                           trusting: lab.serverCA, sni: "mail.example.com")
        #expect(sent.accepted, "\(sent.transcript)\(sent.standardError)")
        #expect(lab.delivered(to: "bob", containing: named)?.contains("\nSubject: \(named)\n") == true)
        #expect(try lab.counter("SMTP TLS exempt") == exempt + 1)

        let unnamed = LabMail.subject("tls no name")
        let inspectedSend = try lab.sendImplicitTLS(LabMail.message(subject: unnamed, body: LabMail.gtube), trusting: lab.siteCA)
        #expect(inspectedSend.accepted, "\(inspectedSend.transcript)\(inspectedSend.standardError)")
        #expect(lab.delivered(to: "bob", containing: unnamed)?.contains("\nSubject: [SPAM] \(unnamed)\n") == true)
        #expect(try lab.counter("SMTP TLS inspected") == inspected + 1)

        // POP3: curl names the server (SNI mail.example.com) and sees its own certificate.
        let popExempt = try lab.counter("POP3 TLS exempt")
        let target = lab.server
        let listing = try lab.run(on: "lan1", ["/usr/bin/curl", "-sS", "--max-time", "60", "-u", "alice:secret",
                                               "--cacert", lab.serverCA, "--resolve", "mail.example.com:995:\(target)",
                                               "pop3s://mail.example.com/"])
        #expect(listing.status == 0, "\(listing.stderr)")
        #expect(try lab.counter("POP3 TLS exempt") == popExempt + 1)
    }

    /// `port tls smtp` changes the running rules; `use off` removes the implicit-TLS rules with
    /// the others (the client then reaches the server's own certificate, nothing is counted),
    /// and `use on` brings them back.
    static func implicitTLSPortsFollowTheConsole(_ lab: MailLab) throws {
        #expect(lab.waitForRuleset { $0.contains("tproxy to :10465") && $0.contains("tproxy to :10995") }, "\(lab.ruleset)")
        try lab.console("mail security port tls smtp 465 2465")
        #expect(lab.waitForRuleset { $0.contains("2465") }, "2465 not in the ruleset: \(lab.ruleset)")
        try lab.console("mail security port tls smtp 465")
        #expect(lab.waitForRuleset { !$0.contains("2465") && $0.contains("tproxy to :10465") }, "\(lab.ruleset)")

        try lab.console("mail security use off")
        defer { _ = try? lab.console("mail security use on") }
        #expect(lab.waitForRuleset { $0.isEmpty }, "the ruleset is still loaded: \(lab.ruleset)")
        let rows = ["SMTP TLS inspected", "SMTP TLS passed", "SMTP TLS blocked"]
        let before = try rows.map(lab.counter)
        let spam = LabMail.subject("tls off")
        let sent = try lab.sendImplicitTLS(LabMail.message(subject: spam, body: LabMail.gtube), trusting: lab.serverCA)
        #expect(sent.accepted, "\(sent.transcript)\(sent.standardError)")
        #expect(lab.delivered(to: "bob", containing: spam)?.contains("\nSubject: \(spam)\n") == true)
        #expect(try rows.map(lab.counter) == before)

        try lab.console("mail security use on")
        #expect(lab.waitForRuleset { $0.contains("tproxy to :10465") }, "no ruleset after use on")
        let again = LabMail.subject("tls on again")
        let inspected = try lab.sendImplicitTLS(LabMail.message(subject: again, body: LabMail.gtube), trusting: lab.siteCA)
        #expect(inspected.accepted, "\(inspected.transcript)\(inspected.standardError)")
        #expect(lab.delivered(to: "bob", containing: again)?.contains("\nSubject: [SPAM] \(again)\n") == true)
    }

    /// The number of `user`'s message holding `token`, asked of the server on its own host.
    private static func messageNumber(_ lab: MailLab, _ user: String, containing token: String) throws -> Int? {
        let count = try lab.curlPOP3(user, on: "lan2", address: "127.0.0.1").stdout.split(whereSeparator: \.isNewline).count
        for number in 1...max(count, 1) {
            if try lab.curlPOP3(user, message: number, on: "lan2", address: "127.0.0.1").stdout.contains(token) { return number }
        }
        return nil
    }
}

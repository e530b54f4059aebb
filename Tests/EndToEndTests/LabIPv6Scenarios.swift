import Foundation
import Testing
import TestSupport

/// The lab's scenarios over IPv6 (the lab is dual stack): the same mail gets the same
/// verdicts, actions and counters over IPv4 and IPv6, and the server sees the PC's own IPv6
/// address. Run in router and bridge mode by the suites in `LabScenarios.swift`.
enum LabIPv6Scenarios {
    /// A clean mail over IPv6 arrives byte for byte as when the server's own host delivers it;
    /// Postfix logged the office PC's IPv6 address (full transparency).
    static func cleanMailOverIPv6IsUntouchedAndTheServerSeesThePC(_ lab: MailLab) throws {
        let subject = LabMail.subject("clean6")
        var body = ""
        for i in 0..<500 { body += i % 7 == 0 ? ".dot \(i)\r\n" : "line \(i) over IPv6\r\n" }
        let message = LabMail.message(subject: subject, body: body)
        let inspected = try lab.counter("SMTP inspected")
        let relayed = try lab.send(message, address: "[\(lab.server6)]")
        #expect(relayed.accepted, "\(relayed.transcript)")
        #expect(relayed.transcript.contains("Connected to \(lab.server6)"), "\(relayed.transcript)")
        #expect(lab.delivered(to: "bob", containing: subject) != nil)
        #expect(try lab.sendDirect(message).accepted)
        var copies: [String] = []
        #expect(waitUntil { copies = lab.copies(to: "bob", containing: subject); return copies.count == 2 })
        #expect(Set(copies).count == 1, "the copy through the appliance differs from the direct one")
        #expect(try lab.counter("SMTP inspected") == inspected + 1)
        let queueID = try #require(relayed.queueID)
        let line = lab.clientLogLine(queueID: queueID)
        #expect(line?.contains("client=unknown[\(MailLab.officePC6)]") == true, "\(line ?? lab.maillog)")
    }

    /// GTUBE tagged under `pass`, EICAR refused under `reject`, and POP3 retrievals tagged:
    /// once over IPv4, once over IPv6, with the same outcome and the same counter movements.
    static func sameVerdictsAndCountersOverBothFamilies(_ lab: MailLab) throws {
        defer { _ = try? lab.console("mail security smtp detect illegal mail pass") }
        var movements: [[String: Int]] = []
        for (family, address, pop3Address) in [("v4", lab.server, lab.server), ("v6", "[\(lab.server6)]", lab.server6)] {
            let before = try lab.counters()
            try lab.console("mail security smtp detect illegal mail pass")
            let spam = LabMail.subject("offer \(family)")
            #expect(try lab.send(LabMail.message(subject: spam, body: LabMail.gtube), address: address).accepted)
            #expect(lab.delivered(to: "bob", containing: spam)?.contains("\nSubject: [SPAM] \(spam)\n") == true, "\(family)")

            try lab.console("mail security smtp detect illegal mail reject")
            let virus = LabMail.subject("invoice \(family)")
            let refused = try lab.send(LabMail.message(subject: virus, body: LabMail.eicar), address: address)
            #expect(!refused.accepted)
            #expect(refused.transcript.contains("554 5.7.1 "), "\(family): \(refused.transcript)")
            #expect(try lab.nothingDelivered(to: "bob", containing: virus))

            // POP3: a spam and a virus stored by the server's own host in an emptied mailbox
            // (so both runs retrieve the same two messages), fetched through the box.
            for url in lab.mailbox("alice").messages() { try? FileManager.default.removeItem(at: url) }
            let popSpam = LabMail.subject("pop offer \(family)")
            let popVirus = LabMail.subject("pop invoice \(family)")
            for (subject, body) in [(popSpam, LabMail.gtube), (popVirus, LabMail.eicar)] {
                #expect(try lab.sendDirect(LabMail.message(subject: subject, body: body, to: "alice@example.com"),
                                           to: "alice@example.com").accepted)
                #expect(lab.delivered(to: "alice", containing: subject) != nil)
            }
            let subjects = try lab.poplibSubjects("alice", address: pop3Address)
            #expect(subjects.contains("[SPAM] \(popSpam)|"), "\(family): \(subjects)")
            #expect(subjects.contains("[VIRUS] \(popVirus)|"), "\(family): \(subjects)")
            #expect(subjects.count == 2, "\(family): \(subjects)")
            // The counters move when the session ends, just after the client saw its last reply.
            var moved: [String: Int] = [:]
            _ = waitUntil(timeout: 5) {
                let after = (try? lab.counters()) ?? [:]
                moved = after.reduce(into: [:]) { $0[$1.key] = $1.value - (before[$1.key] ?? 0) }
                return moved["POP3 inspected"] == 2
            }
            movements.append(moved)
        }
        #expect(movements.count == 2 && movements[0] == movements[1], "IPv4 \(movements.first ?? [:]) IPv6 \(movements.last ?? [:])")
        #expect(movements.first?["SMTP inspected"] == 2)
        #expect(movements.first?["POP3 inspected"] == 2)
    }

    /// curl over IPv6: a clean message fetched through the appliance equals the server's own.
    static func cleanPOP3OverIPv6IsUntouched(_ lab: MailLab) throws {
        let clean = LabMail.subject("pop clean6")
        #expect(try lab.sendDirect(LabMail.message(subject: clean, body: "hello\r\n.dot line\r\n")).accepted)
        #expect(lab.delivered(to: "bob", containing: clean) != nil)
        let count = try lab.curlPOP3("bob", on: "lan2", address: "127.0.0.1").stdout.split(whereSeparator: \.isNewline).count
        var cleanNumber: Int?
        for number in 1...max(count, 1) where cleanNumber == nil {
            if try lab.curlPOP3("bob", message: number, on: "lan2", address: "127.0.0.1").stdout.contains(clean) {
                cleanNumber = number
            }
        }
        let number = try #require(cleanNumber)
        let inspected = try lab.counter("POP3 inspected")
        let viaAppliance = try lab.curlPOP3("bob", message: number, address: lab.server6)
        let onServer = try lab.curlPOP3("bob", message: number, on: "lan2", address: "127.0.0.1")
        #expect(viaAppliance.status == 0 && viaAppliance.stdout.contains(clean), "\(viaAppliance.stderr)")
        #expect(viaAppliance.stdout == onServer.stdout)
        #expect(waitUntil(timeout: 5) { ((try? lab.counter("POP3 inspected")) ?? 0) > inspected })
    }

    /// The scan service reached over IPv6 (`ysc url https://[2001:db8:3::10]:8443/`): the
    /// certificate names the address, the verdicts are the same, `show status ysc` names it.
    static func scanServiceOverIPv6(_ lab: MailLab) throws {
        try lab.console("ysc url https://[2001:db8:3::10]:8443/")
        defer { _ = try? lab.console("ysc url \(MailLab.scanServiceURL)") }
        let spam = LabMail.subject("offer via v6 ysc")
        let sent = try lab.send(LabMail.message(subject: spam, body: LabMail.gtube), address: "[\(lab.server6)]")
        #expect(sent.accepted, "\(sent.transcript)")
        #expect(lab.delivered(to: "bob", containing: spam)?.contains("\nSubject: [SPAM] \(spam)\n") == true, "\(lab.syslog)")
        let status = try lab.console("show status ysc")
        #expect(status.contains("2001:db8:3::10"), "\(status)")
    }
}

import Foundation
import Testing
import TestSupport

/// The POP3 path on a mailbox prepared from the shared corpus (copies kept in
/// Tests/MessageInspectionTests/Fixtures, provenance in its README) plus a GTUBE and an EICAR
/// message: through the appliance, every corpus message arrives exactly as Dovecot serves it
/// directly, and the two test messages arrive tagged.
@Suite struct POP3CorpusEndToEndTests {
    /// Clean corpus messages of several kinds: plain, UTF-8 and ISO-2022-JP headers, obsolete
    /// syntax, MIME with a broken boundary.
    static let corpus = ["mailgem__basic_email.eml", "mailgem__utf8_headers.eml", "mailgem__japanese_iso_2022.eml",
                         "mime4j__obsolete.msg", "mime4j__missing-boundary.msg", "mimekit__japanese.txt"]

    @Test func corpusMailboxArrivesAsServedAndTestMessagesTagged() throws {
        let fixtures = ProductBinary.repositoryRoot().appendingPathComponent("Tests/MessageInspectionTests/Fixtures")
        var messages = try Self.corpus.map { try Data(contentsOf: fixtures.appendingPathComponent($0)) }
        messages.append(POP3RelayEndToEndTests.message(subject: "offer", body: POP3RelayEndToEndTests.gtube))
        messages.append(POP3RelayEndToEndTests.message(subject: "virus", body: POP3RelayEndToEndTests.eicar))
        let dovecot = try POP3RelayEndToEndTests.dovecot(messages)
        defer { dovecot.stop() }
        let lab = try SMTPLab(serverPort: dovecot.port, pop3: true)
        defer { lab.stop() }

        let straight = try POP3Client.fetchAll(port: dovecot.port, user: "alice", password: "secret")
        let relayed = try POP3Client.fetchAll(port: lab.proxyPort, user: "alice", password: "secret")
        try #require(straight.count == messages.count && relayed.count == messages.count)
        // Dovecot's order is its own (Maildir file names), the same in both sessions.
        var tagged: [String] = []
        for (direct, through) in zip(straight, relayed) {
            let served = String(decoding: direct.message, as: UTF8.self)
            if served.contains(POP3RelayEndToEndTests.gtube) || served.contains(POP3RelayEndToEndTests.eicar) {
                let text = String(decoding: through.message, as: UTF8.self)
                tagged += text.components(separatedBy: "\r\n").filter { $0.hasPrefix("Subject: ") }
            } else {
                #expect(through.wire == direct.wire, "a corpus message changed on its way: \(served.prefix(200))")
            }
        }
        #expect(tagged.sorted() == ["Subject: [SPAM] offer", "Subject: [VIRUS] virus"])
    }
}

import Foundation
import Testing
import ScanEngines
import ScanProtocol

@Suite struct LicenseBookTests {
    let today = LicenseDate("2026-11-25")!

    @Test func withoutAFileEverySerialIsActiveForAYear() {
        let (status, reply) = LicenseBook.grantAll.activate(LicenseActivationRequest(serial: "anything", product: "mail-security"), today: today)
        #expect(status == 200)
        #expect(reply == LicenseActivationReply(product: "mail-security", state: .active, expires: "2027-11-25"))
    }

    @Test func aFileGrantsOnlyItsSerials() throws {
        let book = try LicenseBook(parsing: """
            # serial   product        expires
            GOOD-1     mail-security  2027-01-31   # a comment
            OLD-1\tmail-security\t2026-11-24
            EDGE-1     mail-security  2026-11-25

            OTHER-1    web-filter     2030-01-01
            """.replacingOccurrences(of: "\n", with: "\r\n"))  // CRLF files work too
        func ask(_ serial: String, _ product: String = "mail-security") -> (Int, LicenseActivationReply) {
            let result = book.activate(LicenseActivationRequest(serial: serial, product: product), today: today)
            return (result.status, result.reply)
        }
        #expect(ask("GOOD-1") == (200, LicenseActivationReply(product: "mail-security", state: .active, expires: "2027-01-31")))
        #expect(ask("OLD-1") == (200, LicenseActivationReply(product: "mail-security", state: .expired, expires: "2026-11-24")))
        #expect(ask("EDGE-1") == (200, LicenseActivationReply(product: "mail-security", state: .active, expires: "2026-11-25")))
        #expect(ask("OTHER-1") == (200, LicenseActivationReply(product: "mail-security", state: .inactive)))
        #expect(ask("OTHER-1", "web-filter").1.state == .active)
        #expect(ask("NOPE") == (404, LicenseActivationReply(product: "mail-security", state: .unknown)))
        #expect(ask("good-1").0 == 404)  // serials are exact
    }

    @Test(arguments: [
        ("A mail-security", 1), ("A mail-security 2027-13-01", 1), ("\n\nA b c d", 3), ("A p 2027-01-01\nA p 2027-01-02", 2),
    ])
    func malformedFilesNameTheLine(text: String, line: Int) {
        #expect(throws: LicenseBook.ParseError.self) { try LicenseBook(parsing: text) }
        do { _ = try LicenseBook(parsing: text) } catch { #expect(error.line == line) }
    }
}

import Foundation
import TestSupport
import ScanEngines

/// Messages built for the tests, CRLF line ends, and the checked-in corpus fixtures.
enum TestMessages {
    static func crlf(_ text: String) -> [UInt8] {
        Array(text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\n", with: "\r\n").utf8)
    }

    static func base64(_ bytes: [UInt8], lineLength: Int = 76) -> String {
        let encoded = Data(bytes).base64EncodedString()
        var lines: [Substring] = []
        var rest = Substring(encoded)
        while !rest.isEmpty {
            lines.append(rest.prefix(lineLength))
            rest = rest.dropFirst(lineLength)
        }
        return lines.joined(separator: "\n")
    }

    static let eicar = String(decoding: TestSignatures.eicar, as: UTF8.self)
    static let gtube = String(decoding: TestSignatures.gtube, as: UTF8.self)

    static let clean = crlf("""
        From: alice@example.com
        To: bob@example.net
        Subject: lunch

        Shall we meet at noon?
        """)

    /// EICAR in a base64 attachment, two multipart levels below the top.
    static let eicarNested = crlf("""
        From: alice@example.com
        To: bob@example.net
        Subject: report
        MIME-Version: 1.0
        Content-Type: multipart/mixed; boundary="outer"

        preamble
        --outer
        Content-Type: text/plain

        see the inner part
        --outer
        Content-Type: multipart/mixed; boundary=inner

        --inner
        Content-Type: text/plain; charset=us-ascii

        the attachment follows
        --inner
        Content-Type: application/octet-stream; name="report.com"
        Content-Transfer-Encoding: base64
        Content-Disposition: attachment; filename="report.com"

        \(base64(TestSignatures.eicar, lineLength: 20))
        --inner--
        --outer--
        epilogue
        """)

    /// GTUBE in a quoted-printable part, cut by a soft line break so only a decoder finds it.
    static let gtubeQuotedPrintable = crlf("""
        From: alice@example.com
        To: bob@example.net
        Subject: offer
        MIME-Version: 1.0
        Content-Type: multipart/alternative; boundary="b1"

        --b1
        Content-Type: text/plain; charset=utf-8
        Content-Transfer-Encoding: quoted-printable

        Caf=C3=A9 \(gtube.prefix(30))=
        \(gtube.dropFirst(30))
        --b1--
        """)

    static let repositoryRoot = ProductBinary.repositoryRoot()
    static let makePKIScript = repositoryRoot.appendingPathComponent("firmware/make-pki.sh").path

    static let fixtureDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    static func fixture(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: fixtureDirectory.appendingPathComponent(name)))
    }

    static func fixtureNames() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: fixtureDirectory.path).sorted()
    }
}

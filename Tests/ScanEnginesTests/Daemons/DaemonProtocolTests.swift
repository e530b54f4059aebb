import NIOCore
import Testing
import ScanEngines

@Suite struct DaemonProtocolTests {
    @Test(arguments: [
        ("stream: OK\0", ClamdProtocol.Reply.clean),
        ("stream: OK\n", .clean),
        ("stream: Eicar-Test-Signature FOUND\0", .infected(["Eicar-Test-Signature"])),
        ("stream: Win.Test.EICAR_HDB-1 FOUND\0stream: Other Name FOUND\0", .infected(["Win.Test.EICAR_HDB-1", "Other Name"])),
        ("INSTREAM size limit exceeded. ERROR\0", .error("INSTREAM size limit exceeded. ERROR")),
        ("", .error("empty reply")),
        ("stream: FOUND\0", .error("stream: FOUND")),
        ("garbage\0", .error("garbage")),
        ("stream: maybe\0", .error("stream: maybe")),
    ])
    func clamdReplies(text: String, expected: ClamdProtocol.Reply) {
        #expect(ClamdProtocol.parse(ByteBuffer(string: text)) == expected)
    }

    @Test func instreamFramesChunksWithBigEndianLengths() {
        let parts = ClamdProtocol.instream(ByteBuffer(string: "abcde"), chunkBytes: 2)
        var wire = ByteBuffer()
        for var part in parts { wire.writeBuffer(&part) }
        let expected: [UInt8] = Array("zINSTREAM\0".utf8) + [0, 0, 0, 2] + Array("ab".utf8) + [0, 0, 0, 2] + Array("cd".utf8)
            + [0, 0, 0, 1] + Array("e".utf8) + [0, 0, 0, 0]
        #expect(Array(wire.readableBytesView) == expected)
    }

    @Test(arguments: [
        ("SPAMD/1.1 0 EX_OK\r\nSpam: True ; 1005.2 / 5.0\r\n\r\n", 1005.2, 5.0),
        ("SPAMD/1.1 0 EX_OK\r\nContent-length: 0\r\nSpam: False ; -1.5 / 5.0\r\n\r\n", -1.5, 5.0),
        ("SPAMD/1.5 0 EX_OK\nspam: no ; 2.0 / 6.5\n", 2.0, 6.5),
    ])
    func spamdReplies(text: String, score: Double, threshold: Double) throws {
        #expect(try SpamdProtocol.parse(ByteBuffer(string: text)) == SpamdProtocol.Result(score: score, threshold: threshold))
    }

    @Test(arguments: ["", "HTTP/1.1 200 OK\r\n\r\n", "SPAMD/1.1 76 Bad header line\r\n\r\n", "SPAMD/1.1 0 EX_OK\r\n\r\n",
                      "SPAMD/1.1 0 EX_OK\r\nSpam: True ; lots / 5\r\n", "SPAMD/1.1 0 EX_OK\r\nSpam: True 5 / 5\r\n",
                      "SPAMD/1.1 0 EX_OK\r\nSpam: True ; nan / 5\r\n"])
    func badSpamdRepliesAreErrors(text: String) {
        #expect(throws: SpamdProtocol.Failure.self) { try SpamdProtocol.parse(ByteBuffer(string: text)) }
    }

    @Test(arguments: [
        (-3.0, 5.0, 0), (0.0, 5.0, 0), (2.5, 5.0, 35), (4.99, 5.0, 69), (5.0, 5.0, 70), (7.5, 5.0, 85), (10.0, 5.0, 100),
        (1005.2, 5.0, 100), (3.0, 0.0, 42), (6.0, 6.0, 70),
    ])
    func spamAssassinScoresMapOntoTheYSCScale(score: Double, threshold: Double, expected: Int) {
        #expect(SpamdProtocol.yscScore(score: score, threshold: threshold) == expected)
    }

    @Test(arguments: [
        ("/run/clamav/clamd.ctl", DaemonAddress.unixSocket("/run/clamav/clamd.ctl")),
        ("127.0.0.1:3310", .tcp(host: "127.0.0.1", port: 3310)),
        ("[::1]:783", .tcp(host: "::1", port: 783)),
    ])
    func daemonAddressesParse(text: String, expected: DaemonAddress) {
        #expect(DaemonAddress(parsing: text) == expected)
        #expect(DaemonAddress(parsing: text)?.description == text)
    }

    @Test(arguments: ["", "host", "host:0", "host:70000", ":25", "host:x"])
    func badDaemonAddressesAreRefused(text: String) {
        #expect(DaemonAddress(parsing: text) == nil)
    }
}

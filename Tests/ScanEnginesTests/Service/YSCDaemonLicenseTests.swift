import Foundation
import Testing
import ScanEngines
import ScanProtocol
import TestSupport

@Suite struct YSCDaemonLicenseTests {
    func activate(_ daemon: YSCDaemon, _ serial: String, _ product: String = "mail-security") throws -> (Int, LicenseActivationReply) {
        let body = YSCCoding.encode(LicenseActivationRequest(serial: serial, product: product))
        let reply = try daemon.call("POST", "/v1/license/activate", body: body, headers: ["Content-Type: application/json"])
        return (reply.status, try YSCCoding.decodeLicenseReply(status: reply.status, body: reply.body))
    }

    static func utcToday(plus days: Int = 0) -> String {
        LicenseDate(secondsSince1970: Int64(Date().timeIntervalSince1970)).adding(days: days).description
    }

    @Test func withoutAFileAnySerialIsActiveForAYear() throws {
        let daemon = try YSCDaemon()
        let (status, reply) = try activate(daemon, "ANY-SERIAL-42")
        #expect(status == 200)
        #expect(reply == LicenseActivationReply(product: "mail-security", state: .active, expires: Self.utcToday(plus: 365)))
    }

    @Test func withAFileOnlyItsSerialsAndTheirStates() throws {
        let directory = try TemporaryDirectory()
        let file = directory.path("licenses.txt")
        try """
            # serial product expires
            GOOD-1 mail-security 2099-12-31
            OLD-1  mail-security 2020-01-31
            WEB-1  web-filter    2099-12-31
            """.write(toFile: file, atomically: true, encoding: .utf8)
        let daemon = try YSCDaemon(["--licenses", file])
        #expect(try activate(daemon, "GOOD-1") == (200, LicenseActivationReply(product: "mail-security", state: .active, expires: "2099-12-31")))
        #expect(try activate(daemon, "OLD-1") == (200, LicenseActivationReply(product: "mail-security", state: .expired, expires: "2020-01-31")))
        #expect(try activate(daemon, "WEB-1") == (200, LicenseActivationReply(product: "mail-security", state: .inactive)))
        #expect(try activate(daemon, "NOPE-1") == (404, LicenseActivationReply(product: "mail-security", state: .unknown)))
    }

    @Test func aMalformedRequestIs400() throws {
        let daemon = try YSCDaemon()
        let reply = try daemon.call("POST", "/v1/license/activate", body: Array(#"{"serial": 5}"#.utf8), headers: ["Content-Type: application/json"])
        #expect(reply.status == 400)
    }

    @Test func aMalformedLicenceFileStopsTheServiceWithTheLine() throws {
        let directory = try TemporaryDirectory()
        let file = directory.path("licenses.txt")
        try "GOOD-1 mail-security 2099-12-31\nBROKEN\n".write(toFile: file, atomically: true, encoding: .utf8)
        let pki = try runCommand("/bin/sh", [TestMessages.makePKIScript, directory.path("pki")])
        #expect(pki.status == 0)
        let result = try runCommand(ProductBinary.path("yscd"), ["--listen", "127.0.0.1:\(TCPPort.free())", "--cert", directory.path("pki/server.pem"),
                                                                  "--key", directory.path("pki/server.key"), "--licenses", file], timeout: 20)
        #expect(result.status != 0)
        #expect(result.stderr.contains("line 2"))
    }
}

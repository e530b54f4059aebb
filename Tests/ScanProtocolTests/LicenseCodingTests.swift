import Testing
import ScanProtocol

@Suite struct LicenseCodingTests {
    @Test func anActiveReplyDecodes() throws {
        let body = #"{"product": "mail-security", "state": "active", "expires": "2027-11-25"}"#
        let reply = try YSCCoding.decodeLicenseReply(status: 200, body: Array(body.utf8))
        #expect(reply == LicenseActivationReply(product: "mail-security", state: .active, expires: "2027-11-25"))
    }

    @Test func unknownIsA404Answer() throws {
        let body = #"{"product": "mail-security", "state": "unknown"}"#
        #expect(try YSCCoding.decodeLicenseReply(status: 404, body: Array(body.utf8)).state == .unknown)
    }

    @Test(arguments: [
        (200, #"{"product": "p", "state": "active"}"#, YSCDecodingError.missingField("expires")),
        (200, #"{"product": "p", "state": "active", "expires": "2027-02-30"}"#, .outOfRange(field: "expires", value: "2027-02-30")),
        (200, #"{"product": "p", "state": "active", "expires": "27-01-01"}"#, .outOfRange(field: "expires", value: "27-01-01")),
        (200, #"{"product": "p", "state": "sleeping", "expires": "2027-01-01"}"#, .outOfRange(field: "state", value: "not an allowed value")),
        (200, #"{"product": "p", "state": "unknown"}"#, .outOfRange(field: "state", value: "unknown with status 200")),
        (404, #"{"product": "p", "state": "active", "expires": "2027-01-01"}"#, .outOfRange(field: "state", value: "active with status 404")),
        (200, #"{"state": "active", "expires": "2027-01-01"}"#, .missingField("product")),
        (500, #"{"error": "boom"}"#, .serviceError(status: 500, message: "boom")),
        (200, "garbage", .notJSON),
    ])
    func badRepliesAreTypedErrors(status: Int, body: String, expected: YSCDecodingError) {
        #expect(throws: expected) { try YSCCoding.decodeLicenseReply(status: status, body: Array(body.utf8)) }
    }

    @Test func requestRoundTrips() throws {
        let request = LicenseActivationRequest(serial: "YSC-1", product: "mail-security")
        let bytes = YSCCoding.encode(request)
        #expect(String(decoding: bytes, as: UTF8.self) == #"{"product":"mail-security","serial":"YSC-1"}"#)
        #expect(try YSCCoding.decodeLicenseRequest(body: bytes) == request)
    }

    @Test(arguments: [#"{"serial": "", "product": "p"}"#, #"{"serial": "s"}"#, #"{"serial": 5, "product": "p"}"#, "", "{"])
    func badRequestsAreRefused(body: String) {
        #expect(throws: YSCDecodingError.self) { try YSCCoding.decodeLicenseRequest(body: Array(body.utf8)) }
    }

    @Test(arguments: [
        ("2024-02-29", true), ("2023-02-29", false), ("2000-02-29", true), ("1900-02-29", false),
        ("2026-12-31", true), ("2026-13-01", false), ("2026-00-10", false), ("2026-1-01", false),
        ("2026-01-01x", false), ("abcd-ef-gh", false), ("", false),
    ])
    func licenseDatesParseStrictly(text: String, valid: Bool) {
        #expect((LicenseDate(text) != nil) == valid)
        if valid { #expect(LicenseDate(text)?.description == text) }
    }

    @Test func dateArithmeticMatchesTheCalendar() throws {
        #expect(LicenseDate(daysSince1970: 0).description == "1970-01-01")
        #expect(LicenseDate(secondsSince1970: 1_795_000_000).description == "2026-11-18")
        let day = try #require(LicenseDate("2026-11-25"))
        #expect(day.adding(days: 365).description == "2027-11-25")
        #expect(try #require(LicenseDate("2028-02-28")).adding(days: 1).description == "2028-02-29")
        #expect(try #require(LicenseDate("2026-12-31")).adding(days: 1).description == "2027-01-01")
        #expect(day.adding(days: 365).daysSince1970 - day.daysSince1970 == 365)
    }
}

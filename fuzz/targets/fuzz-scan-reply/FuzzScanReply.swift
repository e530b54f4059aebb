import FuzzSupport
import ScanProtocol

/// The appliance's parsing of the scan service's replies (and the service's parsing of a licence
/// request) on any body. Checks: whatever decodes is within the documented ranges
/// (`ScanProtocolLimits`), and encodes back to a body that decodes to the same value.
///
/// Input: one byte choosing the reply and its HTTP status, then the body.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzScanReply(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    var input = FuzzInput(data, size)
    let choice = input.byte()
    let statuses = [200, 200, 404, 500, 503, 400, 0, 999]
    let status = statuses[Int(choice >> 3) % statuses.count]
    let body = input.rest()
    switch choice % 5 {
    case 0, 1:
        if let reply = try? YSCCoding.decodeScanReply(status: status, body: body) {
            invariant(status == 200, "a verdict from a status that carries none")
            invariant(ScanProtocolLimits.spamScoreRange.contains(reply.spamScore), "spam score out of range")
            invariant(reply.viruses.count <= ScanProtocolLimits.maxVirusNames, "too many virus names")
            invariant(reply.viruses.allSatisfy { $0.utf8.count <= ScanProtocolLimits.maxNameLength }, "virus name too long")
            invariant(reply.engines.count <= ScanProtocolLimits.maxEngines, "too many engines")
            let again = try? YSCCoding.decodeScanReply(status: 200, body: YSCCoding.encode(reply))
            invariant(again == reply, "a scan reply does not survive encoding")
        }
    case 2:
        if let reply = try? YSCCoding.decodeHealthReply(status: status, body: body) {
            invariant(reply.engines.count <= ScanProtocolLimits.maxEngines, "too many engines")
            let again = try? YSCCoding.decodeHealthReply(status: 200, body: YSCCoding.encode(reply))
            invariant(again == reply, "a health reply does not survive encoding")
        }
    case 3:
        if let reply = try? YSCCoding.decodeLicenseReply(status: status, body: body) {
            invariant(status == 200 || status == 404, "a licence answer from another status")
            let again = try? YSCCoding.decodeLicenseReply(status: status, body: YSCCoding.encode(reply))
            invariant(again == reply, "a licence reply does not survive encoding")
        }
    default:
        if let request = try? YSCCoding.decodeLicenseRequest(body: body) {
            let again = try? YSCCoding.decodeLicenseRequest(body: YSCCoding.encode(request))
            invariant(again == request, "a licence request does not survive encoding")
        }
        _ = LicenseDate(String(decoding: body.prefix(64), as: UTF8.self))
    }
    return 0
}

import FuzzSupport
import ScanEngines

/// The scan service's MIME walker (`MIMEDecoder`, its base64 and quoted-printable decoders) and
/// the built-in scanner on any bytes as a message. Checks the walker's own bounds: depth, number
/// of entities, and decoded bytes within `MIMELimits` of the input size.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzMIMEWalker(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    var input = FuzzInput(data, size)
    let message = input.rest()
    let tree = MIMEDecoder.decode(message)
    var entities = 0
    var decodedBytes = 0
    func walk(_ entity: MIMEEntity, depth: Int) {
        invariant(depth <= MIMELimits.maxDepth + 1, "MIME tree deeper than maxDepth")
        entities += 1
        decodedBytes += entity.body.count
        for child in entity.children { walk(child, depth: depth + 1) }
    }
    walk(tree, depth: 0)
    invariant(entities <= MIMELimits.maxEntities + 1, "more MIME entities than maxEntities: \(entities)")
    let budget = message.count * MIMELimits.decodedBytesFactor + MIMELimits.decodedBytesSlack
    invariant(decodedBytes <= budget, "decoded \(decodedBytes) bytes, budget \(budget)")

    let base64 = Base64Decoder.decode(message)
    invariant(base64.bytes.count <= message.count * 3 / 4 + 3, "base64 decoded more than its input allows")
    let quotedPrintable = QuotedPrintableDecoder.decode(message)
    invariant(quotedPrintable.bytes.count <= message.count, "quoted-printable decoded more than its input")
    _ = BuiltinScanner.scan(message)
    return 0
}

import FuzzSupport
import MessageInspection
import NIOCore

/// Header parsing, RFC 2047 decoding, subject rewriting and the message side of the decision
/// table, on any bytes as a message. Checks:
/// - the parsed header block is a consistent partition of the message's first bytes, within
///   `HeaderLimits`;
/// - a rewritten message ends with the original's bytes from `bodyStart` on, and that is never
///   before the original's body: the body is delivered unchanged;
/// - the rewritten header parses again with the same body start, and one rewrite is enough: a
///   second one with the same prefixes finds them already there.
///
/// Input: one byte of options (prefixes, security header, verdict), then the message.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzMessageInspection(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    var input = FuzzInput(data, size)
    let options = input.byte()
    let message = ByteBuffer(bytes: input.rest())

    let block = HeaderBlock(parsing: message)
    checkBlock(block, message: message)
    for field in block.fields.prefix(64) {
        let value = block.unfoldedValue(of: field, in: message)
        invariant(value.count <= HeaderLimits.maximumDecodedValueOctets, "unfolded value over its limit")
        _ = UnstructuredText.decode(value)
    }
    _ = MessageAddresses(header: block, of: message)

    let prefixes: [String] = [
        options & 1 != 0 ? "[VIRUS]" : "",
        options & 2 != 0 ? "[SPAM]" : "",
        options & 4 != 0 ? "【迷惑】" : "",
    ]
    let securityHeader = options & 8 != 0 ? SecurityHeader(operation: .smtp, result: .spam) : nil
    let edits = HeaderEdits(securityHeader: securityHeader, subjectPrefixes: prefixes)
    let rewritten = HeaderRewriter.rewrite(message, block: block, edits: edits)
    checkRewrite(rewritten, of: message, block: block, edits: edits)

    let whiteList = WhiteList(
        patterns: [WhiteListPattern(number: 1, from: "*@example.com"), WhiteListPattern(number: 2, to: "a*@*.org")],
        activeSet: [1, 2])
    let outcome = ScanOutcome.verdict(score: Int(options >> 4) * 7, virusNames: options & 16 != 0 ? ["EICAR"] : [])
    _ = DecisionTable.decide(protocol: options & 32 != 0 ? .smtp : .pop3, outcome: outcome, message: message,
                             whiteList: whiteList, policy: InspectionPolicy())
    return 0
}

func checkBlock(_ block: HeaderBlock, message: ByteBuffer) {
    let count = message.readableBytes
    var position = block.envelopeLine?.upperBound ?? 0
    invariant(block.envelopeLine.map { $0.lowerBound == 0 } ?? true, "the envelope line is not first")
    invariant(block.fields.count <= HeaderLimits.maximumFieldCount, "more fields than the limit")
    for field in block.fields {
        invariant(field.start == position, "fields do not follow one another")
        invariant(field.start < field.nameEnd && field.nameEnd <= field.colon && field.colon < field.contentEnd + 1
                  && field.contentEnd <= field.end && field.firstLineContentEnd <= field.contentEnd,
                  "field offsets out of order")
        position = field.end
    }
    invariant(block.fieldsEnd == position, "fieldsEnd is not after the last field")
    invariant(block.fieldsEnd <= block.bodyStart && block.bodyStart <= count, "body start out of the message")
    invariant(block.fieldsEnd <= HeaderLimits.maximumHeaderBlockOctets + HeaderLimits.maximumLineOctets + 2
              || block.end != .limitReached, "header block read beyond its limit")
}

func checkRewrite(_ rewritten: RewrittenHeader, of message: ByteBuffer, block: HeaderBlock, edits: HeaderEdits) {
    let count = message.readableBytes
    invariant(rewritten.bodyStart >= block.fieldsEnd && rewritten.bodyStart <= count, "rewrite cut into the header")
    let assembled = rewritten.assembled(with: message)
    invariant(assembled.readableBytes == rewritten.octets(of: message), "octets(of:) is not the rewritten size")
    // The body — everything from the original's body start on — is delivered unchanged.
    let body = message.getSlice(at: message.readerIndex + block.bodyStart, length: count - block.bodyStart)!
    let tail = assembled.getSlice(at: assembled.readerIndex + assembled.readableBytes - body.readableBytes,
                                  length: body.readableBytes)!
    invariant(tail == body, "the rewrite changed the body")
    guard block.end == .emptyLine, !edits.subjectPrefixes.allSatisfy(\.isEmpty) else { return }
    // Parsed again, the rewritten message has the same body; rewriting it again finds every
    // Subject already prefixed, so a message relayed twice is not tagged twice.
    let again = HeaderBlock(parsing: assembled)
    invariant(again.end == .emptyLine, "the rewritten header lost its separator (\(again.end))")
    invariant(assembled.readableBytes - again.bodyStart == body.readableBytes, "the rewritten header moved the body start")
    let second = HeaderRewriter.rewrite(assembled, block: again, edits: HeaderEdits(subjectPrefixes: edits.subjectPrefixes))
    invariant(second.subject.prefixed == 0 && !second.subject.added,
              "a second rewrite tagged again: \(second.subject)")
}

/// Lenient base64 (RFC 2045 §6.8): characters outside the alphabet are skipped ("must be
/// ignored" — line breaks, stray spaces); `=` padding ends a quantum; a dangling last sextet
/// is dropped. Never fails: broken input gives the bytes that could be recovered.
public enum Base64Decoder {
    private static let table: [Int8] = {
        var table = [Int8](repeating: -1, count: 256)
        for (index, byte) in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8.enumerated() {
            table[Int(byte)] = Int8(index)
        }
        return table
    }()

    /// Returns the decoded bytes and whether anything had to be skipped or dropped.
    public static func decode(_ input: ArraySlice<UInt8>) -> (bytes: [UInt8], clean: Bool) {
        var output = [UInt8]()
        output.reserveCapacity(input.count / 4 * 3 + 3)
        var quantum: UInt32 = 0
        var count = 0
        var clean = true
        // Unsafe buffers: this loop runs once per byte of every attachment, up to --max-body.
        table.withUnsafeBufferPointer { table in
            input.withUnsafeBufferPointer { bytes in
                for byte in bytes {
                    let value = table[Int(byte)]
                    if value < 0 {
                        if byte == UInt8(ascii: "=") {
                            flush(&quantum, &count, into: &output, clean: &clean)
                        } else if byte != 0x0D && byte != 0x0A && byte != 0x20 && byte != 0x09 {
                            clean = false
                        }
                        continue
                    }
                    quantum = quantum << 6 | UInt32(value)
                    count += 1
                    if count == 4 {
                        output.append(UInt8(truncatingIfNeeded: quantum >> 16))
                        output.append(UInt8(truncatingIfNeeded: quantum >> 8))
                        output.append(UInt8(truncatingIfNeeded: quantum))
                        quantum = 0
                        count = 0
                    }
                }
            }
        }
        flush(&quantum, &count, into: &output, clean: &clean)
        return (output, clean)
    }

    public static func decode(_ input: [UInt8]) -> (bytes: [UInt8], clean: Bool) {
        decode(input[...])
    }

    /// Emits the bytes of a partial quantum (2 sextets → 1 byte, 3 → 2).
    private static func flush(_ quantum: inout UInt32, _ count: inout Int, into output: inout [UInt8], clean: inout Bool) {
        switch count {
        case 2:
            output.append(UInt8(truncatingIfNeeded: quantum >> 4))
        case 3:
            output.append(UInt8(truncatingIfNeeded: quantum >> 10))
            output.append(UInt8(truncatingIfNeeded: quantum >> 2))
        case 1:
            clean = false  // six bits cannot make a byte
        default:
            break
        }
        quantum = 0
        count = 0
    }
}

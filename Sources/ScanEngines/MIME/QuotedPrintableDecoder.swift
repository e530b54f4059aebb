/// Lenient quoted-printable (RFC 2045 §6.7): `=XX` (either case) is a byte, `=` at the end of a
/// line is a soft break (CRLF or bare LF); an `=` followed by anything else is kept literally
/// (rule (4) of §6.7 recommends exactly this robustness).
public enum QuotedPrintableDecoder {
    public static func decode(_ input: [UInt8]) -> (bytes: [UInt8], clean: Bool) {
        var output = [UInt8]()
        output.reserveCapacity(input.count)
        var clean = true
        var index = 0
        while index < input.count {
            let byte = input[index]
            guard byte == UInt8(ascii: "=") else {
                output.append(byte)
                index += 1
                continue
            }
            // Soft line break, possibly with trailing transport whitespace before the break.
            var look = index + 1
            while look < input.count, input[look] == 0x20 || input[look] == 0x09 { look += 1 }
            if look < input.count, input[look] == 0x0A {
                index = look + 1
                continue
            }
            if look + 1 < input.count, input[look] == 0x0D, input[look + 1] == 0x0A {
                index = look + 2
                continue
            }
            if look == input.count {
                index = look  // "=" at the very end: a soft break without the line break
                continue
            }
            if index + 2 < input.count, let high = hex(input[index + 1]), let low = hex(input[index + 2]) {
                output.append(high << 4 | low)
                index += 3
                continue
            }
            clean = false
            output.append(byte)
            index += 1
        }
        return (output, clean)
    }

    private static func hex(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        default: return nil
        }
    }
}

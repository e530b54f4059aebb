#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The industry test strings the built-in engine knows. Neither is harmful: they exist so that
/// a scanner can be proven to work end to end.
public enum TestSignatures {
    /// The EICAR anti-virus test file (eicar.org), 68 bytes.
    public static let eicar = Array(#"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"#.utf8)
    /// The name the built-in engine reports for it (the usual scanner name).
    public static let eicarVirusName = "EICAR-Test-File"
    /// The Generic Test for Unsolicited Bulk Email (SpamAssassin's GTUBE).
    public static let gtube = Array("XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X".utf8)
}

extension Array where Element == UInt8 {
    /// True when `needle` occurs in these bytes (Boyer–Moore–Horspool). The skip on the window's
    /// last byte makes the cost independent of how often the needle's first byte occurs: both
    /// signatures start with `X`, and on bodies of `X` runs the former `memchr`-then-`memcmp`
    /// loop stopped at every byte (the scanning benchmark's profile, docs/benchmarks.md).
    func containsBytes(_ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty else { return true }
        guard count >= needle.count else { return false }
        return withUnsafeBytes { haystack in
            needle.withUnsafeBytes { pattern in
                guard let base = haystack.baseAddress, let patternBase = pattern.baseAddress else { return false }
                let last = pattern.count - 1
                var skip = [Int](repeating: pattern.count, count: 256)
                for index in 0..<last { skip[Int(pattern[index])] = last - index }
                let lastByte = pattern[last]
                var start = 0
                let lastStart = haystack.count - pattern.count
                while start <= lastStart {
                    let tail = haystack[start + last]
                    if tail == lastByte && memcmp(base + start, patternBase, last) == 0 { return true }
                    start += skip[Int(tail)]
                }
                return false
            }
        }
    }
}

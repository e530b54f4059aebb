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
    /// True when `needle` occurs in these bytes. `memchr` finds candidate first bytes and
    /// `memcmp` checks them (libc speed; a generic Swift loop is many times slower unoptimised,
    /// and this runs over every decoded part of messages up to --max-body).
    func containsBytes(_ needle: [UInt8]) -> Bool {
        guard let first = needle.first else { return true }
        guard count >= needle.count else { return false }
        return withUnsafeBytes { haystack in
            needle.withUnsafeBytes { pattern in
                guard let base = haystack.baseAddress, let patternBase = pattern.baseAddress else { return false }
                let lastStart = haystack.count - pattern.count
                var offset = 0
                while offset <= lastStart {
                    guard let hit = memchr(base + offset, Int32(first), lastStart - offset + 1) else { return false }
                    if memcmp(hit, patternBase, pattern.count) == 0 { return true }
                    offset = UnsafeRawPointer(hit) - base + 1
                }
                return false
            }
        }
    }
}

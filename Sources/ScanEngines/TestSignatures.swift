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

extension Collection where Element == UInt8 {
    /// True when `needle` occurs in these bytes (first-byte filter, then compare; linear in
    /// practice for these short, distinctive needles).
    func containsBytes(_ needle: [UInt8]) -> Bool {
        guard let first = needle.first, count >= needle.count else { return needle.isEmpty }
        var index = startIndex
        let lastStart = self.index(endIndex, offsetBy: -needle.count)
        while index <= lastStart {
            if self[index] == first, self[index...].starts(with: needle) { return true }
            index = self.index(after: index)
        }
        return false
    }
}

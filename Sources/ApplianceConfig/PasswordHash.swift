import Crypto
import _CryptoExtras

/// A console password as stored in the configuration: never the password itself, only
/// PBKDF2-HMAC-SHA-256 of it (RFC 8018 §5.2, computed by swift-crypto) with a random salt.
///
/// Text form (one token, what `show config` prints after `… password encrypted`):
///
///     $pbkdf2-sha256$ITERATIONS$SALT$DIGEST
///
/// SALT is 16 bytes and DIGEST 32 bytes, both in lower-case hexadecimal. The iteration count is
/// part of the text so that a stronger default later still verifies hashes written today.
struct PasswordHash: Equatable, Sendable {
    static let scheme = "pbkdf2-sha256"
    /// Work factor for new hashes: 600,000 rounds, the figure OWASP's password storage guidance
    /// gives for PBKDF2-HMAC-SHA-256. The same password now opens the web console, where a copy
    /// of a saved configuration is the likely thing an attacker holds; a login (console or web,
    /// both rate-limited) costs a fraction of a second, which a person at a form does not notice.
    /// Hashes written with the earlier 20,000 still verify: the count is part of the text.
    static let defaultIterations = 600_000
    static let digestLength = 32
    /// Accepted when a configuration is loaded: below the minimum the hash is too cheap to guess
    /// against; above the maximum one login would stall the console.
    static let iterationRange = 1_000...1_000_000
    static let saltLength = 16

    let iterations: Int
    let salt: [UInt8]
    let digest: [UInt8]

    /// Hashes `password` with a fresh random salt.
    init(hashing password: String) {
        var generator = SystemRandomNumberGenerator()
        self.init(hashing: password, using: &generator)
    }

    init(hashing password: String, using generator: inout some RandomNumberGenerator, iterations: Int = defaultIterations) {
        let salt = (0..<Self.saltLength).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        self.iterations = iterations
        self.salt = salt
        self.digest = Self.derive(password, salt: salt, iterations: iterations)
    }

    /// Parses the text form; nil when it is not exactly the documented shape.
    init?(text: String) {
        let fields = text.split(separator: "$", omittingEmptySubsequences: false)
        guard fields.count == 5, fields[0].isEmpty, fields[1] == Self.scheme,
              fields[2].count <= String(Self.iterationRange.upperBound).count, fields[2].allSatisfy(\.isASCIIDigit),
              let iterations = Int(fields[2]), Self.iterationRange.contains(iterations),
              let salt = Hex.decode(fields[3]), salt.count == Self.saltLength,
              let digest = Hex.decode(fields[4]), digest.count == Self.digestLength
        else { return nil }
        self.iterations = iterations
        self.salt = salt
        self.digest = digest
    }

    var text: String { "$\(Self.scheme)$\(iterations)$\(Hex.encode(salt))$\(Hex.encode(digest))" }

    /// Compares in constant time so the digest does not leak through timing.
    func verify(_ password: String) -> Bool {
        let candidate = Self.derive(password, salt: salt, iterations: iterations)
        var difference: UInt8 = 0
        for (x, y) in zip(candidate, digest) { difference |= x ^ y }
        return difference == 0 && candidate.count == digest.count
    }
}

extension PasswordHash {
    /// PBKDF2-HMAC-SHA-256 of the password's UTF-8 bytes. The "unchecked" entry point because
    /// hashes saved before this work factor (20,000 rounds, within `iterationRange`) must still
    /// verify; new hashes always use `defaultIterations`. Empty on a library failure, which
    /// then matches no stored digest (a login fails closed).
    static func derive(_ password: String, salt: [UInt8], iterations: Int) -> [UInt8] {
        guard let key = try? KDF.Insecure.PBKDF2.deriveKey(
            from: Array(password.utf8), salt: salt, using: .sha256, outputByteCount: digestLength,
            unsafeUncheckedRounds: iterations)
        else { return [] }
        return key.withUnsafeBytes { Array($0) }
    }
}

/// Lower-case hexadecimal, as used in the password text form.
enum Hex {
    static func encode(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef")
        var text = ""
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0f)])
        }
        return text
    }

    /// Only lower-case digits: one canonical spelling per value keeps `show config` stable.
    static func decode(_ text: Substring) -> [UInt8]? {
        let values = text.utf8.map { c -> Int in
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): Int(c - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): Int(c - UInt8(ascii: "a")) + 10
            default: -1
            }
        }
        guard values.count % 2 == 0, !values.contains(-1) else { return nil }
        return stride(from: 0, to: values.count, by: 2).map { UInt8(values[$0] << 4 | values[$0 + 1]) }
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}

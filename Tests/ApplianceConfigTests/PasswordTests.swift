import Testing
@testable import ApplianceConfig

/// Passwords are kept only as salted hashes and never printed in clear.
struct PasswordTests {
    @Test(arguments: [
        ("administrator password", "Adm1n pass"),
        ("login password", "s3cret"),
    ])
    func hashedNeverPrintedAndRestored(command: String, password: String) {
        var config = Configuration()
        #expect(config.execute(command + " " + CommandTokenizer.quote(password)) == .success(.configured([])))
        let rendered = config.rendered()
        #expect(!rendered.contains(password))
        #expect(rendered.hasPrefix(command + " encrypted $pbkdf2-sha256$\(PasswordHash.defaultIterations)$"))
        let verify: (Configuration, String) -> Bool = command.hasPrefix("admin")
            ? { $0.verifyAdministratorPassword($1) } : { $0.verifyLoginPassword($1) }
        #expect(verify(config, password))
        #expect(!verify(config, password + "x"))
        #expect(!verify(config, ""))
        let (reloaded, problems) = Configuration.load(rendered)
        #expect(problems.isEmpty)
        #expect(reloaded == config)
        #expect(reloaded.rendered() == rendered)
        #expect(verify(reloaded, password))
    }

    @Test func withoutPasswordOnlyEmptyIsAccepted() {
        let config = Configuration()
        #expect(config.verifyAdministratorPassword(""))
        #expect(!config.verifyAdministratorPassword("x"))
        #expect(config.verifyLoginPassword(""))
        #expect(!config.verifyLoginPassword("x"))
    }

    @Test func sameSecretGetsDifferentSalts() {
        var a = Configuration()
        var b = Configuration()
        _ = a.execute("login password same")
        _ = b.execute("login password same")
        #expect(a.rendered() != b.rendered())
        #expect(a.verifyLoginPassword("same") && b.verifyLoginPassword("same"))
    }

    @Test func knownHashVerifies() {
        // A fixed salt makes the hash reproducible: it must be PBKDF2 of the password with that
        // salt and survive its text form.
        var generator = FixedBytes()
        let hash = PasswordHash(hashing: "password", using: &generator, iterations: 1_000)
        #expect(hash.salt == [UInt8](repeating: 0x2a, count: 16))
        #expect(PasswordHash(text: hash.text) == hash)
        #expect(hash.verify("password"))
        #expect(!hash.verify("Password"))
        #expect(hash.digest == PasswordHash.derive("password", salt: hash.salt, iterations: 1_000))
    }

    /// RFC 7914 §11 vectors for PBKDF2-HMAC-SHA-256 (first 32 bytes): the library computes
    /// the function the saved hashes were made with.
    @Test(arguments: [
        ("passwd", "salt", 1, "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc"),
        ("password", "salt", 1, "120fb6cffcf8b32c43e7225256c4f837a86548c92ccc35480805987cb70be17b"),
        ("password", "salt", 4096, "c5e478d59288c841aa530db6845c4c8d962893a001ce4e11a4963873aa98134a"),
    ])
    func pbkdf2Vectors(password: String, salt: String, iterations: Int, hex: String) {
        #expect(Hex.encode(PasswordHash.derive(password, salt: Array(salt.utf8), iterations: iterations)) == hex)
    }

    /// A hash saved by the earlier hand-written implementation (20,000 rounds) still verifies.
    @Test func hashSavedBeforeTheLibraryStillVerifies() {
        let saved = "$pbkdf2-sha256$20000$2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a$494a4d3b1f48d3587550a7271508bc12c4d60e4f1c6021ed9297d6decdaf3ead"
        var config = Configuration()
        #expect(config.execute("administrator password encrypted " + saved) == .success(.configured([])))
        #expect(config.verifyAdministratorPassword("legacy pass"))
        #expect(!config.verifyAdministratorPassword("legacy pas"))
    }

    @Test(arguments: ["", "0", "abc", "0g", "AB"])
    func hexRejectsNonCanonical(text: String) {
        if text.isEmpty {
            #expect(Hex.decode(Substring(text)) == [])
        } else {
            #expect(Hex.decode(Substring(text)) == nil)
        }
    }

    @Test(arguments: [
        "$pbkdf2-sha256$999$" + String(repeating: "00", count: 16) + "$" + String(repeating: "00", count: 32),
        "$pbkdf2-sha256$1000001$" + String(repeating: "00", count: 16) + "$" + String(repeating: "00", count: 32),
        "$pbkdf2-sha256$1000$" + String(repeating: "00", count: 15) + "$" + String(repeating: "00", count: 32),
        "$pbkdf2-sha256$1000$" + String(repeating: "00", count: 16) + "$" + String(repeating: "0A", count: 32),
        "$sha1$1000$" + String(repeating: "00", count: 16) + "$" + String(repeating: "00", count: 32),
        "pbkdf2-sha256$1000$" + String(repeating: "00", count: 16) + "$" + String(repeating: "00", count: 32),
        "$pbkdf2-sha256$+1000$" + String(repeating: "00", count: 16) + "$" + String(repeating: "00", count: 32),
    ])
    func malformedHashesAreRefused(text: String) {
        #expect(PasswordHash(text: text) == nil)
        var config = Configuration()
        #expect(config.execute("login password encrypted " + text) == .failure(.illegalEncryptedPassword))
    }

    @Test func wellFormedHashIsAcceptedAsIs() {
        let text = "$pbkdf2-sha256$1000$" + String(repeating: "ab", count: 16) + "$" + String(repeating: "cd", count: 32)
        var config = Configuration()
        #expect(config.execute("administrator password ENCRYPTED " + text) == .success(.configured([])))
        #expect(config.rendered() == "administrator password encrypted \(text)\n")
        #expect(config.hasAdministratorPassword)
        #expect(!config.verifyAdministratorPassword(""))
    }

    struct FixedBytes: RandomNumberGenerator {
        mutating func next() -> UInt64 { 0x2a2a_2a2a_2a2a_2a2a }
    }
}

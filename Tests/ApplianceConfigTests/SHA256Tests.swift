import Testing
@testable import ApplianceConfig

/// Published vectors: FIPS 180-4 examples, RFC 4231 (HMAC), RFC 7914 §11 and the common
/// PBKDF2-HMAC-SHA-256 vectors.
struct SHA256Tests {
    @Test(arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
    ])
    func digest(message: String, hex: String) {
        #expect(Hex.encode(SHA256.hash(Array(message.utf8))) == hex)
    }

    @Test func millionAs() {
        let message = [UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)
        #expect(Hex.encode(SHA256.hash(message)) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test func hmacRFC4231Case2() {
        let mac = SHA256.hmac(key: Array("Jefe".utf8), message: Array("what do ya want for nothing?".utf8))
        #expect(Hex.encode(mac) == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    }

    @Test func hmacRFC4231Case6LongKey() {
        let key = [UInt8](repeating: 0xaa, count: 131)
        let mac = SHA256.hmac(key: key, message: Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8))
        #expect(Hex.encode(mac) == "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54")
    }

    @Test(arguments: [
        ("passwd", "salt", 1, "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc"),
        ("password", "salt", 1, "120fb6cffcf8b32c43e7225256c4f837a86548c92ccc35480805987cb70be17b"),
        ("password", "salt", 2, "ae4d0c95af6b46d32d0adff928f06dd02a303f8ef3c251dfd6e2d85a95474c43"),
        ("password", "salt", 4096, "c5e478d59288c841aa530db6845c4c8d962893a001ce4e11a4963873aa98134a"),
    ])
    func pbkdf2(password: String, salt: String, iterations: Int, hex: String) {
        let key = SHA256.pbkdf2(password: Array(password.utf8), salt: Array(salt.utf8), iterations: iterations)
        #expect(Hex.encode(key) == hex)
    }

    @Test(arguments: ["", "0", "abc", "0g", "AB"])
    func hexRejectsNonCanonical(text: String) {
        if text.isEmpty {
            #expect(Hex.decode(Substring(text)) == [])
        } else {
            #expect(Hex.decode(Substring(text)) == nil)
        }
    }
}

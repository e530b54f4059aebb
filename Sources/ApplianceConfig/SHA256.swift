/// SHA-256 (FIPS 180-4), HMAC-SHA-256 (RFC 2104) and PBKDF2-HMAC-SHA-256 (RFC 8018 §5.2).
///
/// Written out here so the pure configuration target needs no cryptographic library just to
/// hash console passwords; the tests check it against the published vectors (FIPS 180-4
/// examples, RFC 4231, RFC 7914 §11). The code works on 32-bit words in a scratch buffer
/// rather than on arrays so that PBKDF2's thousands of iterations stay fast even in debug
/// builds (the test suite hashes passwords).
enum SHA256 {
    static let digestLength = 32
    static let blockLength = 64

    private static let k: [UInt32] = [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
        0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
        0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
        0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
        0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
        0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
        0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
    ]

    /// The eight working words H0…H7.
    struct State {
        var h: (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32) = (
            0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19
        )

        var words: [UInt32] { [h.0, h.1, h.2, h.3, h.4, h.5, h.6, h.7] }
    }

    /// Scratch space for one compression: the message schedule W0…W63 and the constants.
    struct Scratch {
        let w: UnsafeMutableBufferPointer<UInt32>
        let k: UnsafeBufferPointer<UInt32>
    }

    /// Runs `body` with scratch space that lives only for the call.
    static func withScratch<R>(_ body: (Scratch) -> R) -> R {
        k.withUnsafeBufferPointer { k in
            withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 64) { w in
                w.initialize(repeating: 0)
                return body(Scratch(w: w, k: k))
            }
        }
    }

    /// One compression of the block whose 16 words are in `scratch.w[0..<16]`.
    static func compress(_ state: inout State, _ scratch: Scratch) {
        let w = scratch.w
        let k = scratch.k
        for t in 16..<64 {
            let x = w[t - 15], y = w[t - 2]
            let s0 = (x >> 7 | x << 25) ^ (x >> 18 | x << 14) ^ (x >> 3)
            let s1 = (y >> 17 | y << 15) ^ (y >> 19 | y << 13) ^ (y >> 10)
            w[t] = w[t - 16] &+ s0 &+ w[t - 7] &+ s1
        }
        var (a, b, c, d, e, f, g, h) = state.h
        for t in 0..<64 {
            let s1 = (e >> 6 | e << 26) ^ (e >> 11 | e << 21) ^ (e >> 25 | e << 7)
            let ch = (e & f) ^ (~e & g)
            let t1 = h &+ s1 &+ ch &+ k[t] &+ w[t]
            let s0 = (a >> 2 | a << 30) ^ (a >> 13 | a << 19) ^ (a >> 22 | a << 10)
            let maj = (a & b) ^ (a & c) ^ (b & c)
            h = g; g = f; f = e; e = d &+ t1
            d = c; c = b; b = a; a = t1 &+ s0 &+ maj
        }
        state.h = (state.h.0 &+ a, state.h.1 &+ b, state.h.2 &+ c, state.h.3 &+ d,
                   state.h.4 &+ e, state.h.5 &+ f, state.h.6 &+ g, state.h.7 &+ h)
    }

    /// Feeds `message` to `state` (which has already absorbed `processed` bytes, a multiple of
    /// 64), pads, and returns the final words.
    static func finish(_ state: State, processed: Int, message: [UInt8], _ scratch: Scratch) -> [UInt32] {
        var state = state
        var padded = message
        padded.append(0x80)
        while padded.count % blockLength != blockLength - 8 { padded.append(0) }
        let bitLength = UInt64(processed + message.count) &* 8
        for shift in stride(from: 56, through: 0, by: -8) { padded.append(UInt8(truncatingIfNeeded: bitLength >> UInt64(shift))) }
        var offset = 0
        while offset < padded.count {
            load(padded, offset, scratch)
            compress(&state, scratch)
            offset += blockLength
        }
        return state.words
    }

    /// Big-endian words of the 64-byte block at `offset` into W0…W15.
    static func load(_ bytes: [UInt8], _ offset: Int, _ scratch: Scratch) {
        for t in 0..<16 {
            let i = offset + t * 4
            scratch.w[t] = UInt32(bytes[i]) << 24 | UInt32(bytes[i + 1]) << 16 | UInt32(bytes[i + 2]) << 8 | UInt32(bytes[i + 3])
        }
    }

    static func bytes(_ words: [UInt32]) -> [UInt8] {
        words.flatMap { word in [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: word >> UInt32($0)) } }
    }

    /// The digest of `message`.
    static func hash(_ message: [UInt8]) -> [UInt8] {
        withScratch { scratch in bytes(finish(State(), processed: 0, message: message, scratch)) }
    }

    /// HMAC-SHA-256 (RFC 2104): keys longer than a block are hashed first.
    static func hmac(key: [UInt8], message: [UInt8]) -> [UInt8] {
        withScratch { scratch in
            let (inner, outer) = keyedStates(key, scratch)
            let innerDigest = bytes(finish(inner, processed: blockLength, message: message, scratch))
            return bytes(finish(outer, processed: blockLength, message: innerDigest, scratch))
        }
    }

    /// The states after absorbing the key XOR ipad and XOR opad: computed once per key, so each
    /// PBKDF2 iteration costs two compressions instead of four.
    private static func keyedStates(_ key: [UInt8], _ scratch: Scratch) -> (State, State) {
        var block = key.count > blockLength ? hash(key) : key
        block += [UInt8](repeating: 0, count: blockLength - block.count)
        var inner = State()
        load(block.map { $0 ^ 0x36 }, 0, scratch)
        compress(&inner, scratch)
        var outer = State()
        load(block.map { $0 ^ 0x5c }, 0, scratch)
        compress(&outer, scratch)
        return (inner, outer)
    }

    /// PBKDF2 (RFC 8018 §5.2) with HMAC-SHA-256, `length` ≤ 32 bytes (one block is all we need).
    static func pbkdf2(password: [UInt8], salt: [UInt8], iterations: Int, length: Int = digestLength) -> [UInt8] {
        precondition(iterations >= 1 && length <= digestLength, "PBKDF2 misuse")
        return withScratch { scratch in
            let (inner, outer) = keyedStates(password, scratch)
            // U1 = PRF(P, S || INT(1)).
            let u1Inner = finish(inner, processed: blockLength, message: salt + [0, 0, 0, 1], scratch)
            var u = finish(outer, processed: blockLength, message: bytes(u1Inner), scratch)
            var result = u
            // Un = PRF(P, Un-1): the message is one digest, so each block is the 8 words, the
            // 0x80 pad, zeros and the bit length of key block plus digest (64 + 32 bytes).
            let paddedLength = UInt32((blockLength + digestLength) * 8)
            for _ in 1..<iterations {
                for round in 0..<2 {
                    for t in 0..<8 { scratch.w[t] = u[t] }
                    scratch.w[8] = 0x8000_0000
                    for t in 9..<15 { scratch.w[t] = 0 }
                    scratch.w[15] = paddedLength
                    var state = round == 0 ? inner : outer
                    compress(&state, scratch)
                    u[0] = state.h.0; u[1] = state.h.1; u[2] = state.h.2; u[3] = state.h.3
                    u[4] = state.h.4; u[5] = state.h.5; u[6] = state.h.6; u[7] = state.h.7
                }
                for t in 0..<8 { result[t] ^= u[t] }
            }
            return Array(bytes(result).prefix(length))
        }
    }
}

import NIOCore

/// A small deterministic generator (SplitMix64), so random chunkings are the same on every run.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Ways of cutting a byte stream into reads: whole, one byte at a time, and random chunkings.
enum Chunking {
    static func all(_ bytes: [UInt8], randomRuns: Int = 8) -> [(name: String, chunks: [ByteBuffer])] {
        var result: [(String, [ByteBuffer])] = [
            ("whole", [ByteBuffer(bytes: bytes)]),
            ("one byte at a time", bytes.map { ByteBuffer(bytes: [$0]) }),
        ]
        var rng = SeededGenerator(seed: UInt64(bytes.count) &+ 17)
        for run in 0..<randomRuns {
            var chunks: [ByteBuffer] = []
            var i = 0
            let maxChunk = [2, 3, 7, 64, 1500][run % 5]
            while i < bytes.count {
                let n = Int.random(in: 1...maxChunk, using: &rng)
                let end = min(bytes.count, i + n)
                chunks.append(ByteBuffer(bytes: bytes[i..<end]))
                i = end
            }
            result.append(("random \(run) (≤\(maxChunk))", chunks))
        }
        return result
    }
}

extension ByteBuffer {
    var string: String { String(decoding: readableBytesView, as: UTF8.self) }
    var bytes: [UInt8] { Array(readableBytesView) }
}

import NIOCore

/// Ways of cutting a byte stream into reads: whole, one byte at a time, and random chunkings.
public enum Chunking {
    public static func all(_ bytes: [UInt8], randomRuns: Int = 8) -> [(name: String, chunks: [ByteBuffer])] {
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
    /// The readable bytes as text (test failures read better than bytes).
    public var string: String { String(decoding: readableBytesView, as: UTF8.self) }
    public var bytes: [UInt8] { Array(readableBytesView) }
}

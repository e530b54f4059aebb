/// Reads a fuzz input as a sequence of choices and chunks, so one flat byte string can drive a
/// whole session (which side speaks, how many bytes, which event). Running out of bytes is not
/// an error: every read then answers its smallest value, and `isEmpty` ends the session.
public struct FuzzInput {
    private let bytes: [UInt8]
    private var position = 0

    public init(_ data: UnsafePointer<UInt8>?, _ size: Int) {
        if let data, size > 0 {
            bytes = Array(UnsafeBufferPointer(start: data, count: size))
        } else {
            bytes = []
        }
    }

    public init(bytes: [UInt8]) { self.bytes = bytes }

    public var isEmpty: Bool { position >= bytes.count }
    public var remainingCount: Int { bytes.count - position }

    /// The next byte, or 0 once the input is used up.
    public mutating func byte() -> UInt8 {
        guard position < bytes.count else { return 0 }
        defer { position += 1 }
        return bytes[position]
    }

    /// A number in `0..<bound` taken from one byte (bound ≤ 256).
    public mutating func choice(_ bound: Int) -> Int {
        precondition(bound > 0 && bound <= 256)
        return Int(byte()) % bound
    }

    /// A number taken from two bytes (0…65535).
    public mutating func uint16() -> Int { Int(byte()) << 8 | Int(byte()) }

    /// The next `count` bytes (fewer at the end of the input).
    public mutating func take(_ count: Int) -> [UInt8] {
        let n = max(0, min(count, bytes.count - position))
        defer { position += n }
        return Array(bytes[position..<position + n])
    }

    /// A chunk whose length (up to `maximum`) is given by the next byte.
    public mutating func chunk(maximum: Int = 255) -> [UInt8] {
        take(Int(byte()) % (maximum + 1))
    }

    /// Everything not yet read.
    public mutating func rest() -> [UInt8] { take(remainingCount) }

    /// The input split at a separator byte (for inputs that are a list of lines or fields).
    public static func split(_ bytes: [UInt8], separator: UInt8) -> [[UInt8]] {
        bytes.split(separator: separator, omittingEmptySubsequences: false).map(Array.init)
    }
}

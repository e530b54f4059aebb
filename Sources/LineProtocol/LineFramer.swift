import NIOCore

/// Splits a byte stream into lines, reporting how each line ended.
///
/// Bytes arrive in arbitrary chunks (`append`); complete lines are taken out one at a time
/// (`nextLine`), each a slice of the received buffer (no copy). Bytes already searched for a line
/// feed are not searched again when more bytes arrive: the framer remembers how far it looked.
///
/// A line longer than `maximumLineLength` (counted with its line ending, as RFC 5321 §4.5.3.1
/// counts) is never buffered whole: once that many bytes have arrived without a line feed, they
/// are dropped and the rest of the line is dropped as it arrives; when the line finally ends, the
/// framer reports `.tooLong` with the line's total length. So a peer cannot make it grow.
///
///     bytes "EHLO a\r\nNOOP\n"  →  .line("EHLO a", .crlf), .line("NOOP", .bareLF)
public struct LineFramer: Sendable {
    /// One framed line.
    public enum Frame: Equatable, Sendable {
        /// A complete line without its ending.
        case line(ByteBuffer, LineEnding)
        /// A line longer than the limit; its bytes were discarded. `length` includes the ending.
        case tooLong(length: Int, LineEnding)
    }

    /// The longest line accepted, including its line ending. May be changed between lines.
    public var maximumLineLength: Int

    private var buffer: ByteBuffer
    /// Bytes after the reader index already searched for a line feed without finding one.
    private var scannedBytes = 0
    /// Bytes of the current over-long line dropped so far; nil when not discarding.
    private var discardedBytes: Int?
    /// Bytes still to be skipped before framing resumes (see `skip(_:)`).
    private var bytesToSkip = 0

    public init(maximumLineLength: Int) {
        precondition(maximumLineLength >= 2, "a line needs room for its CRLF")
        self.maximumLineLength = maximumLineLength
        self.buffer = ByteBuffer()
    }

    /// Bytes received and not yet taken out as lines (the queue of unread input).
    public var bufferedBytes: Int { buffer.readableBytes }

    /// Adds received bytes. Adopts the buffer without copying when nothing is pending.
    public mutating func append(_ bytes: ByteBuffer) {
        var bytes = bytes
        if bytesToSkip > 0 {
            let n = min(bytesToSkip, bytes.readableBytes)
            bytes.moveReaderIndex(forwardBy: n)
            bytesToSkip -= n
        }
        guard bytes.readableBytes > 0 else { return }
        if buffer.readableBytes == 0 {
            buffer = bytes
        } else {
            // Lines already taken stay in the storage until compacted; compact once they
            // outweigh the pending bytes, so storage stays within twice what is pending
            // (amortised: each byte is moved at most once per time it is kept waiting).
            if buffer.readerIndex > buffer.readableBytes { buffer.discardReadBytes() }
            buffer.writeImmutableBuffer(bytes)
        }
    }

    /// The size of the storage behind the pending bytes (for tests of the memory bound).
    var storageCapacity: Int { buffer.capacity }

    /// Drops the next `count` bytes of input, those buffered first and then those still to
    /// arrive, without framing them (used to step over a chunk that announced its own length).
    public mutating func skip(_ count: Int) {
        precondition(count >= 0)
        let now = min(count, buffer.readableBytes)
        buffer.moveReaderIndex(forwardBy: now)
        bytesToSkip += count - now
        scannedBytes = 0
    }

    /// Takes out every buffered byte not yet framed, for a different decoder to consume
    /// (for example message content after `DATA`). A partially discarded line is forgotten.
    public mutating func takeBufferedBytes() -> ByteBuffer {
        let rest = buffer.readSlice(length: buffer.readableBytes)!
        scannedBytes = 0
        discardedBytes = nil
        return rest
    }

    /// The next complete line, or nil when more bytes are needed.
    public mutating func nextLine() -> Frame? {
        let readable = buffer.readableBytes
        let found: Int? = buffer.withUnsafeReadableBytes { bytes in
            bytes.firstIndex(of: ASCII.lf, from: scannedBytes)
        }
        guard let lineFeed = found else {
            scannedBytes = readable
            if let dropped = discardedBytes {
                // Keep the last byte: it may be the CR of the coming CRLF.
                let drop = max(0, readable - 1)
                buffer.moveReaderIndex(forwardBy: drop)
                discardedBytes = dropped + drop
                scannedBytes = readable - drop
            } else if readable >= maximumLineLength {
                // With its line feed still to come, this line is already too long.
                let drop = readable - 1
                buffer.moveReaderIndex(forwardBy: drop)
                discardedBytes = drop
                scannedBytes = 1
            }
            return nil
        }
        let ending: LineEnding =
            lineFeed > 0 && buffer.getInteger(at: buffer.readerIndex + lineFeed - 1, as: UInt8.self) == ASCII.cr
            ? .crlf : .bareLF
        let contentLength = lineFeed + 1 - ending.length
        scannedBytes = 0
        if let dropped = discardedBytes {
            buffer.moveReaderIndex(forwardBy: lineFeed + 1)
            discardedBytes = nil
            return .tooLong(length: dropped + lineFeed + 1, ending)
        }
        if lineFeed + 1 > maximumLineLength {
            buffer.moveReaderIndex(forwardBy: lineFeed + 1)
            return .tooLong(length: lineFeed + 1, ending)
        }
        let line = buffer.readSlice(length: contentLength)!
        buffer.moveReaderIndex(forwardBy: ending.length)
        return .line(line, ending)
    }
}

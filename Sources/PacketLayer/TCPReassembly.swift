// TCP stream reassembly for one direction of one connection. Pure: segments in, stream events out.

/// Named bounds of reassembly.
public struct TCPReassemblyLimits: Sendable, Hashable {
    /// Out-of-order bytes held per direction; beyond it the oldest hole is given up (reported as a gap).
    public var maximumBufferedBytes: Int
    /// Out-of-order segments held per direction.
    public var maximumBufferedSegments: Int
    /// How far ahead of the next expected byte a segment may start and still be kept.
    public var window: Int

    public init(maximumBufferedBytes: Int = 1 << 20, maximumBufferedSegments: Int = 1024, window: Int = 1 << 22) {
        self.maximumBufferedBytes = maximumBufferedBytes
        self.maximumBufferedSegments = maximumBufferedSegments
        self.window = window
    }

    public static let standard = TCPReassemblyLimits()
}

/// What a direction of a connection yields, in stream order.
public enum TCPStreamEvent: Sendable, Hashable {
    /// Contiguous bytes.
    case data([UInt8])
    /// This many bytes were never seen (lost or not captured); the stream continues after them.
    case gap(Int)
}

/// Reassembles one direction of a TCP connection.
///
/// - The stream starts after the SYN's sequence number, or at the first segment when no SYN was
///   seen (a capture started mid-connection).
/// - Sequence numbers are compared modulo 2^32 (RFC 1982 style), so wrap-around is transparent.
/// - Segments ahead of the next expected byte are held, within `limits`, until the hole fills.
/// - Retransmitted and overlapping bytes: the first copy received wins; later copies are dropped.
/// - FIN ends the stream at its sequence number; bytes after it are ignored. RST ends it at once.
/// - `finish()` gives up any remaining holes, reporting each as a gap, and delivers what is held.
public struct TCPStreamReassembler: Sendable {
    public let limits: TCPReassemblyLimits

    private var nextSequence: UInt32?
    /// Stream offset of `nextSequence` (bytes delivered or skipped so far).
    public private(set) var nextOffset: Int64 = 0
    private var pending: [(offset: Int64, bytes: [UInt8])] = []
    private var pendingBytes = 0
    private var finOffset: Int64?

    public private(set) var isClosed = false
    public private(set) var isReset = false
    /// Bytes dropped because an earlier copy was already held or delivered (or they followed the FIN).
    public private(set) var duplicateBytes = 0
    /// Bytes reported missing.
    public private(set) var gapBytes = 0
    /// Bytes dropped because they started beyond the window.
    public private(set) var outOfWindowBytes = 0

    public init(limits: TCPReassemblyLimits = .standard) {
        self.limits = limits
    }

    /// Whether any segment has been seen (the stream origin is known).
    public var isStarted: Bool { nextSequence != nil }

    public mutating func receive(sequence: UInt32, flags: TCPFlags, payload: [UInt8]) -> [TCPStreamEvent] {
        if flags.contains(.rst) {
            isReset = true
            isClosed = true
            return []
        }
        if isClosed { return [] }
        let dataSequence = flags.contains(.syn) ? sequence &+ 1 : sequence
        guard let expected = nextSequence else {
            nextSequence = dataSequence
            return accept(offset: nextOffset, payload: payload, fin: flags.contains(.fin))
        }
        let delta = Int64(Int32(bitPattern: dataSequence &- expected))
        return accept(offset: nextOffset + delta, payload: payload, fin: flags.contains(.fin))
    }

    private mutating func accept(offset: Int64, payload: [UInt8], fin: Bool) -> [TCPStreamEvent] {
        if fin, finOffset == nil { finOffset = offset + Int64(payload.count) }
        if offset - nextOffset > Int64(limits.window) {
            outOfWindowBytes += payload.count
            return []
        }
        var start = offset
        var end = offset + Int64(payload.count)
        if let finOffset { end = min(end, max(finOffset, start)) }
        start = max(start, nextOffset)
        var kept = 0
        if start < end {
            // Pieces of [start, end) not already held (first copy wins).
            var pieces: [(Int64, Int64)] = []
            var cursor = start
            for held in pending {
                let heldEnd = held.offset + Int64(held.bytes.count)
                if heldEnd <= cursor { continue }
                if held.offset >= end { break }
                if held.offset > cursor { pieces.append((cursor, held.offset)) }
                cursor = max(cursor, heldEnd)
                if cursor >= end { break }
            }
            if cursor < end { pieces.append((cursor, end)) }
            for (a, b) in pieces {
                let lower = Int(a - offset), upper = Int(b - offset)
                pending.append((a, Array(payload[lower..<upper])))
                pendingBytes += upper - lower
                kept += upper - lower
            }
            if !pieces.isEmpty { pending.sort { $0.offset < $1.offset } }
        }
        duplicateBytes += payload.count - kept
        var events = deliver()
        while pendingBytes > limits.maximumBufferedBytes || pending.count > limits.maximumBufferedSegments {
            events += skipToFirstHeld()
        }
        if let finOffset, nextOffset >= finOffset { isClosed = true }
        return events
    }

    /// Gives up every hole and delivers everything held.
    public mutating func finish() -> [TCPStreamEvent] {
        var events: [TCPStreamEvent] = []
        while !pending.isEmpty { events += skipToFirstHeld() }
        isClosed = true
        return events
    }

    private mutating func skipToFirstHeld() -> [TCPStreamEvent] {
        guard let first = pending.first else { return [] }
        var events: [TCPStreamEvent] = []
        if first.offset > nextOffset {
            let missing = Int(first.offset - nextOffset)
            events.append(.gap(missing))
            gapBytes += missing
            advance(to: first.offset)
        }
        return events + deliver()
    }

    private mutating func advance(to offset: Int64) {
        if let expected = nextSequence {
            nextSequence = expected &+ UInt32(truncatingIfNeeded: offset - nextOffset)
        }
        nextOffset = offset
    }

    private mutating func deliver() -> [TCPStreamEvent] {
        var events: [TCPStreamEvent] = []
        while let first = pending.first, first.offset <= nextOffset {
            pending.removeFirst()
            pendingBytes -= first.bytes.count
            let end = first.offset + Int64(first.bytes.count)
            if end > nextOffset {
                let bytes = Array(first.bytes[Int(nextOffset - first.offset)...])
                if case .data(let previous)? = events.last {
                    events[events.count - 1] = .data(previous + bytes)
                } else {
                    events.append(.data(bytes))
                }
                advance(to: end)
            }
        }
        return events
    }
}

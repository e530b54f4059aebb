import Testing
@testable import PacketLayer
import TestSupport

struct Seg {
    var seq: UInt32
    var flags: TCPFlags = []
    var payload: [UInt8]
}

/// Feeds segments, then finishes; returns the events merged (adjacent data joined).
func reassemble(_ segments: [Seg], limits: TCPReassemblyLimits = .standard) -> [TCPStreamEvent] {
    var r = TCPStreamReassembler(limits: limits)
    var events: [TCPStreamEvent] = []
    for s in segments { events += r.receive(sequence: s.seq, flags: s.flags, payload: s.payload) }
    events += r.finish()
    var merged: [TCPStreamEvent] = []
    for e in events {
        if case .data(let b) = e, case .data(let a)? = merged.last {
            merged[merged.count - 1] = .data(a + b)
        } else {
            merged.append(e)
        }
    }
    return merged
}

func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }

/// Splits `text` into segments of the given sizes starting at `isn + 1` (after a SYN at `isn`).
func segments(_ text: String, isn: UInt32, sizes: [Int], syn: Bool = true) -> [Seg] {
    var out: [Seg] = syn ? [Seg(seq: isn, flags: .syn, payload: [])] : []
    let all = bytes(text)
    var offset = 0, i = 0
    while offset < all.count {
        let n = min(sizes[i % sizes.count], all.count - offset)
        out.append(Seg(seq: isn &+ 1 &+ UInt32(offset), payload: Array(all[offset..<offset + n])))
        offset += n
        i += 1
    }
    return out
}

@Suite struct TCPReassemblyTests {
    static let text = "EHLO client.example\r\nMAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.com>\r\nDATA\r\n"

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var isn: UInt32
        var sizes: [Int]
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "in order", isn: 1000, sizes: [10]),
        Case(name: "uneven sizes", isn: 77, sizes: [1, 7, 3, 20]),
        Case(name: "wraps around 2^32", isn: UInt32.max - 20, sizes: [6, 9]),
        Case(name: "SYN at the last sequence number", isn: UInt32.max, sizes: [13]),
    ]

    @Test(arguments: TCPReassemblyTests.cases)
    func inOrder(_ c: Case) {
        #expect(reassemble(segments(Self.text, isn: c.isn, sizes: c.sizes)) == [.data(bytes(Self.text))])
    }

    @Test(arguments: TCPReassemblyTests.cases)
    func reversedAfterTheSYN(_ c: Case) {
        var segs = segments(Self.text, isn: c.isn, sizes: c.sizes)
        segs = [segs[0]] + segs.dropFirst().reversed()
        #expect(reassemble(segs) == [.data(bytes(Self.text))])
    }

    @Test(arguments: TCPReassemblyTests.cases)
    func duplicatedEverySegment(_ c: Case) {
        let segs = segments(Self.text, isn: c.isn, sizes: c.sizes)
        #expect(reassemble(segs.flatMap { [$0, $0] }) == [.data(bytes(Self.text))])
    }

    @Test(arguments: TCPReassemblyTests.cases)
    func shuffledWithinTheWindowGiveTheSameStream(_ c: Case) {
        let segs = segments(Self.text, isn: c.isn, sizes: c.sizes)
        var rng = SeededGenerator(state: UInt64(c.isn))
        for _ in 0..<50 {
            var rest = Array(segs.dropFirst())
            rest += rest.prefix(3)  // some retransmissions too
            rest.shuffle(using: &rng)
            #expect(reassemble([segs[0]] + rest) == [.data(bytes(Self.text))])
        }
    }

    @Test func overlappingSegmentsFirstCopyWins() {
        // Bytes 0..<10 "AAAAAAAAAA", then an overlapping retransmission with different bytes.
        let segs = [
            Seg(seq: 100, flags: .syn, payload: []),
            Seg(seq: 106, payload: bytes("BBBBBB")),       // offsets 5..<11, arrives first (out of order)
            Seg(seq: 101, payload: bytes("AAAAAAAA")),     // offsets 0..<8: only 0..<5 is new
            Seg(seq: 103, payload: bytes("CCCCCCCCCCCC")), // offsets 2..<14: only 11..<14 is new
        ]
        #expect(reassemble(segs) == [.data(bytes("AAAAABBBBBBCCC"))])
    }

    @Test func overlapCoveringTwoHeldSegmentsFillsOnlyTheHoles() {
        let segs = [
            Seg(seq: 0, flags: .syn, payload: []),
            Seg(seq: 3, payload: bytes("xx")),      // 2..<4
            Seg(seq: 7, payload: bytes("yy")),      // 6..<8
            Seg(seq: 1, payload: bytes("abcdefghij")),  // 0..<10
        ]
        #expect(reassemble(segs) == [.data(bytes("abxxefyyij"))])
    }

    @Test func midStreamCaptureStartsAtTheFirstSegment() {
        let segs = [Seg(seq: 5000, payload: bytes("250 OK\r\n")), Seg(seq: 5008, payload: bytes("354 go\r\n"))]
        #expect(reassemble(segs) == [.data(bytes("250 OK\r\n354 go\r\n"))])
    }

    @Test func aHoleIsReportedAsAGapAtTheEnd() {
        let segs = [
            Seg(seq: 9, flags: .syn, payload: []),
            Seg(seq: 10, payload: bytes("abc")),
            Seg(seq: 20, payload: bytes("xyz")),  // 7 bytes (13..<20) never arrive
        ]
        #expect(reassemble(segs) == [.data(bytes("abc")), .gap(7), .data(bytes("xyz"))])
    }

    @Test func theBufferLimitGivesUpTheOldestHole() {
        let limits = TCPReassemblyLimits(maximumBufferedBytes: 8, maximumBufferedSegments: 100, window: 1000)
        var r = TCPStreamReassembler(limits: limits)
        #expect(r.receive(sequence: 0, flags: .syn, payload: []) == [])
        #expect(r.receive(sequence: 11, payload: bytes("12345"), flags: []) == [])
        let events = r.receive(sequence: 16, payload: bytes("67890"), flags: [])
        #expect(events == [.gap(10), .data(bytes("1234567890"))])
        #expect(r.gapBytes == 10)
    }

    @Test func segmentsBeyondTheWindowAreDropped() {
        let limits = TCPReassemblyLimits(maximumBufferedBytes: 100, maximumBufferedSegments: 100, window: 50)
        var r = TCPStreamReassembler(limits: limits)
        _ = r.receive(sequence: 0, flags: .syn, payload: [])
        #expect(r.receive(sequence: 1000, payload: bytes("far"), flags: []) == [])
        #expect(r.outOfWindowBytes == 3)
        #expect(r.finish() == [])
    }

    @Test func finEndsTheStreamAndLaterBytesAreIgnored() {
        var r = TCPStreamReassembler()
        _ = r.receive(sequence: 0, flags: .syn, payload: [])
        #expect(r.receive(sequence: 1, flags: [.fin, .ack], payload: bytes("QUIT\r\n")) == [.data(bytes("QUIT\r\n"))])
        #expect(r.isClosed)
        #expect(r.receive(sequence: 7, flags: .ack, payload: bytes("late")) == [])
    }

    @Test func finBeforeTheLastDataStillDeliversItThenCloses() {
        var r = TCPStreamReassembler()
        _ = r.receive(sequence: 0, flags: .syn, payload: [])
        #expect(r.receive(sequence: 4, flags: .fin, payload: bytes("def")) == [])
        #expect(!r.isClosed)
        #expect(r.receive(sequence: 1, flags: [], payload: bytes("abc")) == [.data(bytes("abcdef"))])
        #expect(r.isClosed)
    }

    @Test func rstEndsTheStream() {
        var r = TCPStreamReassembler()
        _ = r.receive(sequence: 0, flags: .syn, payload: [])
        _ = r.receive(sequence: 1, flags: .rst, payload: [])
        #expect(r.isReset && r.isClosed)
        #expect(r.receive(sequence: 1, flags: [], payload: bytes("x")) == [])
    }
}

extension TCPStreamReassembler {
    mutating func receive(sequence: UInt32, payload: [UInt8], flags: TCPFlags) -> [TCPStreamEvent] {
        receive(sequence: sequence, flags: flags, payload: payload)
    }
}

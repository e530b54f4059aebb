import Testing
import TestSupport
@testable import PacketLayer

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Builds an IPv4 + TCP packet (checksums are not checked by the decoder and left zero).
func ipv4TCP(src: [UInt8], dst: [UInt8], sport: UInt16, dport: UInt16, seq: UInt32,
             flags: UInt8, payload: [UInt8]) -> [UInt8] {
    let total = 20 + 20 + payload.count
    var p: [UInt8] = [0x45, 0, UInt8(total >> 8), UInt8(total & 0xFF), 0, 1, 0x40, 0, 64, 6, 0, 0]
    p += src + dst
    p += tcpHeader(sport: sport, dport: dport, seq: seq, flags: flags) + payload
    return p
}

func tcpHeader(sport: UInt16, dport: UInt16, seq: UInt32, flags: UInt8) -> [UInt8] {
    [UInt8(sport >> 8), UInt8(sport & 0xFF), UInt8(dport >> 8), UInt8(dport & 0xFF),
     UInt8(seq >> 24), UInt8(seq >> 16 & 0xFF), UInt8(seq >> 8 & 0xFF), UInt8(seq & 0xFF),
     0, 0, 0, 0, 0x50, flags, 0xFF, 0xFF, 0, 0, 0, 0]
}

let etherHeader4: [UInt8] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 0x08, 0x00]

@Suite struct PcapDecodingTests {
    let packet = ipv4TCP(src: [192, 0, 2, 1], dst: [198, 51, 100, 7], sport: 40000, dport: 25,
                         seq: 0xDEADBEEF, flags: 0x18, payload: Array("EHLO x\r\n".utf8))

    @Test func ethernetIPv4() throws {
        let s = try #require(PacketDecoder.tcpSegment(frame: (etherHeader4 + packet)[...], linkType: .ethernet))
        #expect(s.source.description == "192.0.2.1:40000")
        #expect(s.destination.description == "198.51.100.7:25")
        #expect(s.sequence == 0xDEADBEEF)
        #expect(s.flags == [.psh, .ack])
        #expect(s.payload == Array("EHLO x\r\n".utf8))
    }

    @Test func ethernetPaddingBeyondTheIPTotalLengthIsNotPayload() throws {
        let s = try #require(PacketDecoder.tcpSegment(frame: (etherHeader4 + packet + [0, 0, 0, 0])[...], linkType: .ethernet))
        #expect(s.payload == Array("EHLO x\r\n".utf8))
    }

    @Test func vlanTagged() throws {
        let frame = Array(etherHeader4.prefix(12)) + [0x81, 0x00, 0x00, 0x05, 0x08, 0x00] + packet
        #expect(PacketDecoder.tcpSegment(frame: frame[...], linkType: .ethernet)?.destination.port == 25)
    }

    @Test func bsdLoopbackBothByteOrders() {
        #expect(PacketDecoder.tcpSegment(frame: ([2, 0, 0, 0] + packet)[...], linkType: .null)?.sequence == 0xDEADBEEF)
        #expect(PacketDecoder.tcpSegment(frame: ([0, 0, 0, 2] + packet)[...], linkType: .null)?.sequence == 0xDEADBEEF)
    }

    @Test func rawAndLinuxCooked() {
        #expect(PacketDecoder.tcpSegment(frame: packet[...], linkType: .raw)?.sequence == 0xDEADBEEF)
        let sll: [UInt8] = [0, 0, 0, 1, 0, 6, 1, 2, 3, 4, 5, 6, 0, 0, 0x08, 0x00]
        #expect(PacketDecoder.tcpSegment(frame: (sll + packet)[...], linkType: .linuxCooked)?.sequence == 0xDEADBEEF)
    }

    @Test func ipv6() throws {
        let tcp = tcpHeader(sport: 1234, dport: 110, seq: 7, flags: 0x02)
        var p: [UInt8] = [0x60, 0, 0, 0, 0, UInt8(tcp.count), 6, 64]
        p += [0x20, 0x01, 0x0d, 0xb8] + [UInt8](repeating: 0, count: 11) + [1]
        p += [UInt8](repeating: 0, count: 15) + [1]
        let frame = Array(etherHeader4.prefix(12)) + [0x86, 0xDD] + p + tcp
        let s = try #require(PacketDecoder.tcpSegment(frame: frame[...], linkType: .ethernet))
        #expect(s.source.description == "[2001:db8::1]:1234")
        #expect(s.destination.description == "[::1]:110")
        #expect(s.flags == .syn)
    }

    @Test func nonTCPAndFragmentsAreSkipped() {
        var udp = packet
        udp[9] = 17
        #expect(PacketDecoder.tcpSegment(frame: udp[...], linkType: .raw) == nil)
        var fragment = packet
        fragment[7] = 8  // offset 64
        #expect(PacketDecoder.tcpSegment(frame: fragment[...], linkType: .raw) == nil)
    }

    @Test func everyTruncationAndRandomCorruptionIsHandled() {
        let frame = etherHeader4 + packet
        for n in 0...frame.count {
            for link in [PcapLinkType.ethernet, .null, .raw, .linuxCooked, .linuxCooked2, .loop] {
                _ = PacketDecoder.tcpSegment(frame: frame.prefix(n), linkType: link)
            }
        }
        var rng = SeededGenerator(state: 42)
        for _ in 0..<20_000 {
            var f = frame
            for _ in 0..<Int.random(in: 1...6, using: &rng) {
                f[Int.random(in: 0..<f.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
            }
            _ = PacketDecoder.tcpSegment(frame: f.prefix(Int.random(in: 0...f.count, using: &rng)), linkType: .ethernet)
            _ = PacketDecoder.tcpSegment(frame: f.dropFirst(14), linkType: .raw)
        }
    }
}

@Suite struct GarbageCaptureTests {
    let scratch: TemporaryDirectory

    init() throws {
        scratch = try TemporaryDirectory(prefix: "mailsec-pcap")
    }

    func temporaryPath(_ tag: String) -> String {
        scratch.path("\(tag).pcap")
    }

    @Test func aMissingFileThrows() {
        #expect(throws: PcapError.self) { try Replay.run(path: temporaryPath("never-written")) }
    }

    @Test func garbageFilesThrowOrReplayNothing() throws {
        var rng = SeededGenerator(state: 7)
        for i in 0..<30 {
            let junk = (0..<Int.random(in: 0...300, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            let path = temporaryPath("junk\(i)")
            try writeBytes(path, junk)
            defer { unlink(path) }
            let result = try? Replay.run(path: path)
            #expect(result == nil || result == [])
        }
    }

    @Test(arguments: ["sv__smtp-multi-mail", "sv__smtp-pipelining", "zeek__smtp-attachment-msg", "zeek__pop3-bad-list-retr-crafted"])
    func truncatedAndCorruptedCorpusCapturesNeverCrash(_ name: String) throws {
        let source = try readBytes("\(ReplayCorpusTests.fixtures)/\(name).pcap")
        var rng = SeededGenerator(state: UInt64(source.count))
        var replayed = 0
        for i in 0..<40 {
            var bytes = Array(source.prefix(Int.random(in: 0...source.count, using: &rng)))
            if i % 2 == 1, bytes.count > 24 {
                for _ in 0..<20 { bytes[Int.random(in: 24..<bytes.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng) }
            }
            let path = temporaryPath("cut-\(name)-\(i)")
            try writeBytes(path, bytes)
            defer { unlink(path) }
            if let messages = try? Replay.run(path: path) {
                replayed += 1
                #expect(messages.count <= 6)
            }
        }
        #expect(replayed > 0)
    }
}

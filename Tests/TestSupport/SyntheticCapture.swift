import Foundation

/// Writes small pcap files (raw IPv4 link type) of made-up TCP conversations, so tests can
/// replay exactly the mail they need (GTUBE, EICAR) without a network.
public struct SyntheticCapture {
    /// One side of a conversation speaking: `fromClient` bytes, in one segment.
    public struct Turn {
        public var fromClient: Bool
        public var bytes: [UInt8]
        public init(fromClient: Bool, _ text: String) {
            self.fromClient = fromClient
            self.bytes = Array(text.utf8)
        }
    }

    private var records: [UInt8] = []
    private var second: UInt32 = 1_764_115_200  // 2025-11-26 00:00:00 UTC

    public init() {}

    /// Adds a whole TCP connection (handshake, the turns, FIN both ways) between `client` and
    /// `server` (IPv4 address bytes and ports).
    public mutating func connection(client: [UInt8], clientPort: UInt16, server: [UInt8], serverPort: UInt16, turns: [Turn]) {
        var clientSeq: UInt32 = 1000, serverSeq: UInt32 = 5000
        packet(client, clientPort, server, serverPort, seq: clientSeq, flags: 0x02, [])
        packet(server, serverPort, client, clientPort, seq: serverSeq, flags: 0x12, [])
        clientSeq += 1
        serverSeq += 1
        for turn in turns {
            // Segments of at most 1400 bytes, as on a real Ethernet.
            var offset = 0
            while offset < turn.bytes.count {
                let piece = Array(turn.bytes[offset..<min(offset + 1400, turn.bytes.count)])
                if turn.fromClient {
                    packet(client, clientPort, server, serverPort, seq: clientSeq, flags: 0x18, piece)
                    clientSeq &+= UInt32(piece.count)
                } else {
                    packet(server, serverPort, client, clientPort, seq: serverSeq, flags: 0x18, piece)
                    serverSeq &+= UInt32(piece.count)
                }
                offset += piece.count
            }
        }
        packet(client, clientPort, server, serverPort, seq: clientSeq, flags: 0x11, [])
        packet(server, serverPort, client, clientPort, seq: serverSeq, flags: 0x11, [])
    }

    /// An SMTP session delivering each message (text with CRLF line ends, not dot-stuffed).
    public mutating func smtpSession(client: [UInt8], clientPort: UInt16, server: [UInt8], serverPort: UInt16 = 25,
                                     from: String, to: String, messages: [String]) {
        var turns = [Turn(fromClient: false, "220 mx.example.com ESMTP\r\n"),
                     Turn(fromClient: true, "EHLO pc.example.com\r\n"),
                     Turn(fromClient: false, "250 mx.example.com\r\n")]
        for message in messages {
            let stuffed = message.split(separator: "\r\n", omittingEmptySubsequences: false)
                .map { $0.hasPrefix(".") ? "." + $0 : String($0) }.joined(separator: "\r\n")
            turns += [Turn(fromClient: true, "MAIL FROM:<\(from)>\r\n"), Turn(fromClient: false, "250 2.1.0 Ok\r\n"),
                      Turn(fromClient: true, "RCPT TO:<\(to)>\r\n"), Turn(fromClient: false, "250 2.1.5 Ok\r\n"),
                      Turn(fromClient: true, "DATA\r\n"), Turn(fromClient: false, "354 End data with <CR><LF>.<CR><LF>\r\n"),
                      Turn(fromClient: true, stuffed + (stuffed.hasSuffix("\r\n") ? "" : "\r\n") + ".\r\n"),
                      Turn(fromClient: false, "250 2.0.0 Ok: queued\r\n")]
        }
        turns += [Turn(fromClient: true, "QUIT\r\n"), Turn(fromClient: false, "221 2.0.0 Bye\r\n")]
        connection(client: client, clientPort: clientPort, server: server, serverPort: serverPort, turns: turns)
    }

    private mutating func packet(_ src: [UInt8], _ sport: UInt16, _ dst: [UInt8], _ dport: UInt16,
                                 seq: UInt32, flags: UInt8, _ payload: [UInt8]) {
        let total = 40 + payload.count
        var ip: [UInt8] = [0x45, 0, UInt8(total >> 8), UInt8(total & 0xFF), 0, 1, 0x40, 0, 64, 6, 0, 0]
        ip += src + dst
        ip += [UInt8(sport >> 8), UInt8(sport & 0xFF), UInt8(dport >> 8), UInt8(dport & 0xFF),
               UInt8(seq >> 24), UInt8(seq >> 16 & 0xFF), UInt8(seq >> 8 & 0xFF), UInt8(seq & 0xFF),
               0, 0, 0, 0, 0x50, flags, 0xFF, 0xFF, 0, 0, 0, 0]
        ip += payload
        second += 1
        records += le32(second) + le32(0) + le32(UInt32(ip.count)) + le32(UInt32(ip.count)) + ip
    }

    /// The pcap file: classic header, microsecond timestamps, LINKTYPE_RAW (101).
    public var bytes: [UInt8] {
        le32(0xA1B2_C3D4) + [2, 0, 4, 0] + le32(0) + le32(0) + le32(262_144) + le32(101) + records
    }

    public func write(to path: String) throws {
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    private func le32(_ value: UInt32) -> [UInt8] {
        [UInt8(value & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value >> 16 & 0xFF), UInt8(value >> 24)]
    }
}

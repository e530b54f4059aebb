// Pure, bounds-checked decoding of captured frames down to TCP segments.
//
// Every function takes the captured bytes and returns nil on anything short, inconsistent or
// unsupported; none of them traps on any input.

/// Link-layer header types (the `linktype` values of the pcap file header).
public enum PcapLinkType: Sendable, Hashable {
    case ethernet          // DLT_EN10MB (1)
    case null              // DLT_NULL (0): BSD loopback, 4-byte address family in host order
    case loop              // DLT_LOOP (108): like DLT_NULL, network order
    case raw               // DLT_RAW (12 / 14 / 101): starts with the IP header
    case linuxCooked       // DLT_LINUX_SLL (113)
    case linuxCooked2      // DLT_LINUX_SLL2 (276)
    case other(Int32)

    public init(dlt: Int32) {
        switch dlt {
        case 1: self = .ethernet
        case 0: self = .null
        case 108: self = .loop
        case 12, 14, 101: self = .raw
        case 113: self = .linuxCooked
        case 276: self = .linuxCooked2
        default: self = .other(dlt)
        }
    }
}

/// An IPv4 or IPv6 address, kept as its bytes (4 or 16).
public struct IPAddress: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var bytes: [UInt8]

    public init(bytes: [UInt8]) { self.bytes = bytes }

    public static func < (lhs: IPAddress, rhs: IPAddress) -> Bool {
        lhs.bytes.lexicographicallyPrecedes(rhs.bytes)
    }

    /// Dotted quad for IPv4; RFC 5952 short form for IPv6.
    public var description: String {
        if bytes.count == 4 { return bytes.map(String.init).joined(separator: ".") }
        guard bytes.count == 16 else { return "?" }
        var groups: [UInt16] = []
        for i in stride(from: 0, to: 16, by: 2) { groups.append(UInt16(bytes[i]) << 8 | UInt16(bytes[i + 1])) }
        // Longest run (length >= 2) of zero groups becomes "::".
        var bestStart = -1, bestLength = 0, runStart = -1
        for i in 0...8 {
            if i < 8 && groups[i] == 0 {
                if runStart < 0 { runStart = i }
            } else if runStart >= 0 {
                if i - runStart > bestLength { bestStart = runStart; bestLength = i - runStart }
                runStart = -1
            }
        }
        func hex(_ range: Range<Int>) -> String { range.map { String(groups[$0], radix: 16) }.joined(separator: ":") }
        guard bestLength >= 2 else { return hex(0..<8) }
        return hex(0..<bestStart) + "::" + hex((bestStart + bestLength)..<8)
    }
}

/// One TCP endpoint.
public struct TCPEndpoint: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var address: IPAddress
    public var port: UInt16

    public init(address: IPAddress, port: UInt16) {
        self.address = address
        self.port = port
    }

    public static func < (lhs: TCPEndpoint, rhs: TCPEndpoint) -> Bool {
        lhs.address != rhs.address ? lhs.address < rhs.address : lhs.port < rhs.port
    }

    /// `192.0.2.1:25`, `[2001:db8::1]:25`.
    public var description: String {
        address.bytes.count == 16 ? "[\(address)]:\(port)" : "\(address):\(port)"
    }
}

/// TCP header flags used by reassembly.
public struct TCPFlags: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let fin = TCPFlags(rawValue: 0x01)
    public static let syn = TCPFlags(rawValue: 0x02)
    public static let rst = TCPFlags(rawValue: 0x04)
    public static let psh = TCPFlags(rawValue: 0x08)
    public static let ack = TCPFlags(rawValue: 0x10)
}

/// A TCP segment taken out of a captured frame.
public struct TCPSegment: Sendable, Hashable {
    public var source: TCPEndpoint
    public var destination: TCPEndpoint
    public var sequence: UInt32
    public var flags: TCPFlags
    public var payload: [UInt8]

    public init(source: TCPEndpoint, destination: TCPEndpoint, sequence: UInt32, flags: TCPFlags, payload: [UInt8]) {
        self.source = source
        self.destination = destination
        self.sequence = sequence
        self.flags = flags
        self.payload = payload
    }
}

public enum PacketDecoder {
    /// Decodes a captured frame of the given link type to a TCP segment; nil when the frame is
    /// not TCP over IPv4/IPv6 or is truncated or malformed.
    public static func tcpSegment(frame: ArraySlice<UInt8>, linkType: PcapLinkType) -> TCPSegment? {
        guard let (etherType, payload) = networkLayer(frame: frame, linkType: linkType) else { return nil }
        switch etherType {
        case 0x0800: return ipv4(payload)
        case 0x86DD: return ipv6(payload)
        default: return nil
        }
    }

    /// The network-layer protocol (as an EtherType) and its bytes.
    static func networkLayer(frame: ArraySlice<UInt8>, linkType: PcapLinkType) -> (UInt16, ArraySlice<UInt8>)? {
        let s = frame.startIndex
        switch linkType {
        case .ethernet:
            guard frame.count >= 14 else { return nil }
            var type = be16(frame, s + 12)
            var offset = s + 14
            // 802.1Q / 802.1ad tags, at most two stacked (bounded loop).
            var tags = 0
            while (type == 0x8100 || type == 0x88A8 || type == 0x9100), tags < 2 {
                guard let t = be16Checked(frame, offset + 2) else { return nil }
                type = t
                offset += 4
                tags += 1
            }
            guard offset <= frame.endIndex else { return nil }
            return (type, frame[offset...])
        case .null, .loop:
            guard frame.count >= 4 else { return nil }
            let le = UInt32(frame[s]) | UInt32(frame[s + 1]) << 8 | UInt32(frame[s + 2]) << 16 | UInt32(frame[s + 3]) << 24
            let be = UInt32(frame[s + 3]) | UInt32(frame[s + 2]) << 8 | UInt32(frame[s + 1]) << 16 | UInt32(frame[s]) << 24
            let family = linkType == .loop ? be : (le <= 0xFFFF ? le : be)
            switch family {
            case 2: return (0x0800, frame[(s + 4)...])
            case 10, 24, 28, 30: return (0x86DD, frame[(s + 4)...])  // AF_INET6 on Linux, BSDs, macOS
            default: return nil
            }
        case .raw:
            guard let first = frame.first else { return nil }
            switch first >> 4 {
            case 4: return (0x0800, frame)
            case 6: return (0x86DD, frame)
            default: return nil
            }
        case .linuxCooked:
            guard frame.count >= 16 else { return nil }
            return (be16(frame, s + 14), frame[(s + 16)...])
        case .linuxCooked2:
            guard frame.count >= 20 else { return nil }
            return (be16(frame, s), frame[(s + 20)...])
        case .other:
            return nil
        }
    }

    /// IPv4: header checked, fragments other than the first skipped, total length honoured.
    static func ipv4(_ packet: ArraySlice<UInt8>) -> TCPSegment? {
        let s = packet.startIndex
        guard packet.count >= 20, packet[s] >> 4 == 4 else { return nil }
        let headerLength = Int(packet[s] & 0x0F) * 4
        let totalLength = Int(be16(packet, s + 2))
        guard headerLength >= 20, totalLength >= headerLength, packet.count >= headerLength else { return nil }
        let fragment = be16(packet, s + 6)
        guard fragment & 0x1FFF == 0, fragment & 0x2000 == 0 else { return nil }  // no reassembly of IP fragments
        guard packet[s + 9] == 6 else { return nil }
        let end = s + min(totalLength, packet.count)  // a truncated capture keeps what it has
        let source = IPAddress(bytes: Array(packet[(s + 12)..<(s + 16)]))
        let destination = IPAddress(bytes: Array(packet[(s + 16)..<(s + 20)]))
        return tcp(packet[(s + headerLength)..<end], source: source, destination: destination)
    }

    /// IPv6: extension headers (hop-by-hop, routing, destination options) skipped, fragments skipped.
    static func ipv6(_ packet: ArraySlice<UInt8>) -> TCPSegment? {
        let s = packet.startIndex
        guard packet.count >= 40, packet[s] >> 4 == 6 else { return nil }
        let payloadLength = Int(be16(packet, s + 4))
        var next = packet[s + 6]
        let source = IPAddress(bytes: Array(packet[(s + 8)..<(s + 24)]))
        let destination = IPAddress(bytes: Array(packet[(s + 24)..<(s + 40)]))
        let end = s + min(40 + payloadLength, packet.count)
        var offset = s + 40
        var hops = 0
        while next != 6 {
            guard [0, 43, 60].contains(next), hops < 8, offset + 2 <= end else { return nil }
            let length = (Int(packet[offset + 1]) + 1) * 8
            next = packet[offset]
            offset += length
            hops += 1
        }
        guard offset <= end else { return nil }
        return tcp(packet[offset..<end], source: source, destination: destination)
    }

    static func tcp(_ segment: ArraySlice<UInt8>, source: IPAddress, destination: IPAddress) -> TCPSegment? {
        let s = segment.startIndex
        guard segment.count >= 20 else { return nil }
        let dataOffset = Int(segment[s + 12] >> 4) * 4
        guard dataOffset >= 20, dataOffset <= segment.count else { return nil }
        let sequence = UInt32(segment[s + 4]) << 24 | UInt32(segment[s + 5]) << 16 | UInt32(segment[s + 6]) << 8 | UInt32(segment[s + 7])
        return TCPSegment(
            source: TCPEndpoint(address: source, port: be16(segment, s)),
            destination: TCPEndpoint(address: destination, port: be16(segment, s + 2)),
            sequence: sequence,
            flags: TCPFlags(rawValue: segment[s + 13] & 0x1F),
            payload: Array(segment[(s + dataOffset)...]))
    }

    @inline(__always)
    static func be16(_ bytes: ArraySlice<UInt8>, _ at: Int) -> UInt16 {
        UInt16(bytes[at]) << 8 | UInt16(bytes[at + 1])
    }

    static func be16Checked(_ bytes: ArraySlice<UInt8>, _ at: Int) -> UInt16? {
        guard at >= bytes.startIndex, at + 2 <= bytes.endIndex else { return nil }
        return be16(bytes, at)
    }
}

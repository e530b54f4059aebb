import CPcap

/// A capture timestamp (UTC), as recorded in the capture file.
public struct CaptureTime: Sendable, Hashable, Comparable {
    public var seconds: Int64
    public var microseconds: Int32

    public init(seconds: Int64, microseconds: Int32) {
        self.seconds = seconds
        self.microseconds = microseconds
    }

    public static func < (lhs: CaptureTime, rhs: CaptureTime) -> Bool {
        (lhs.seconds, lhs.microseconds) < (rhs.seconds, rhs.microseconds)
    }
}

/// One frame read from a capture file.
public struct CapturedFrame: Sendable {
    /// 0-based position in the file.
    public var index: Int
    public var time: CaptureTime
    /// The captured bytes (possibly fewer than were on the wire).
    public var bytes: [UInt8]
}

public enum PcapError: Error, Equatable, CustomStringConvertible {
    case cannotOpen(String)
    case readFailed(String)

    public var description: String {
        switch self {
        case .cannotOpen(let reason): return "cannot open capture: \(reason)"
        case .readFailed(let reason): return "cannot read capture: \(reason)"
        }
    }
}

/// Reads a capture file (pcap, and pcapng where libpcap supports it) frame by frame.
public final class PcapReader {
    /// Frames longer than this are cut to it (bounds every per-frame copy).
    public static let maximumFrameBytes = 262_144

    private var handle: OpaquePointer?
    public let linkType: PcapLinkType
    private var nextIndex = 0

    public init(path: String) throws {
        var errorBuffer = [CChar](repeating: 0, count: Int(PCAP_ERRBUF_SIZE) + 1)
        guard let handle = pcap_open_offline(path, &errorBuffer) else {
            let reason = errorBuffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
            throw PcapError.cannotOpen(reason)
        }
        self.handle = handle
        self.linkType = PcapLinkType(dlt: pcap_datalink(handle))
    }

    deinit {
        if let handle { pcap_close(handle) }
    }

    /// Why reading stopped before the end of the file (a record cut short or with an impossible
    /// length), nil while none happened. What was read before is kept.
    public private(set) var stopReason: String?

    /// The next frame, or nil at the end of the file or at the first unreadable record (see
    /// `stopReason`): a damaged capture yields the frames before the damage.
    public func next() throws -> CapturedFrame? {
        if stopReason != nil { return nil }
        guard let handle else { return nil }
        var header: UnsafeMutablePointer<pcap_pkthdr>?
        var data: UnsafePointer<UInt8>?
        let result = pcap_next_ex(handle, &header, &data)
        switch result {
        case 1:
            guard let header, let data else { return nil }
            let length = min(Int(header.pointee.caplen), PcapReader.maximumFrameBytes)
            let bytes = Array(UnsafeBufferPointer(start: data, count: length))
            let time = CaptureTime(seconds: Int64(header.pointee.ts.tv_sec),
                                   microseconds: Int32(truncatingIfNeeded: header.pointee.ts.tv_usec))
            defer { nextIndex += 1 }
            return CapturedFrame(index: nextIndex, time: time, bytes: bytes)
        case PCAP_ERROR_BREAK:
            return nil
        default:
            stopReason = String(cString: pcap_geterr(handle))
            return nil
        }
    }
}

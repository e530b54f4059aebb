import CPcap
import Foundation

/// Named bounds of live capture.
public enum LiveCaptureLimits {
    /// Bytes kept of each frame: a full jumbo frame, so no mail byte is cut off.
    public static let snapshotBytes: Int32 = 65_535
    /// The kernel ring libpcap reads from; a burst larger than this is dropped (and counted).
    public static let kernelBufferBytes: Int32 = 4 << 20
    /// The longest the capture thread waits for a frame before it looks at its stop flag.
    public static let pollMilliseconds: Int32 = 100
}

/// A passive capture on one interface (libpcap). The handle is non-blocking and waited on with
/// `poll(2)` for at most the given timeout, so the reading thread can always be stopped.
/// Nothing is ever sent on the interface. Not thread-safe: one reading thread owns it.
public final class PcapLiveCapture: FrameSource {
    private var handle: OpaquePointer?
    public let interface: String
    public let linkType: PcapLinkType
    private var nextIndex = 0

    /// Opens `interface` in promiscuous mode with the BPF `filter` (tcpdump syntax).
    public init(interface: String, filter: String) throws {
        var errorBuffer = [CChar](repeating: 0, count: Int(PCAP_ERRBUF_SIZE) + 1)
        guard let handle = pcap_create(interface, &errorBuffer) else {
            throw PcapError.cannotOpen(errorBuffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) })
        }
        func fail(_ what: String) -> PcapError {
            let reason = String(cString: pcap_geterr(handle))
            pcap_close(handle)
            return PcapError.cannotOpen("\(interface): \(what)\(reason.isEmpty ? "" : ": \(reason)")")
        }
        pcap_set_snaplen(handle, LiveCaptureLimits.snapshotBytes)
        pcap_set_promisc(handle, 1)
        pcap_set_timeout(handle, LiveCaptureLimits.pollMilliseconds)
        pcap_set_immediate_mode(handle, 1)
        pcap_set_buffer_size(handle, LiveCaptureLimits.kernelBufferBytes)
        let activation = pcap_activate(handle)
        if activation < 0 { throw fail("cannot start the capture (\(activation))") }
        var program = bpf_program()
        guard pcap_compile(handle, &program, filter, 1, PCAP_NETMASK_UNKNOWN) == 0 else { throw fail("bad filter '\(filter)'") }
        defer { pcap_freecode(&program) }
        guard pcap_setfilter(handle, &program) == 0 else { throw fail("cannot set the filter") }
        guard pcap_setnonblock(handle, 1, &errorBuffer) == 0 else { throw fail("cannot make the handle non-blocking") }
        self.handle = handle
        self.interface = interface
        self.linkType = PcapLinkType(dlt: pcap_datalink(handle))
    }

    deinit {
        if let handle { pcap_close(handle) }
    }

    public func read(timeoutMilliseconds: Int32) -> FrameRead {
        guard let handle else { return .end }
        var header: UnsafeMutablePointer<pcap_pkthdr>?
        var data: UnsafePointer<UInt8>?
        var result = pcap_next_ex(handle, &header, &data)
        if result == 0 {
            // Nothing buffered: wait (bounded) for the descriptor, then try once more.
            let fd = pcap_get_selectable_fd(handle)
            if fd >= 0 {
                var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                _ = poll(&entry, 1, timeoutMilliseconds)
            }
            result = pcap_next_ex(handle, &header, &data)
        }
        switch result {
        case 1:
            guard let header, let data else { return .idle }
            let length = min(Int(header.pointee.caplen), PcapReader.maximumFrameBytes)
            let time = CaptureTime(seconds: Int64(header.pointee.ts.tv_sec),
                                   microseconds: Int32(truncatingIfNeeded: header.pointee.ts.tv_usec))
            defer { nextIndex += 1 }
            return .frame(CapturedFrame(index: nextIndex, time: time, bytes: Array(UnsafeBufferPointer(start: data, count: length))))
        case 0:
            return .idle
        default:
            return .failed(String(cString: pcap_geterr(handle)))
        }
    }

    public func dropStatistics() -> (received: Int, dropped: Int)? {
        guard let handle else { return nil }
        var stats = pcap_stat()
        guard pcap_stats(handle, &stats) == 0 else { return nil }
        return (Int(stats.ps_recv), Int(stats.ps_drop) + Int(stats.ps_ifdrop))
    }

    /// The BPF filter for the mail ports: TCP to or from any of them.
    public static func filter(ports: [Int]) -> String {
        let unique = Array(Set(ports)).sorted()
        guard !unique.isEmpty else { return "tcp" }
        return "tcp and (" + unique.map { "port \($0)" }.joined(separator: " or ") + ")"
    }
}

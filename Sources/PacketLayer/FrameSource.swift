/// What reading a frame source gave.
public enum FrameRead: Sendable {
    case frame(CapturedFrame)
    /// Nothing arrived within the wait: the reader may check whether it should stop.
    case idle
    /// A file source ended.
    case end
    /// The source cannot be read any more (interface gone, capture file damaged).
    case failed(String)
}

/// Where captured frames come from: a live interface (`PcapLiveCapture`) or a capture file
/// (`PcapReader`, which is how the monitor pipeline is tested without a network).
public protocol FrameSource: AnyObject {
    var linkType: PcapLinkType { get }
    /// The next frame, waiting at most `timeoutMilliseconds` (a file never waits).
    func read(timeoutMilliseconds: Int32) -> FrameRead
    /// Frames seen and dropped by the kernel or libpcap so far; nil when the source cannot tell.
    func dropStatistics() -> (received: Int, dropped: Int)?
}

extension PcapReader: FrameSource {
    public func read(timeoutMilliseconds: Int32) -> FrameRead {
        do {
            guard let frame = try next() else { return stopReason.map { .failed($0) } ?? .end }
            return .frame(frame)
        } catch {
            return .failed("\(error)")
        }
    }

    public func dropStatistics() -> (received: Int, dropped: Int)? { nil }
}

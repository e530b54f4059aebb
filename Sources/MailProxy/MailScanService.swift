import MessageInspection
import NIOCore

/// What the SMTP proxy needs from the scan service: whether it may be used now, and a scan
/// that answers on the session's event loop and can be abandoned. The daemon connects the YSC
/// client (`MailScanService.ysc`); unit tests put in a stub.
public struct MailScanService: Sendable {
    /// A running scan: its outcome, and the handle to abandon it.
    public struct Pending: Sendable {
        public var futureResult: EventLoopFuture<ScanOutcome>
        public var cancel: @Sendable () -> Void

        public init(futureResult: EventLoopFuture<ScanOutcome>, cancel: @escaping @Sendable () -> Void) {
            self.futureResult = futureResult
            self.cancel = cancel
        }
    }

    /// nil when the service may be used; otherwise why not (licence inactive, breaker open).
    public var unavailability: @Sendable () -> UnavailableReason?
    /// Scans one whole message; the future succeeds on `eventLoop` (failures are outcomes).
    public var scan: @Sendable (_ message: ByteBuffer, _ requestID: String, _ eventLoop: any EventLoop) -> Pending

    public init(unavailability: @escaping @Sendable () -> UnavailableReason?,
                scan: @escaping @Sendable (ByteBuffer, String, any EventLoop) -> Pending) {
        self.unavailability = unavailability
        self.scan = scan
    }
}

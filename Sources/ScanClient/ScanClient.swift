import Foundation
import NIOConcurrencyHelpers
import NIOCore
import ScanProtocol
import Telemetry

/// The client of the scan service (YSC): `POST {url}v1/scan` over HTTPS on libcurl.
///
/// ```
/// C: POST /v1/scan HTTP/1.1
/// C: Content-Type: message/rfc822
/// C: X-Operation: send
/// C: X-Request-Id: 0001
/// C:
/// C: <the message>
/// S: HTTP/1.1 200 OK
/// S: {"spam_score": 0, "viruses": [], "engines": ["builtin"], "elapsed_ms": 2}
/// ```
///
/// One instance per process: it owns the curl thread (see `CurlEngine`), the circuit breaker
/// and the statistics. Every method may be called from any thread; results arrive on the
/// caller's event loop. Call `shutdown()` before dropping it.
public final class ScanClient: Sendable {
    struct Shared {
        var configuration: ScanClientConfiguration
        var breaker: CircuitBreaker
    }

    let engine = CurlEngine()
    let shared: NIOLockedValueBox<Shared>
    public let statistics = ScanStatistics()
    let log: @Sendable (MailSecLogMessage) -> Void
    let now: @Sendable () -> NIODeadline
    let wallClock: @Sendable () -> Date

    /// - Parameters:
    ///   - log: where the DEBUG lines of docs/product.md §9 go (the daemon connects its syslog sender).
    ///   - now: monotonic time for deadlines and the breaker (injected by tests).
    ///   - wallClock: calendar time for "last error time".
    public init(
        configuration: ScanClientConfiguration,
        breaker: CircuitBreaker = CircuitBreaker(),
        log: @escaping @Sendable (MailSecLogMessage) -> Void = { _ in },
        now: @escaping @Sendable () -> NIODeadline = { .now() },
        wallClock: @escaping @Sendable () -> Date = { Date() }
    ) {
        shared = NIOLockedValueBox(Shared(configuration: configuration, breaker: breaker))
        self.log = log
        self.now = now
        self.wallClock = wallClock
        statistics.setServiceURL(configuration.url)
    }

    public var configuration: ScanClientConfiguration {
        shared.withLockedValue { $0.configuration }
    }

    /// Applies changed `ysc …` settings. Attempts already running keep their settings; the next
    /// attempt (also a retry of a running scan) uses the new ones. A new URL starts the breaker
    /// afresh: the failures it counted were another service's.
    public func update(configuration: ScanClientConfiguration) {
        shared.withLockedValue { shared in
            if shared.configuration.url != configuration.url {
                shared.breaker = CircuitBreaker(failureThreshold: shared.breaker.failureThreshold,
                                                openDuration: shared.breaker.openDuration)
            }
            shared.configuration = configuration
        }
        statistics.setServiceURL(configuration.url)
    }

    /// Scans one message. The returned task's future always succeeds (failures are outcomes)
    /// on `eventLoop`; `cancel()` on the task aborts it when the mail session goes away.
    ///
    /// - Parameter deadline: the end of this message's whole budget: no attempt starts after it
    ///   and a running attempt is cut at it. Defaults to the budget of `operation`.
    public func scan(
        _ message: ByteBuffer, operation: ScanOperation, requestID: String,
        deadline: NIODeadline? = nil, on eventLoop: any EventLoop
    ) -> ScanTask {
        let budget = operation == .send ? ScanClientLimits.smtpMessageBudget : ScanClientLimits.pop3MessageBudget
        let job = ScanJob(client: self, eventLoop: eventLoop, message: message, operation: operation,
                          requestID: Self.headerSafe(requestID), deadline: deadline ?? now() + budget)
        statistics.recordRequest()
        eventLoop.execute { job.start() }
        return ScanTask(job: job)
    }

    /// The same, for async callers; task cancellation cancels the scan. (Named apart from
    /// `scan` so async callers can still reach the task-returning form.)
    public func scanOutcome(
        _ message: ByteBuffer, operation: ScanOperation, requestID: String,
        deadline: NIODeadline? = nil, on eventLoop: any EventLoop
    ) async -> ScanResult {
        let task: ScanTask = scan(message, operation: operation, requestID: requestID, deadline: deadline, on: eventLoop)
        return await withTaskCancellationHandler {
            (try? await task.futureResult.get())
                ?? ScanResult(result: .failure(ScanFailure(kind: .cancelled, detail: "cancelled")), attempts: 0)
        } onCancel: {
            task.cancel()
        }
    }

    /// False while the breaker is open: the mail relays apply the unavailable policy at once.
    public var isAvailable: Bool {
        let now = now()
        return shared.withLockedValue { !$0.breaker.isOpen(now: now) }
    }

    public var breakerState: CircuitBreaker.State {
        shared.withLockedValue { $0.breaker.state }
    }

    /// `show status ysc`.
    public func statusReport() -> String {
        let snapshot = statistics.snapshot
        let state = ScanStatusReport.stateText(breaker: breakerState, lastAttemptFailed: snapshot.lastAttemptFailed, now: now())
        return ScanStatusReport.render(snapshot, state: state)
    }

    /// `clear status ysc`.
    public func clearStatistics() {
        statistics.clear()
    }

    /// Aborts everything in flight (their futures report `cancelled`) and stops the curl thread.
    public func shutdown() {
        engine.shutdown()
    }

    /// The request ID as it may appear in an HTTP header and a syslog line: visible ASCII only
    /// (a CR/LF would inject headers), bounded in length.
    static func headerSafe(_ id: String) -> String {
        let safe = String(id.unicodeScalars.filter { (0x21...0x7E).contains($0.value) }.prefix(ScanClientLimits.maxRequestIDLength))
        return safe.isEmpty ? "-" : safe
    }

    // MARK: shared with ScanJob and LicenseClient

    /// Runs one HTTP exchange on the curl thread; the future completes on `eventLoop`.
    func perform(_ request: CurlRequest, on eventLoop: any EventLoop) -> (EventLoopFuture<CurlExchange>, CurlTransferID) {
        let promise = eventLoop.makePromise(of: CurlExchange.self)
        let id = engine.submit(request) { promise.succeed($0) }
        return (promise.futureResult, id)
    }

    func cancel(_ id: CurlTransferID) {
        engine.cancel(id)
    }

    func withBreaker<T>(_ body: (inout CircuitBreaker) -> T) -> T {
        shared.withLockedValue { body(&$0.breaker) }
    }
}

/// A running scan: its result, and the handle to abandon it.
public final class ScanTask: Sendable {
    private let job: ScanJob
    public var futureResult: EventLoopFuture<ScanResult> { job.promise.futureResult }

    init(job: ScanJob) {
        self.job = job
    }

    /// Aborts the scan (the running HTTP exchange included); the future reports `cancelled`.
    /// Safe from any thread, and after completion (then it does nothing).
    public func cancel() {
        let job = job
        job.eventLoop.execute { job.cancel() }
    }
}

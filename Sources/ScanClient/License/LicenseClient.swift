import Foundation
import NIOConcurrencyHelpers
import NIOCore
import ScanProtocol

/// Activates the box's serial against the licence server at start and periodically, through the
/// scan client's curl machinery (same thread, same TLS trust, same timeouts), and keeps the
/// `LicenseStateMachine` up to date.
///
/// ```
/// C: POST /v1/license/activate   {"serial": "S123", "product": "mail-security"}
/// S: 200 {"product": "mail-security", "state": "active", "expires": "2027-11-30"}
/// ```
public final class LicenseClient: Sendable {
    /// A confirmed licence is re-confirmed daily (renewals show up within a day).
    public static let renewalInterval = TimeAmount.hours(24)
    /// While the server cannot be reached (or has not confirmed yet), ask again sooner.
    public static let retryInterval = TimeAmount.minutes(5)
    /// The `[ID]` of the licence requests' DEBUG lines (scan requests carry the mail session's).
    static let logID = "license"

    /// How the server's answer is understood.
    enum Answer: Equatable {
        case activated(LicenseRecord)
        case rejected(String)
        case unreachable(String)
    }

    private let scanClient: ScanClient
    private let serial: String
    private let product: String
    private let clock: @Sendable () -> Date
    private let onRecordChange: @Sendable (LicenseRecord?) -> Void
    private let machine: NIOLockedValueBox<LicenseStateMachine>
    private let schedule = NIOLockedValueBox<RepeatedTask?>(nil)

    /// - Parameters:
    ///   - previouslyKnown: the record kept from before this start (enables authentication grace).
    ///   - onRecordChange: called when the confirmed record changes, so the daemon can keep it.
    public init(
        scanClient: ScanClient, serial: String, product: String, previouslyKnown: LicenseRecord? = nil,
        clock: @escaping @Sendable () -> Date = { Date() },
        onRecordChange: @escaping @Sendable (LicenseRecord?) -> Void = { _ in }
    ) {
        self.scanClient = scanClient
        self.serial = serial
        self.product = product
        self.clock = clock
        self.onRecordChange = onRecordChange
        machine = NIOLockedValueBox(LicenseStateMachine(previouslyKnown: previouslyKnown, startedAt: clock()))
    }

    public var state: LicenseStateMachine.State {
        let now = clock()
        return machine.withLockedValue { $0.state(at: now) }
    }

    public var record: LicenseRecord? {
        machine.withLockedValue { $0.record }
    }

    /// One activation request; the future (on `eventLoop`) carries the state afterwards.
    public func activate(on eventLoop: any EventLoop) -> EventLoopFuture<LicenseStateMachine.State> {
        let configuration = scanClient.configuration
        var body = ByteBuffer()
        body.writeBytes(YSCCoding.encode(LicenseActivationRequest(serial: serial, product: product)))
        let request = CurlRequest(
            method: .post, url: configuration.endpoint(YSCEndpoint.licenseActivatePath),
            headers: ["Content-Type: \(YSCEndpoint.jsonContentType)", "Accept: \(YSCEndpoint.jsonContentType)"]
                + configuration.authenticationHeaders, body: body,
            connectTimeoutMilliseconds: Int(configuration.connectionTimeout.nanoseconds / 1_000_000),
            totalTimeoutMilliseconds: Int(configuration.requestTimeout.nanoseconds / 1_000_000),
            caBundlePath: configuration.caBundlePath, replyLimit: ScanClientLimits.maxReplyBytes,
            clientCertificate: configuration.clientCertificate)
        let host = URL(string: configuration.url)?.host ?? configuration.url
        return scanClient.perform(request, on: eventLoop).0.map { [self] exchange in
            AttemptClassifier.transportLog(exchange, host: host, requestID: Self.logID).forEach(scanClient.log)
            return apply(Self.interpret(exchange))
        }
    }

    /// Activates now, then again every `renewalInterval` (every `retryInterval` while not
    /// confirmed). The timer runs on `eventLoop` and never blocks it.
    public func start(on eventLoop: any EventLoop) {
        let task = eventLoop.scheduleRepeatedAsyncTask(initialDelay: .zero, delay: Self.retryInterval) { [self] _ in
            // The repeated task ticks at the short interval; a confirmed licence skips most ticks.
            guard needsAsking(now: clock()) else { return eventLoop.makeSucceededVoidFuture() }
            return activate(on: eventLoop).map { _ in }
        }
        schedule.withLockedValue { old in
            old?.cancel()
            old = task
        }
    }

    public func stop() {
        schedule.withLockedValue { task in
            task?.cancel()
            task = nil
        }
    }

    /// `show status license`.
    public func statusReport() -> String {
        let now = clock()
        let (state, record) = machine.withLockedValue { ($0.state(at: now), $0.record) }
        return LicenseStatusReport.render(product: record?.product ?? product, state: state, expires: record?.expires)
    }

    // MARK: internals

    private let lastConfirmation = NIOLockedValueBox<Date?>(nil)

    private func needsAsking(now: Date) -> Bool {
        let confirmed = machine.withLockedValue { $0.confirmed }
        guard confirmed, let last = lastConfirmation.withLockedValue({ $0 }) else { return true }
        return now.timeIntervalSince(last) >= TimeInterval(Self.renewalInterval.nanoseconds) / 1e9
    }

    private func apply(_ answer: Answer) -> LicenseStateMachine.State {
        let now = clock()
        let (before, after, state) = machine.withLockedValue { machine -> (LicenseRecord?, LicenseRecord?, LicenseStateMachine.State) in
            let before = machine.record
            switch answer {
            case .activated(let record): machine.activated(record)
            case .rejected: machine.rejected()
            case .unreachable: machine.unreachable()
            }
            return (before, machine.record, machine.state(at: now))
        }
        if case .activated = answer { lastConfirmation.withLockedValue { $0 = now } }
        if before != after { onRecordChange(after) }
        return state
    }

    /// `active`/`expired` with an expiry → the dates decide (an expired licence may still be in
    /// renewal grace); `inactive` or `unknown` (404) → the server refuses this serial; anything
    /// else (transport failure, 5xx, a malformed reply) → the server could not be asked.
    static func interpret(_ exchange: CurlExchange) -> Answer {
        guard !exchange.cancelled, exchange.curlCode == 0 else {
            return .unreachable(exchange.errorText)
        }
        let reply: LicenseActivationReply
        do {
            reply = try YSCCoding.decodeLicenseReply(status: exchange.httpStatus, body: exchange.body.readableBytesView)
        } catch {
            return .unreachable("licence server: \(error)")
        }
        switch reply.state {
        case .active, .expired:
            // decodeLicenseReply guarantees a valid `expires` for these two states.
            guard let text = reply.expires, let day = LicenseDate(text) else { return .unreachable("no expiry") }
            return .activated(LicenseRecord(product: reply.product, expires: day))
        case .inactive, .unknown:
            return .rejected(reply.state.rawValue)
        }
    }
}

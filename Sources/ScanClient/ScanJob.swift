import Foundation
import NIOCore
import ScanProtocol
import Telemetry

/// One message's trip through attempts, retries, backoff and the breaker.
///
/// Confined to `eventLoop`: every method below runs there (curl completions are hopped over by
/// the promise), so its fields need no lock. That is why it is `@unchecked Sendable`.
final class ScanJob: @unchecked Sendable {
    let eventLoop: any EventLoop
    let promise: EventLoopPromise<ScanResult>
    private let client: ScanClient
    private let message: ByteBuffer
    private let operation: ScanOperation
    private let requestID: String
    private let deadline: NIODeadline

    private var attempts = 0
    private var lastFailure: ScanFailure?
    private var transfer: CurlTransferID?
    private var backoff: Scheduled<Void>?
    private var finished = false

    init(client: ScanClient, eventLoop: any EventLoop, message: ByteBuffer, operation: ScanOperation,
         requestID: String, deadline: NIODeadline) {
        self.client = client
        self.eventLoop = eventLoop
        self.promise = eventLoop.makePromise()
        self.message = message
        self.operation = operation
        self.requestID = requestID
        self.deadline = deadline
    }

    func start() {
        nextAttempt()
    }

    func cancel() {
        eventLoop.assertInEventLoop()
        guard !finished else { return }
        backoff?.cancel()
        if let transfer { client.cancel(transfer) }
        finish(ScanFailure(kind: .cancelled, detail: "cancelled by the mail session"))
    }

    private func nextAttempt() {
        guard !finished else { return }
        let now = client.now()
        guard now < deadline else {
            return finish(lastFailure ?? ScanFailure(kind: .timeout, detail: "message deadline passed before an attempt"))
        }
        switch client.withBreaker({ $0.permission(now: now) }) {
        case .proceed:
            attempt(now: now)
        case .probe:
            probe(now: now)
        case .reject:
            if let lastFailure { return finish(lastFailure) }
            client.statistics.recordBreakerRejection()
            finish(ScanFailure(kind: .unavailable, detail: "scan service unavailable (circuit breaker open)"))
        }
    }

    private func request(method: CurlRequest.Method, path: String, now: NIODeadline, body: ByteBuffer?, headers: [String]) -> CurlRequest {
        let configuration = client.configuration
        let left = deadline - now
        return CurlRequest(
            method: method, url: configuration.endpoint(path), headers: headers + configuration.authenticationHeaders, body: body,
            connectTimeoutMilliseconds: Int(min(configuration.connectionTimeout, left).nanoseconds / 1_000_000),
            totalTimeoutMilliseconds: Int(min(configuration.requestTimeout, left).nanoseconds / 1_000_000),
            caBundlePath: configuration.caBundlePath, replyLimit: ScanClientLimits.maxReplyBytes,
            clientCertificate: configuration.clientCertificate)
    }

    private func attempt(now: NIODeadline) {
        attempts += 1
        if attempts > 1 { client.statistics.recordRetry() }
        let request = request(method: .post, path: YSCEndpoint.scanPath, now: now, body: message, headers: [
            "Content-Type: \(YSCEndpoint.messageContentType)",
            "\(YSCEndpoint.operationHeader): \(operation.rawValue)",
            "\(YSCEndpoint.requestIDHeader): \(requestID)",
            "Accept: \(YSCEndpoint.jsonContentType)",
        ])
        let (future, id) = client.perform(request, on: eventLoop)
        transfer = id
        future.whenSuccess { [self] exchange in attemptFinished(exchange) }
    }

    private func attemptFinished(_ exchange: CurlExchange) {
        transfer = nil
        guard !finished else { return }
        let host = URL(string: client.configuration.url)?.host ?? client.configuration.url
        let (result, lines) = AttemptClassifier.classify(exchange, host: host, requestID: requestID)
        lines.forEach(client.log)
        if exchange.connected, !exchange.primaryIP.isEmpty {
            client.statistics.recordConnection(address: exchange.primaryIP, port: exchange.primaryPort)
        }
        switch result {
        case .verdict(let verdict):
            client.withBreaker { $0.recordSuccess() }
            client.statistics.recordSuccess(responseTime: exchange.totalTime)
            succeed(verdict)
        case .failure(let failure):
            let now = client.now()
            client.statistics.recordFailure(failure, at: client.wallClock())
            if failure.kind.indicatesServiceFailure {
                client.withBreaker { $0.recordFailure(now: now) }
            } else if failure.kind != .cancelled {
                // The service answered (a 4xx about this message): it works.
                client.withBreaker { $0.recordSuccess() }
            }
            lastFailure = failure
            let configuration = client.configuration
            guard failure.kind.isRetryable, attempts <= configuration.retries else { return finish(failure) }
            let pause = configuration.backoff(beforeRetry: attempts)
            // A retry that could only start after the deadline is not worth waiting for.
            guard now + pause < deadline else { return finish(failure) }
            backoff = eventLoop.scheduleTask(in: pause) { [self] in
                backoff = nil
                nextAttempt()
            }
        }
    }

    /// `GET v1/health` on behalf of the breaker; the scan itself follows when it succeeds.
    private func probe(now: NIODeadline) {
        let request = request(method: .get, path: YSCEndpoint.healthPath, now: now, body: nil,
                              headers: ["Accept: \(YSCEndpoint.jsonContentType)"])
        let (future, id) = client.perform(request, on: eventLoop)
        transfer = id
        future.whenSuccess { [self] exchange in
            transfer = nil
            let now = client.now()
            if exchange.cancelled {
                client.withBreaker { $0.probeAbandoned(now: now) }
            } else if exchange.curlCode == 0,
                      (try? YSCCoding.decodeHealthReply(status: exchange.httpStatus, body: exchange.body.readableBytesView)) != nil {
                // "degraded" (an engine down) still answers scans: the breaker closes.
                client.withBreaker { $0.probeSucceeded() }
                if !finished { nextAttempt() }
            } else {
                client.withBreaker { $0.probeFailed(now: now) }
                if !finished {
                    client.statistics.recordBreakerRejection()
                    finish(lastFailure ?? ScanFailure(kind: .unavailable, detail: "scan service unavailable (health probe failed)"))
                }
            }
        }
    }

    private func succeed(_ verdict: ScanVerdict) {
        finished = true
        promise.succeed(ScanResult(result: .verdict(verdict), attempts: attempts))
    }

    private func finish(_ failure: ScanFailure) {
        guard !finished else { return }
        finished = true
        promise.succeed(ScanResult(result: .failure(failure), attempts: attempts))
    }
}

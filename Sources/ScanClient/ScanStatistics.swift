import Foundation
import NIOConcurrencyHelpers
import NIOCore

/// The counters behind `show status ysc` (docs/product.md §7), as a value.
///
/// `requests` and `successes` count messages (one `scan` call each); the failure counters count
/// HTTP attempts, so one message that failed and was retried three times adds 1 request,
/// 3 retries and 4 failures.
public struct ScanStatisticsSnapshot: Equatable, Sendable {
    public var serviceURL: String = ""
    /// The address of the last connection made ("ADDRESS:PORT"), empty until one was made.
    public var serviceAddress: String = ""
    public var requests = 0
    public var successes = 0
    public var retries = 0
    public var connectFailures = 0
    public var tlsFailures = 0
    public var timeouts = 0
    public var readErrors = 0
    public var nameResolutionFailures = 0
    public var httpErrors = 0
    public var badReplies = 0
    /// Messages answered "unavailable" at once because the breaker was open.
    public var breakerRejections = 0
    public var lastError: String?
    public var lastErrorTime: Date?
    /// Successful attempts' response times.
    public var responseCount = 0
    public var responseTimeTotal = TimeAmount.zero
    public var responseTimeMaximum = TimeAmount.zero
    /// Whether the last attempt failed (shown as state "failing" while the breaker is closed).
    public var lastAttemptFailed = false
    /// Successful attempts per response-time bucket (not cumulative): index i counts times up
    /// to `latencyBucketBounds[i]` seconds, the last index those above every bound. `/metrics`
    /// exposes them as the histogram `mailsec_scan_duration_seconds`.
    public var latencyBuckets = [Int](repeating: 0, count: ScanStatisticsSnapshot.latencyBucketBounds.count + 1)

    /// Upper bounds in seconds: a built-in test signature answers in milliseconds, a full
    /// engine in tenths of seconds, and the request timeout allows up to 600 s.
    public static let latencyBucketBounds: [Double] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60]

    public var averageResponseTime: TimeAmount {
        responseCount == 0 ? .zero : .nanoseconds(responseTimeTotal.nanoseconds / Int64(responseCount))
    }

    public init() {}
}

/// Thread-safe holder of the counters: scans on every event loop and the console's
/// `clear status ysc` meet here.
public final class ScanStatistics: Sendable {
    private let box = NIOLockedValueBox(ScanStatisticsSnapshot())

    public init() {}

    public var snapshot: ScanStatisticsSnapshot { box.withLockedValue { $0 } }

    /// `clear status ysc`: the counters restart; the URL stays.
    public func clear() {
        box.withLockedValue { value in
            let url = value.serviceURL
            value = ScanStatisticsSnapshot()
            value.serviceURL = url
        }
    }

    func setServiceURL(_ url: String) {
        box.withLockedValue { $0.serviceURL = url }
    }

    func recordRequest() { box.withLockedValue { $0.requests += 1 } }
    func recordRetry() { box.withLockedValue { $0.retries += 1 } }
    func recordBreakerRejection() { box.withLockedValue { $0.breakerRejections += 1 } }

    func recordConnection(address: String, port: Int) {
        box.withLockedValue { $0.serviceAddress = address.contains(":") ? "[\(address)]:\(port)" : "\(address):\(port)" }
    }

    func recordSuccess(responseTime: TimeAmount) {
        box.withLockedValue { value in
            value.successes += 1
            value.responseCount += 1
            value.responseTimeTotal = value.responseTimeTotal + responseTime
            value.responseTimeMaximum = max(value.responseTimeMaximum, responseTime)
            let seconds = Double(responseTime.nanoseconds) / 1e9
            let bucket = ScanStatisticsSnapshot.latencyBucketBounds.firstIndex(where: { seconds <= $0 })
                ?? ScanStatisticsSnapshot.latencyBucketBounds.count
            value.latencyBuckets[bucket] += 1
            value.lastAttemptFailed = false
        }
    }

    /// A service that answered (even 4xx) is working; only the counters of the kind move.
    func recordFailure(_ failure: ScanFailure, at time: Date) {
        box.withLockedValue { value in
            switch failure.kind {
            case .nameResolution: value.nameResolutionFailures += 1
            case .connect: value.connectFailures += 1
            case .tls: value.tlsFailures += 1
            case .timeout: value.timeouts += 1
            case .read: value.readErrors += 1
            case .httpStatus: value.httpErrors += 1
            case .badReply: value.badReplies += 1
            case .unavailable, .cancelled: return
            }
            value.lastError = failure.detail
            value.lastErrorTime = time
            value.lastAttemptFailed = failure.kind.indicatesServiceFailure
        }
    }
}

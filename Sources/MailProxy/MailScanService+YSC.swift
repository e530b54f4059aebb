import MessageInspection
import NIOCore
import ScanClient
import ScanProtocol

extension MailScanService {
    /// The YSC client: `availability` is the licence and breaker gate (docs/product.md §5 "service
    /// unavailable"); each message is scanned as `operation` (SMTP `send`, POP3 `receive`) with
    /// `budget` as its deadline (nil: the operation's budget of `ScanClientLimits`).
    ///
    /// The verdict maps onto the decision's outcome; a failure after the retries (or an open
    /// breaker met mid-scan) is "unavailable, service failed".
    public static func ysc(client: ScanClient, availability: @escaping @Sendable () -> ServiceAvailability,
                           operation: ScanOperation = .send, budget: TimeAmount? = nil) -> MailScanService {
        MailScanService(
            unavailability: {
                switch availability() {
                case .available: return nil
                case .licenseInactive: return .licenceInactive
                case .scanServiceUnavailable: return .serviceFailed
                }
            },
            scan: { message, requestID, eventLoop in
                let deadline = budget.map { NIODeadline.now() + $0 }
                let task = client.scan(message, operation: operation, requestID: requestID, deadline: deadline, on: eventLoop)
                let outcome = task.futureResult.map { outcome -> MessageInspection.ScanOutcome in
                    if let verdict = outcome.verdict {
                        return .verdict(score: verdict.spamScore, virusNames: verdict.viruses)
                    }
                    return .unavailable(.serviceFailed)
                }
                return Pending(futureResult: outcome, cancel: { task.cancel() })
            })
    }
}

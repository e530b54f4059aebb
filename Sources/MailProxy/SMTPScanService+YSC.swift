import MessageInspection
import NIOCore
import ScanClient
import ScanProtocol

extension SMTPScanService {
    /// The YSC client: `availability` is the licence and breaker gate (SPEC §5 "service
    /// unavailable"); each message has the SMTP budget of `ScanClientLimits` as its deadline.
    ///
    /// The verdict maps onto the decision's outcome; a failure after the retries (or an open
    /// breaker met mid-scan) is "unavailable, service failed".
    public static func ysc(client: ScanClient, availability: @escaping @Sendable () -> ServiceAvailability) -> SMTPScanService {
        SMTPScanService(
            unavailability: {
                switch availability() {
                case .available: return nil
                case .licenseInactive: return .licenceInactive
                case .scanServiceUnavailable: return .serviceFailed
                }
            },
            scan: { message, requestID, eventLoop in
                let task = client.scan(message, operation: .send, requestID: requestID, on: eventLoop)
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

import MailRelay
import MessageInspection
import NIOCore

/// Collecting one message and inspecting it: finish the store → read it → scan → decide, as
/// one job that can be cancelled and is checked for staleness in one place.
extension RelaySession {
    /// The inspection of one stored message. The session holds the current job; every step
    /// that completes later goes on only while its job is still the current one.
    final class InspectionJob {
        let number: Int
        let buffer: MessageBuffer
        var pendingScan: MailScanService.Pending?

        init(number: Int, buffer: MessageBuffer) {
            self.number = number
            self.buffer = buffer
        }
    }

    // MARK: collecting

    func startCollecting() {
        releaseMessage()
        buffer = MessageBuffer(eventLoop: eventLoop, budget: environment.budget, spillStorage: environment.spillStorage,
                               configuration: .init(storeLimit: machine.storeLimit, memoryThreshold: environment.memoryThreshold))
    }

    func store(_ slice: ByteBuffer) {
        guard let buffer else { return }
        storeWaits += 1
        buffer.append(slice).assumeIsolated().whenComplete { _ in
            // A failed spill shows again at `finish()`, which turns it into a tempfail.
            self.storeWaits -= 1
            if self.storeWaits == 0 { self.updateReads() }
        }
    }

    /// The message is done with; one still streaming out is discarded when its delivery ends.
    func releaseMessage() {
        cancelInspection()
        if let buffer, buffer !== delivery?.buffer { buffer.discard() }
        buffer = nil
    }

    // MARK: inspection

    func cancelInspection() {
        inspection?.pendingScan?.cancel()
        inspection = nil
    }

    /// Whether `job` is still the one the session waits for.
    private func isCurrent(_ job: InspectionJob) -> Bool { job === inspection }

    func inspect(_ subject: Machine.Subject, size: Int) {
        cancelInspection()
        guard let buffer else { return handle(Machine.decided(Machine.localProblem)) }
        inspectionCount += 1
        let job = InspectionJob(number: inspectionCount, buffer: buffer)
        inspection = job
        buffer.finish().assumeIsolated().whenComplete { result in
            guard self.isCurrent(job) else { return }
            guard case .success = result else {
                // The spill file failed: the message cannot be delivered whole; the client retries.
                return self.conclude(job, Machine.localProblem)
            }
            self.decideBeforeScan(job, subject: subject, size: size)
        }
    }

    /// One snapshot of the settings per message.
    private var messageSettings: InspectionSettings {
        var settings = environment.settings.current.inspection
        if Machine.keepsUnavailablePolicyOfStart {
            settings.policy.inactiveAction = settingsAtStart.inspection.policy.inactiveAction
        }
        return settings
    }

    private func decideBeforeScan(_ job: InspectionJob, subject: Machine.Subject, size: Int) {
        let settings = messageSettings
        if let ruling = MessageDecider.decideBeforeScan(protocol: Machine.mailProtocol, size: size,
                                                        unavailability: environment.scanService.unavailability(),
                                                        settings: settings) {
            return decided(job, ruling, message: nil)
        }
        job.buffer.readAll().assumeIsolated().whenComplete { result in
            guard self.isCurrent(job) else { return }
            guard case .success(let message) = result else { return self.conclude(job, Machine.localProblem) }
            let pending = self.environment.scanService.scan(message, "\(self.id)-\(job.number)", self.eventLoop)
            job.pendingScan = pending
            pending.futureResult.assumeIsolated().whenComplete { result in
                guard self.isCurrent(job) else { return }
                job.pendingScan = nil
                let outcome = (try? result.get()) ?? .unavailable(.serviceFailed)
                self.decide(job, outcome, message: message, sender: Machine.envelopeSender(of: subject), settings: settings)
            }
        }
    }

    /// A clean verdict is decided at once; a detection (header parsing, white-list, rewrite,
    /// transfer: work proportional to the message) on the decision thread pool when there is one.
    private func decide(_ job: InspectionJob, _ outcome: ScanOutcome, message: ByteBuffer, sender: String?,
                        settings: InspectionSettings) {
        var detected = false
        if case .verdict(let score, let names) = outcome {
            detected = settings.policy.result(score: score, virusNames: names) != nil
        }
        let now = environment.wallClock()
        let stamp = NotificationStamp(date: MessageDate.format(secondsSince1970: now),
                                      messageID: "<\(now).\(id).\(job.number)@\(environment.hostname)>")
        let mailProtocol = Machine.mailProtocol
        guard detected, let pool = environment.decisionThreadPool else {
            let ruling = MessageDecider.decide(protocol: mailProtocol, outcome, message: message, envelopeSender: sender,
                                               settings: settings, stamp: stamp)
            return decided(job, ruling, message: message)
        }
        pool.runIfActive(eventLoop: eventLoop) {
            MessageDecider.decide(protocol: mailProtocol, outcome, message: message, envelopeSender: sender,
                                  settings: settings, stamp: stamp)
        }.assumeIsolated().whenComplete { result in
            guard self.isCurrent(job) else { return }
            switch result {
            case .success(let ruling):
                self.decided(job, ruling, message: message)
            case .failure:
                // The pool is shutting down: the daemon is stopping; the client retries.
                self.conclude(job, Machine.localProblem)
            }
        }
    }

    private func decided(_ job: InspectionJob, _ ruling: MessageRuling, message: ByteBuffer?) {
        if let decision = ruling.decision {
            environment.accounting.record(decision, message: message, subjectAlreadyPrefixed: ruling.subjectAlreadyPrefixed,
                                          protocol: Machine.mailProtocol)
        }
        conclude(job, Machine.decision(ruling.disposition))
    }

    /// The job is over: the machine hears its decision.
    private func conclude(_ job: InspectionJob, _ decision: Machine.Decision) {
        inspection = nil
        handle(Machine.decided(decision))
    }

    // MARK: notices

    func record(_ notice: SessionNotice) {
        let mailProtocol = Machine.mailProtocol
        switch notice {
        case .overSize(let octets):
            guard settingsAtStart.inspection.enabled else { return }
            let ruling = MessageDecider.decideUnscanned(protocol: mailProtocol, .notScanned(.overSize(octets: octets)),
                                                        settings: messageSettings)
            if let decision = ruling.decision { environment.accounting.record(decision, message: nil, protocol: mailProtocol) }
        case .scanAbandoned:
            // The relay applied the unavailable policy itself: a late verdict changes nothing
            // and is not counted; the scan is abandoned and counted as one that failed.
            cancelInspection()
            let ruling = MessageDecider.decideUnscanned(protocol: mailProtocol, .unavailable(.serviceFailed),
                                                        settings: messageSettings)
            if let decision = ruling.decision { environment.accounting.record(decision, message: nil, protocol: mailProtocol) }
        case .tooManyErrors:
            environment.accounting.log(.tooManyErrors(protocol: mailProtocol, address: clientAddress))
        case .clientTimedOut:
            environment.accounting.log(.clientTimeout(protocol: mailProtocol, address: clientAddress))
        case .tls(let notice):
            record(notice)
        }
    }
}

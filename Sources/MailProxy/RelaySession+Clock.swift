import MailRelay
import NIOCore

/// The session's one timer model, for either machine: the wait the machine is in
/// (`RelayMachine.timeout`, moved on by reads from the awaited side, never past its limit) and
/// the periodic event it asks for (`RelayMachine.periodicInterval`: SMTP's keepalive to the
/// server, POP3's tick for client comforting and its own timeouts).
extension RelaySession {
    struct Clock {
        var armedTimeout: RelayTimeout?
        var timeoutTask: Scheduled<Void>?
        /// When `timeoutTask` fires (it may be earlier than `timeoutDeadline`, never later).
        var timeoutTaskFiresAt: NIODeadline?
        var timeoutDeadline: NIODeadline?
        var timeoutArmedAt: NIODeadline?
        var generation = 0
        var periodicTask: Scheduled<Void>?
        var periodicInterval: TimeAmount?
    }

    /// Arms the machine's timeout when it changes. Activity on the awaited side only moves the
    /// deadline: the task, when it fires early, sleeps again for the rest (no scheduling per read).
    func updateClock(readFrom side: RelaySide?) {
        let timeout = machine.timeout
        if timeout != clock.armedTimeout {
            clock.armedTimeout = timeout
            if let timeout, !finished {
                clock.timeoutArmedAt = eventLoop.now
                clock.timeoutDeadline = eventLoop.now + timeout.duration
                armTimeoutTask()
            } else {
                // A task still pending finds nothing armed when it fires and ends there.
                clock.timeoutDeadline = nil
            }
        } else if let timeout, let side, Self.awaits(timeout.side, side) {
            // Activity moves the deadline, but never past the wait's overall limit (a client
            // trickling bytes cannot hold the session forever, RFC 5321 §4.5.3.2).
            var deadline = eventLoop.now + timeout.duration
            if let limit = timeout.limit, let armedAt = clock.timeoutArmedAt { deadline = min(deadline, armedAt + limit) }
            clock.timeoutDeadline = deadline
        }
        let interval = finished ? nil : machine.periodicInterval
        if interval != clock.periodicInterval {
            clock.periodicInterval = interval
            clock.periodicTask?.cancel()
            clock.periodicTask = nil
            schedulePeriodic()
        }
    }

    private static func awaits(_ awaited: RelayTimeout.Side, _ side: RelaySide) -> Bool {
        switch (awaited, side) {
        case (.client, .client), (.server, .server): return true
        default: return false
        }
    }

    func stopClock() {
        clock.timeoutTask?.cancel()
        clock.timeoutTask = nil
        clock.timeoutDeadline = nil
        clock.periodicTask?.cancel()
        clock.periodicTask = nil
        clock.periodicInterval = nil
        clock.generation += 1
    }

    /// One scheduled task serves every wait of the session. The wait changes several times per
    /// message (each command, its reply, the content), and a cancel plus a new task each time
    /// was about 7 % of the relay's CPU (docs/benchmarks.md). So a pending task that fires no
    /// later than the new deadline stays, and re-arms itself for the rest when it fires; only a
    /// deadline earlier than the pending task's costs a cancel and a new task.
    private func armTimeoutTask() {
        guard let deadline = clock.timeoutDeadline else { return }
        if clock.timeoutTask != nil, let pending = clock.timeoutTaskFiresAt, pending <= deadline { return }
        clock.timeoutTask?.cancel()
        clock.generation += 1
        scheduleTimeout(at: deadline)
    }

    private func scheduleTimeout(at deadline: NIODeadline) {
        let generation = clock.generation
        clock.timeoutTaskFiresAt = deadline
        clock.timeoutTask = eventLoop.assumeIsolated().scheduleTask(deadline: deadline) {
            guard generation == self.clock.generation else { return }
            self.clock.timeoutTask = nil
            self.clock.timeoutTaskFiresAt = nil
            guard let timeout = self.clock.armedTimeout, let deadline = self.clock.timeoutDeadline else { return }
            if self.eventLoop.now < deadline {
                self.scheduleTimeout(at: deadline)
            } else if let event = Machine.timedOut(timeout.side) {
                self.handle(event)
            }
        }
    }

    private func schedulePeriodic() {
        guard let interval = clock.periodicInterval, !finished else { return }
        clock.periodicTask = eventLoop.assumeIsolated().scheduleTask(in: interval) {
            self.clock.periodicTask = nil
            guard self.clock.periodicInterval != nil, !self.finished else { return }
            self.handle(Machine.periodic(self.eventLoop.now))
            // `handle` re-arms the task itself when the interval changed.
            if self.clock.periodicTask == nil { self.schedulePeriodic() }
        }
    }
}

import NIOCore
import Testing
@testable import ScanClient

@Suite struct CircuitBreakerTests {
    let t0 = NIODeadline.uptimeNanoseconds(1_000_000_000_000)

    @Test func staysClosedBelowTheThreshold() {
        var breaker = CircuitBreaker(failureThreshold: 3, openDuration: .seconds(30))
        breaker.recordFailure(now: t0)
        breaker.recordFailure(now: t0)
        #expect(breaker.state == .closed(consecutiveFailures: 2))
        #expect(breaker.permission(now: t0) == .proceed)
        #expect(!breaker.isOpen(now: t0))
    }

    @Test func aSuccessResetsTheCount() {
        var breaker = CircuitBreaker(failureThreshold: 3, openDuration: .seconds(30))
        breaker.recordFailure(now: t0)
        breaker.recordFailure(now: t0)
        breaker.recordSuccess()
        breaker.recordFailure(now: t0)
        breaker.recordFailure(now: t0)
        #expect(breaker.state == .closed(consecutiveFailures: 2))
    }

    @Test func opensAtTheThresholdAndRejectsUntilTheTimeIsUp() {
        var breaker = CircuitBreaker(failureThreshold: 3, openDuration: .seconds(30))
        for _ in 0..<3 { breaker.recordFailure(now: t0) }
        #expect(breaker.state == .open(until: t0 + .seconds(30)))
        #expect(breaker.isOpen(now: t0 + .seconds(29)))
        #expect(breaker.permission(now: t0 + .seconds(29)) == .reject)
        #expect(!breaker.isOpen(now: t0 + .seconds(30)))
    }

    @Test func letsExactlyOneProbeThrough() {
        var breaker = CircuitBreaker(failureThreshold: 1, openDuration: .seconds(30))
        breaker.recordFailure(now: t0)
        #expect(breaker.permission(now: t0 + .seconds(31)) == .probe)
        #expect(breaker.state == .probing)
        #expect(breaker.permission(now: t0 + .seconds(31)) == .reject)
        #expect(breaker.isOpen(now: t0 + .seconds(31)))
    }

    @Test func aHealthyProbeCloses() {
        var breaker = CircuitBreaker(failureThreshold: 1, openDuration: .seconds(30))
        breaker.recordFailure(now: t0)
        _ = breaker.permission(now: t0 + .seconds(30))
        breaker.probeSucceeded()
        #expect(breaker.state == .closed(consecutiveFailures: 0))
        #expect(breaker.permission(now: t0 + .seconds(30)) == .proceed)
    }

    @Test func aFailedProbeReopensForAnotherPeriod() {
        var breaker = CircuitBreaker(failureThreshold: 1, openDuration: .seconds(30))
        breaker.recordFailure(now: t0)
        _ = breaker.permission(now: t0 + .seconds(40))
        breaker.probeFailed(now: t0 + .seconds(41))
        #expect(breaker.state == .open(until: t0 + .seconds(71)))
        #expect(breaker.permission(now: t0 + .seconds(70)) == .reject)
        #expect(breaker.permission(now: t0 + .seconds(71)) == .probe)
    }

    @Test func anAbandonedProbeMakesTheNextCallerProbe() {
        var breaker = CircuitBreaker(failureThreshold: 1, openDuration: .seconds(30))
        breaker.recordFailure(now: t0)
        _ = breaker.permission(now: t0 + .seconds(30))
        breaker.probeAbandoned(now: t0 + .seconds(31))
        #expect(breaker.permission(now: t0 + .seconds(31)) == .probe)
    }

    @Test func failuresWhileOpenDoNotExtendIt() {
        var breaker = CircuitBreaker(failureThreshold: 1, openDuration: .seconds(30))
        breaker.recordFailure(now: t0)
        breaker.recordFailure(now: t0 + .seconds(20))
        breaker.recordSuccess()
        #expect(breaker.state == .open(until: t0 + .seconds(30)))
    }
}

import Testing
@testable import MailProxy

@Suite struct MemoryBudgetTests {
    @Test func admitsSessionsUntilTheFloorsFillTheBudgetThenRefusesAndCounts() {
        let budget = MemoryBudget(configuration: .init(totalBytes: 1000, sessionFloorBytes: 300))
        let first = budget.tryAdmitSession()
        let second = budget.tryAdmitSession()
        let third = budget.tryAdmitSession()
        #expect(first != nil && second != nil && third != nil)
        #expect(budget.tryAdmitSession() == nil)          // 4 × 300 > 1000: answer 421 4.3.2
        #expect(budget.counters.sessions == 3)
        #expect(budget.counters.refusals == 1)
        #expect(budget.chargedBytes == 900)

        second?.release()
        second?.release()                                  // idempotent
        #expect(budget.counters.sessions == 2)
        let fourth = budget.tryAdmitSession()
        #expect(fourth != nil)                             // room again

        // A smaller budget applies to the next admission; the admitted stay admitted.
        budget.update(configuration: .init(totalBytes: 500, sessionFloorBytes: 100))
        fourth?.release()
        #expect(budget.tryAdmitSession() == nil)           // 600 + 100 > 500
        #expect(budget.counters.sessions == 2)
        #expect(budget.counters.refusals == 2)
        _ = (first, third)
    }

    @Test func droppingAnAdmissionReleasesItsFloor() {
        let budget = MemoryBudget(configuration: .init(totalBytes: 1000, sessionFloorBytes: 600))
        do {
            let admission = budget.tryAdmitSession()
            #expect(admission != nil)
            #expect(budget.tryAdmitSession() == nil)
        }
        #expect(budget.counters.sessions == 0)
        #expect(budget.chargedBytes == 0)
        #expect(budget.tryAdmitSession() != nil)
    }

    @Test func cachedContentStaysWithinTheInMemoryShareAndTheTotal() {
        let budget = MemoryBudget(configuration: .init(totalBytes: 1000, sessionFloorBytes: 100,
                                                       inMemoryLimitBytes: 600))
        let admission = budget.tryAdmitSession()
        #expect(budget.tryHoldCached(500))
        #expect(!budget.tryHoldCached(101))                // over the in-memory share: spill
        #expect(budget.tryHoldCached(100))
        #expect(budget.counters.inMemoryBytes == 600)

        // Pending content is always recorded, and says when the total is passed.
        #expect(budget.holdPending(300))                   // 100 + 600 + 300 = 1000: still inside
        #expect(!budget.holdPending(1))
        #expect(budget.isOverTotal)
        #expect(budget.tryAdmitSession() == nil)           // no admission while over
        #expect(!budget.tryHoldCached(1))

        budget.pendingWritten(301)
        #expect(budget.counters.onDiskBytes == 301)
        #expect(budget.counters.pendingBytes == 0)
        #expect(!budget.isOverTotal)
        budget.release(cached: 600, pending: 0, onDisk: 301)
        #expect(budget.counters.inMemoryBytes == 0 && budget.counters.onDiskBytes == 0)
        #expect(budget.counters.peakChargedBytes == 1001)
        _ = admission
    }

    @Test func defaultsMatchTheDesignTarget() {
        let configuration = MemoryBudget.Configuration()
        #expect(configuration.totalBytes == 256 * 1024 * 1024)
        #expect(configuration.inMemoryLimitBytes == 192 * 1024 * 1024)
        // 1,000 sessions' floors fit with room to spare for content.
        #expect(1000 * configuration.sessionFloorBytes <= configuration.totalBytes / 4)
    }
}

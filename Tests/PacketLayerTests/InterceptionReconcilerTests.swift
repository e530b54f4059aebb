import Testing
@testable import PacketLayer

/// One apply at a time, the latest wish wins, nothing applied twice, a failure not retried
/// until the wish changes.
@Suite struct InterceptionReconcilerTests {
    let on = InterceptionPlan(lan1: "lan1", lan2: "lan2")
    var off: InterceptionPlan { on.disabled }
    var port587: InterceptionPlan {
        var plan = on
        plan.smtpPorts = [25, 587]
        return plan
    }

    @Test func theFirstWishIsAppliedAtOnceAndNotTwice() {
        var reconciler = InterceptionReconciler()
        #expect(reconciler.want(on) == .init(plan: on, replacing: nil))
        #expect(!reconciler.isIdle)
        #expect(reconciler.want(on) == nil)
        #expect(reconciler.finished(on, succeeded: true) == nil)
        #expect(reconciler.isIdle)
        #expect(reconciler.installed == on)
        #expect(reconciler.want(on) == nil)
    }

    @Test func wishesDuringAnApplyCollapseToTheLatest() {
        var reconciler = InterceptionReconciler()
        _ = reconciler.want(on)
        #expect(reconciler.want(off) == nil)
        #expect(reconciler.want(port587) == nil)
        #expect(reconciler.finished(on, succeeded: true) == .init(plan: port587, replacing: on))
        #expect(reconciler.finished(port587, succeeded: true) == nil)
        #expect(reconciler.isIdle)
    }

    @Test func aWishBackToWhatIsInstalledWhileApplyingIsAppliedAgain() {
        var reconciler = InterceptionReconciler()
        _ = reconciler.want(on)
        _ = reconciler.finished(on, succeeded: true)
        #expect(reconciler.want(off) == .init(plan: off, replacing: on))
        #expect(reconciler.want(on) == nil)
        // The kernel holds `off` now: `on` must go in again.
        #expect(reconciler.finished(off, succeeded: true) == .init(plan: on, replacing: off))
    }

    @Test func aFailureIsNotRetriedUntilTheWishChanges() {
        var reconciler = InterceptionReconciler()
        _ = reconciler.want(on)
        #expect(reconciler.finished(on, succeeded: false) == nil)
        #expect(reconciler.failed == on)
        #expect(reconciler.isIdle)
        #expect(reconciler.want(on) == nil)
        #expect(reconciler.want(off) == .init(plan: off, replacing: nil))
        #expect(reconciler.finished(off, succeeded: true) == nil)
        #expect(reconciler.failed == nil)
        #expect(reconciler.want(on) == .init(plan: on, replacing: off))
    }

    @Test func afterAFailureTheInstalledPlanIsAppliedAgain() {
        var reconciler = InterceptionReconciler()
        _ = reconciler.want(on)
        _ = reconciler.finished(on, succeeded: true)
        #expect(reconciler.want(port587) == .init(plan: port587, replacing: on))
        #expect(reconciler.finished(port587, succeeded: false) == nil)
        // The kernel may hold half of port587: `on` goes in again although it was installed.
        #expect(reconciler.want(on) == .init(plan: on, replacing: on))
        #expect(reconciler.finished(on, succeeded: true) == nil)
        #expect(reconciler.isIdle)
        #expect(reconciler.want(on) == nil)
    }

    @Test func aFailedPlanCanBeRetriedOnPurpose() {
        var reconciler = InterceptionReconciler()
        _ = reconciler.want(off)
        _ = reconciler.finished(off, succeeded: false)
        #expect(reconciler.want(off) == nil)
        #expect(reconciler.want(off, retryingFailure: true) == .init(plan: off, replacing: nil))
    }

    @Test func aStrayCompletionChangesNothing() {
        var reconciler = InterceptionReconciler()
        _ = reconciler.want(on)
        #expect(reconciler.finished(off, succeeded: true) == nil)
        #expect(reconciler.installed == nil)
        #expect(!reconciler.isIdle)
    }
}

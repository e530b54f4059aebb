// Keeps the kernel's interception rules in line with what the configuration wants, one apply
// at a time. Pure state machine: the daemon tells it what it wants (`want`) and when an apply
// it started has finished (`finished`); it answers with the one apply to start next, if any.
//
// Applying runs `nft`/`ip` processes and takes milliseconds to seconds, while the console may
// change the configuration several times meanwhile: only the latest wish is applied after the
// one in flight (intermediate ones are skipped), and nothing is applied twice in a row.

public struct InterceptionReconciler: Sendable {
    /// Start applying `plan` (a disabled plan removes the rules); `replacing` is what the kernel
    /// held before as far as we know (for `NetfilterApplier.apply(_:replacing:)`).
    public struct Apply: Sendable, Equatable {
        public var plan: InterceptionPlan
        public var replacing: InterceptionPlan?
    }

    /// What the kernel holds after our last successful apply; nil before the first one.
    public private(set) var installed: InterceptionPlan?
    /// An apply failed since: the kernel may hold part of it, so even a wish equal to
    /// `installed` is applied again.
    private var uncertain = false
    /// Being applied right now.
    public private(set) var inFlight: InterceptionPlan?
    /// The latest wish, applied when the one in flight is done.
    private var wanted: InterceptionPlan?
    /// The latest wish failed to apply; it is not retried until the wish changes (a broken
    /// setting must not make the daemon spawn `nft` in a loop).
    public private(set) var failed: InterceptionPlan?

    public init() {}

    /// True when nothing is being applied and nothing is waiting.
    public var isIdle: Bool { inFlight == nil && (wanted == nil || (wanted == installed && !uncertain) || wanted == failed) }

    /// The configuration now wants `plan` (disabled: no rules). `retryingFailure`: apply it
    /// even if it is the plan that failed last (the daemon's exit removes the rules once more).
    public mutating func want(_ plan: InterceptionPlan, retryingFailure: Bool = false) -> Apply? {
        wanted = plan
        if retryingFailure, failed == plan { failed = nil }
        return next()
    }

    /// The apply of `plan` started earlier has ended.
    public mutating func finished(_ plan: InterceptionPlan, succeeded: Bool) -> Apply? {
        guard inFlight == plan else { return next() }
        inFlight = nil
        if succeeded {
            installed = plan
            failed = nil
            uncertain = false
        } else {
            failed = plan
            // What the kernel holds is now unknown; the next apply replaces our tables whole,
            // and a disabled plan removes both our tables and our routing rule anyway.
            uncertain = true
        }
        return next()
    }

    private mutating func next() -> Apply? {
        guard inFlight == nil, let wanted, wanted != installed || uncertain, wanted != failed else { return nil }
        inFlight = wanted
        return Apply(plan: wanted, replacing: installed)
    }
}

import NIOConcurrencyHelpers

/// The memory all mail sessions together may hold, shared by every event loop.
///
/// Three kinds of charge:
/// - a **floor** per admitted session (`tryAdmitSession`), for its own small buffers; when the
///   floors plus what messages hold would pass `totalBytes`, the session is refused and the caller
///   answers `421 4.3.2` (docs/product.md §3, resource limit) and closes;
/// - **cached** message content: kept in memory only if it fits (`tryHoldCached`), inside the
///   in-memory share of the budget; a message that does not fit spills to a file instead;
/// - **pending** message content: already received, waiting for its spill write. It cannot be
///   refused (the bytes exist), so it is recorded even over the budget (`holdPending` reports
///   whether the budget still holds) and the buffer then stops its reader until the write is done.
///
/// One lock around a few integers: the calls are a handful per channel read, never per line.
public final class MemoryBudget: Sendable {
    public struct Configuration: Sendable, Equatable {
        /// The whole budget (floors + cached + pending).
        public var totalBytes: Int
        /// Charged per admitted session.
        public var sessionFloorBytes: Int
        /// Cached message content across all sessions stays under this (a share of the total).
        public var inMemoryLimitBytes: Int

        public init(totalBytes: Int = MessageBufferLimits.defaultBudgetBytes,
                    sessionFloorBytes: Int = MessageBufferLimits.defaultSessionFloorBytes,
                    inMemoryLimitBytes: Int? = nil) {
            precondition(totalBytes > 0 && sessionFloorBytes >= 0)
            self.totalBytes = totalBytes
            self.sessionFloorBytes = sessionFloorBytes
            self.inMemoryLimitBytes = inMemoryLimitBytes
                ?? totalBytes / 4 * MessageBufferLimits.inMemoryShareQuarters
        }
    }

    /// For `show status`: what is held now and what happened since start.
    public struct Counters: Sendable, Equatable {
        /// Sessions admitted and not yet released.
        public var sessions = 0
        /// Message content in memory now (cached plus pending a spill write).
        public var inMemoryBytes = 0
        /// Of which waiting for a spill write.
        public var pendingBytes = 0
        /// Message content in spill files now.
        public var onDiskBytes = 0
        /// Messages that went to a spill file, since start.
        public var spills = 0
        /// Sessions refused at admission, since start.
        public var refusals = 0
        /// Spill files that could not be created or written (each a tempfail), since start.
        public var spillFailures = 0
        /// The most memory (floors + message content) ever charged at once.
        public var peakChargedBytes = 0

        public init() {}
    }

    private struct State {
        var configuration: Configuration
        var counters = Counters()
        var floorBytes = 0
        var cachedBytes = 0

        var chargedBytes: Int { floorBytes + cachedBytes + counters.pendingBytes }

        mutating func notePeak() {
            counters.inMemoryBytes = cachedBytes + counters.pendingBytes
            counters.peakChargedBytes = max(counters.peakChargedBytes, chargedBytes)
        }
    }

    private let state: NIOLockedValueBox<State>

    public init(configuration: Configuration = Configuration()) {
        state = NIOLockedValueBox(State(configuration: configuration))
    }

    public var configuration: Configuration {
        state.withLockedValue { $0.configuration }
    }

    /// Takes effect for the next decisions; what is held stays held.
    public func update(configuration: Configuration) {
        state.withLockedValue { $0.configuration = configuration }
    }

    public var counters: Counters {
        state.withLockedValue { $0.counters }
    }

    /// Memory charged now: floors, cached and pending content.
    public var chargedBytes: Int {
        state.withLockedValue { $0.chargedBytes }
    }

    // MARK: admission

    /// Admits one session, charging its floor; `nil` when the budget cannot take it (counted as a
    /// refusal): the caller answers `421 4.3.2` and closes. Release the admission when the
    /// session ends (its deinit does it too).
    public func tryAdmitSession() -> Admission? {
        let floor: Int? = state.withLockedValue { state in
            let floor = state.configuration.sessionFloorBytes
            guard state.chargedBytes + floor <= state.configuration.totalBytes else {
                state.counters.refusals += 1
                return nil
            }
            state.floorBytes += floor
            state.counters.sessions += 1
            state.notePeak()
            return floor
        }
        return floor.map { Admission(budget: self, floorBytes: $0) }
    }

    fileprivate func releaseSession(floorBytes: Int) {
        state.withLockedValue { state in
            state.floorBytes -= floorBytes
            state.counters.sessions -= 1
            state.notePeak()
        }
    }

    /// One admitted session's floor. Idempotent `release()`; released on deinit as a safety net.
    public final class Admission: Sendable {
        private let budget: MemoryBudget
        private let floorBytes: Int
        private let released = NIOLockedValueBox(false)

        fileprivate init(budget: MemoryBudget, floorBytes: Int) {
            self.budget = budget
            self.floorBytes = floorBytes
        }

        public func release() {
            let first = released.withLockedValue { released in
                defer { released = true }
                return !released
            }
            if first { budget.releaseSession(floorBytes: floorBytes) }
        }

        deinit { release() }
    }

    // MARK: message content (used by MessageBuffer)

    /// Charges `bytes` of content kept in memory if it fits both the in-memory share and the
    /// total; false means: spill instead.
    func tryHoldCached(_ bytes: Int) -> Bool {
        state.withLockedValue { state in
            let configuration = state.configuration
            guard state.cachedBytes + bytes <= configuration.inMemoryLimitBytes,
                  state.chargedBytes + bytes <= configuration.totalBytes else { return false }
            state.cachedBytes += bytes
            state.notePeak()
            return true
        }
    }

    func releaseCached(_ bytes: Int) {
        guard bytes != 0 else { return }
        state.withLockedValue { state in
            state.cachedBytes -= bytes
            state.notePeak()
        }
    }

    /// A message starts spilling: its cached bytes become pending (still in memory until
    /// written), its unused cached credit goes back.
    func beginSpill(movingCached cached: Int, releasingCached credit: Int) {
        state.withLockedValue { state in
            state.cachedBytes -= cached + credit
            state.counters.pendingBytes += cached
            state.counters.spills += 1
            state.notePeak()
        }
    }

    /// Charges content that waits for a spill write. Always recorded; the result says whether the
    /// budget still holds (if not, the buffer holds back its reader until the write is done).
    func holdPending(_ bytes: Int) -> Bool {
        state.withLockedValue { state in
            state.counters.pendingBytes += bytes
            state.notePeak()
            return state.chargedBytes <= state.configuration.totalBytes
        }
    }

    var isOverTotal: Bool {
        state.withLockedValue { $0.chargedBytes > $0.configuration.totalBytes }
    }

    /// A spill write finished: `bytes` leave memory for the file.
    func pendingWritten(_ bytes: Int) {
        state.withLockedValue { state in
            state.counters.pendingBytes -= bytes
            state.counters.onDiskBytes += bytes
            state.notePeak()
        }
    }

    /// A message is done (or failed): drop what it still holds.
    func release(cached: Int, pending: Int, onDisk: Int) {
        guard cached != 0 || pending != 0 || onDisk != 0 else { return }
        state.withLockedValue { state in
            state.cachedBytes -= cached
            state.counters.pendingBytes -= pending
            state.counters.onDiskBytes -= onDisk
            state.notePeak()
        }
    }

    func recordSpillFailure() {
        state.withLockedValue { $0.counters.spillFailures += 1 }
    }
}

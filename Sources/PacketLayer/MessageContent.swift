/// What a replayed message carries of its own octets, for scanning (`replay --scan`, monitor
/// mode). Plain replay keeps none: it only prints a summary.
public enum MessageContent: Sendable, Hashable {
    /// Content was not asked for.
    case notKept
    /// The whole message, dot-unstuffed, as the server received (SMTP) or sent (POP3) it.
    case kept([UInt8])
    /// Larger than `ContentRetention.maximumMessageBytes` (`mail security max size`): not kept.
    case overSize
    /// Dropped to stay inside the shared `ContentBudget` (too much mail in flight at once).
    case overBudget

    public var bytes: [UInt8]? {
        if case .kept(let bytes) = self { bytes } else { nil }
    }
}

/// The bytes every message being reassembled at once may hold together. Capture-thread
/// confined (one analyser uses it), hence no lock; a reference so every stream machine of the
/// analyser charges the same account.
public final class ContentBudget: @unchecked Sendable {
    public let limit: Int
    public private(set) var used = 0

    public init(limit: Int) { self.limit = limit }

    func reserve(_ count: Int) -> Bool {
        guard used + count <= limit else { return false }
        used += count
        return true
    }

    func release(_ count: Int) {
        used = max(0, used - count)
    }
}

/// Whether, and how much of, each message's content is kept.
public struct ContentRetention: Sendable {
    /// A message larger than this keeps no content (and is reported `overSize`).
    public var maximumMessageBytes: Int
    public var budget: ContentBudget

    public init(maximumMessageBytes: Int, budget: ContentBudget) {
        self.maximumMessageBytes = maximumMessageBytes
        self.budget = budget
    }
}

/// The content of one message while it is being reassembled, charged to the budget until it
/// is dropped (the reference dies, `deinit` gives the bytes back) or handed out as a
/// `MessageContent`.
final class HeldContent {
    private let retention: ContentRetention
    private var bytes: [UInt8] = []
    private var withheld: MessageContent?

    init(retention: ContentRetention) {
        self.retention = retention
    }

    deinit {
        retention.budget.release(bytes.count)
    }

    func append<Bytes: Collection>(_ more: Bytes) where Bytes.Element == UInt8 {
        guard withheld == nil, !more.isEmpty else { return }
        if bytes.count + more.count > retention.maximumMessageBytes {
            drop(.overSize)
        } else if !retention.budget.reserve(more.count) {
            drop(.overBudget)
        } else {
            bytes += more
        }
    }

    private func drop(_ reason: MessageContent) {
        retention.budget.release(bytes.count)
        bytes = []
        withheld = reason
    }

    /// The content as the finished message carries it; the budget is released here (the
    /// consumer owns the copy now and bounds it by its own limits).
    func take() -> MessageContent {
        if let withheld { return withheld }
        let out = bytes
        retention.budget.release(bytes.count)
        bytes = []
        withheld = .notKept
        return .kept(out)
    }
}

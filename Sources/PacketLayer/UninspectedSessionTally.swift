// Mail sessions that crossed the box without interception (a family the plan leaves alone),
// from the kernel's named counter (`RulesetRenderer.uninspectedCounter`). Pure.
//
// The counter lives in our table, which every apply replaces: it starts again from zero.
// The driver reads it just before each apply and calls `restarted()` just after, on the same
// thread, so no session is counted twice or lost across a replacement.

public struct UninspectedSessionTally: Sendable, Equatable {
    /// Packets already accounted for in the current counter.
    private var seen: UInt64 = 0

    public init() {}

    /// A reading of the counter (`nil`: there is none, e.g. interception covers every family)
    /// → the sessions new since the last reading.
    public mutating func reading(_ packets: UInt64?) -> UInt64 {
        guard let packets else {
            seen = 0
            return 0
        }
        // Below the last reading: a counter made afresh that was not announced; all of it is new.
        let new = packets >= seen ? packets - seen : packets
        seen = packets
        return new
    }

    /// The table was just replaced: its counter starts from zero.
    public mutating func restarted() { seen = 0 }

    /// The packet count in `nft list counter …` output (`packets 3 bytes 240`); nil without one.
    public static func packets(inListing text: String) -> UInt64? {
        let words = text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" })
        guard let index = words.firstIndex(of: "packets"), index + 1 < words.count else { return nil }
        return UInt64(words[index + 1])
    }
}

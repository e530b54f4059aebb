/// Every bound of the message buffer, its spill files and the global memory budget, in one place.
///
/// Sizes of the mail itself come from `mail security max size` (docs/product.md §2.3, 1–100 megabytes); the
/// numbers here bound what the appliance holds *while* it collects, scans and delivers a message.
public enum MessageBufferLimits {
    /// Memory all sessions together may hold (message content in memory plus session floors).
    /// 256 MiB leaves room under the 512 MiB process target for code, TLS and the event loops.
    public static let defaultBudgetBytes = 256 * 1024 * 1024

    /// Charged once per admitted session: covers its line buffers, one read-back chunk and its
    /// header block while rewriting. 1,000 sessions cost 64 MiB of floors.
    public static let defaultSessionFloorBytes = 64 * 1024

    /// A message whose stored content would grow past this spills to a file. Most mail is far
    /// smaller, so the common message never touches the disk.
    public static let defaultMemoryThreshold = 1024 * 1024

    /// Message content kept in memory (not spilled) may use at most this share of the budget, in
    /// quarters; the rest stays free for admitting sessions and for content waiting to be written.
    public static let inMemoryShareQuarters = 3

    /// A spilled buffer gathers this much before it writes (one thread-pool job per batch), and
    /// the caller is told to stop reading while this much waits behind a write in flight.
    public static let spillWriteBatchBytes = 64 * 1024

    /// A buffer charges the budget in steps of at least this much and uses the credit for the
    /// next chunks, so a relay that appends one slice per line takes the budget's lock about once
    /// per 16 KiB rather than per line. Costs at most one grain per session of unused charge.
    public static let budgetGrainBytes = 16 * 1024

    /// Size of each chunk read back from a spill file (scan upload, delivery).
    public static let defaultReadChunkBytes = 64 * 1024

    /// The largest message the appliance will ever store: the largest configurable
    /// `mail security max size` (100 MB) plus a margin. Used as the store limit when an over-size
    /// SMTP message is relayed unscanned (over-size action `pass`): it must still be delivered
    /// whole, so the buffer keeps storing (on disk) past `max size`, up to this cap. A message
    /// beyond even this cap is truncated in the buffer (`isTruncated`) and must not be delivered:
    /// the caller answers `552 5.3.4` (RFC 5321 §4.5.3.1.10, RFC 3463 message too big for system).
    public static let hardStoreCap = 110 * 1024 * 1024

    /// Prefix of spill file names (only used where the file system cannot create nameless files);
    /// anything in the spool directory with this prefix at start-up is a crash leftover.
    public static let spillFilePrefix = "spill-"
}

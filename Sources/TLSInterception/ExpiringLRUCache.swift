import Foundation

/// A bounded cache whose entries expire: at most `capacity` entries; inserting into a full cache
/// drops the least recently used one. Pure value type; the caller brings the clock and the lock.
///
/// Eviction scans for the oldest use, O(capacity): it happens only when a new leaf was minted,
/// which costs far more than scanning `TLSInterceptionLimits.leafCacheCapacity` counters.
public struct ExpiringLRUCache<Key: Hashable, Value> {
    private struct Entry {
        var value: Value
        var expiry: Date
        var lastUse: UInt64
    }

    public let capacity: Int
    private var entries: [Key: Entry] = [:]
    private var tick: UInt64 = 0

    public init(capacity: Int) {
        precondition(capacity > 0, "a cache needs room for one entry")
        self.capacity = capacity
    }

    public var count: Int { entries.count }

    /// The value for `key` if present and not expired at `now`; an expired entry is removed.
    public mutating func value(for key: Key, now: Date) -> Value? {
        guard var entry = entries[key] else { return nil }
        guard now < entry.expiry else {
            entries[key] = nil
            return nil
        }
        tick += 1
        entry.lastUse = tick
        entries[key] = entry
        return entry.value
    }

    /// Stores `value` until `expiry`; an entry already expired at `now` is not stored.
    public mutating func insert(_ value: Value, for key: Key, expiry: Date, now: Date) {
        guard now < expiry else { return }
        tick += 1
        if entries[key] == nil, entries.count >= capacity {
            removeExpired(now: now)
            if entries.count >= capacity, let oldest = entries.min(by: { $0.value.lastUse < $1.value.lastUse })?.key {
                entries[oldest] = nil
            }
        }
        entries[key] = Entry(value: value, expiry: expiry, lastUse: tick)
    }

    public mutating func removeAll() { entries.removeAll() }

    private mutating func removeExpired(now: Date) {
        entries = entries.filter { now < $0.value.expiry }
    }
}

// Plain stored values: as sendable as its keys and values.
extension ExpiringLRUCache: @unchecked Sendable where Key: Sendable, Value: Sendable {}

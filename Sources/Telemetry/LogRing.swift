import Foundation

/// The in-memory log behind `show log`: the most recent lines, oldest dropped first, each with
/// its time. Rendered the router's way, newest last:
/// ```
/// 2026/11/25 22:45:00: [MAIL_SEC] Detect spam mail (95)
/// ```
public final class LogRing: Sendable {
    public struct Entry: Equatable, Sendable {
        public var date: Date
        public var severity: SyslogSeverity
        public var text: String
    }

    public let capacity: Int
    public let timeZone: TimeZone
    private let state: LockedState<Storage>

    /// A fixed-size circular buffer: appending never reallocates once full.
    private struct Storage {
        var slots: [Entry] = []
        var next = 0
    }

    public init(capacity: Int = TelemetryLimits.logRingLines, timeZone: TimeZone = TimeZone(identifier: "UTC")!) {
        self.capacity = max(1, capacity)
        self.timeZone = timeZone
        state = LockedState(Storage())
    }

    public func append(_ text: String, severity: SyslogSeverity, date: Date) {
        let entry = Entry(date: date, severity: severity, text: text)
        state.withLock { storage in
            if storage.slots.count < capacity {
                storage.slots.append(entry)
            } else {
                storage.slots[storage.next] = entry
                storage.next = (storage.next + 1) % capacity
            }
        }
    }

    /// Oldest first, newest last.
    public var entries: [Entry] {
        state.withLock { storage in
            Array(storage.slots[storage.next...] + storage.slots[..<storage.next])
        }
    }

    public func clear() {
        state.withLock { $0 = Storage() }
    }

    /// `show log`: one line per entry, `YYYY/MM/DD hh:mm:ss: TEXT`, newest last, each ending in "\n".
    public func rendered() -> String {
        entries.map { entry in
            CivilTime(entry.date, timeZone: timeZone).router + ": " + Self.printable(entry.text) + "\n"
        }.joined()
    }

    /// Control characters would let a logged value move the console's cursor: show them as spaces.
    private static func printable(_ text: String) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? " " : $0 }))
    }
}

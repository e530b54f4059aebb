import Foundation

/// A value behind a lock: the one way mutable state is shared between threads in this target.
/// (NSLock rather than `Synchronization.Mutex` so the package keeps its macOS 13 floor.)
final class LockedState<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) { self.value = value }

    func withLock<T>(_ body: (inout Value) throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}

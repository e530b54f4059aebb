import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// This process's resident memory, from /proc/self/status (Linux).
enum ProcessMemory {
    /// Resident set size now, bytes.
    static var residentBytes: Int { field("VmRSS:") }

    /// Highest resident set size since start or the last `resetPeak()`, bytes.
    static var peakResidentBytes: Int { field("VmHWM:") }

    /// Starts a new peak measurement (writing 5 to clear_refs resets VmHWM). False if refused.
    /// First hands memory freed by earlier tests back to the system (malloc keeps it per thread
    /// arena, and new threads use new arenas), so the peak is this measurement's own.
    @discardableResult
    static func resetPeak() -> Bool {
        #if canImport(Glibc)
        // glibc's malloc_trim is not in the Glibc module map (malloc.h): look it up.
        if let symbol = dlsym(nil, "malloc_trim") {
            typealias MallocTrim = @convention(c) (Int) -> CInt
            _ = unsafeBitCast(symbol, to: MallocTrim.self)(0)
        }
        #endif
        return (try? "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .ascii)) != nil
    }

    private static func field(_ name: String) -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return -1 }
        for line in status.split(separator: "\n") where line.hasPrefix(name) {
            let kilobytes = line.dropFirst(name.count).split(whereSeparator: { $0 == " " || $0 == "\t" }).first.flatMap { Int($0) } ?? -1
            return kilobytes * 1024
        }
        return -1
    }
}

#if canImport(Glibc)
import Glibc
#endif

/// glibc malloc settings for a daemon that holds thousands of 64 KiB buffers at once and then
/// frees them together (the chunks read off sessions, spill batches, delivery read-back chunks).
///
/// With glibc's defaults those buffers come from the heap arenas (they are under the 128 KiB
/// mmap threshold, and the threshold even grows after the first large free), one arena per
/// thread that allocated: freed memory stays in the arenas, fragmented, and RSS keeps the peak.
/// Measured on the benchmark's 1,000 × 5 MB run (docs/benchmarks.md, "Memory"): peak RSS
/// 550–600 MiB with the defaults, about 440 MiB with the mmap threshold fixed at 64 KiB, about
/// 395 MiB with that and two arenas; afterwards RSS fell back to under 100 MiB instead of staying
/// at ~370 MiB. The cost is an mmap/munmap pair per buffer of 64 KiB or more, small beside the
/// copy of the buffer itself.
public enum AllocatorTuning {
    /// Allocations of this size or more are mapped on their own and returned on free. Setting it
    /// also stops glibc from raising the threshold dynamically.
    public static let mmapThresholdBytes: Int32 = 64 * 1024
    /// The event loops and the file I/O pool share this many arenas instead of one each.
    public static let arenaCount: Int32 = 2

    // <malloc.h>'s parameter numbers; the header is not part of Swift's Glibc module.
    private static let mmapThresholdParameter: Int32 = -3  // M_MMAP_THRESHOLD
    private static let arenaMaxParameter: Int32 = -8       // M_ARENA_MAX

    /// Called once, first thing in the daemon. Returns false where the C library has no
    /// `mallopt` (not glibc): the defaults then stay, which only costs memory.
    @discardableResult
    public static func apply() -> Bool {
        #if canImport(Glibc)
        // Looked up at run time with the C calling convention, since <malloc.h> is not imported.
        typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
        guard let program = dlopen(nil, RTLD_NOW), let symbol = dlsym(program, "mallopt") else { return false }
        let mallopt = unsafeBitCast(symbol, to: Mallopt.self)
        return mallopt(mmapThresholdParameter, mmapThresholdBytes) == 1
            && mallopt(arenaMaxParameter, arenaCount) == 1
        #else
        return false
        #endif
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The signature libFuzzer calls for each input (`LLVMFuzzerTestOneInput`).
public typealias FuzzEntry = @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt

/// libFuzzer's own driver, linked in by `-sanitize=fuzzer`. SwiftPM renames an executable's
/// `main` (so tests can import executables), which hides libFuzzer's `main`; each fuzz target's
/// `main.swift` therefore hands its entry point to this driver itself.
@_silgen_name("LLVMFuzzerRunDriver")
private func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ entry: FuzzEntry
) -> CInt

/// Runs libFuzzer with the process's arguments (`-max_total_time=…`, corpus directories …).
public func runFuzzer(_ entry: FuzzEntry) -> Never {
    var argc = CommandLine.argc
    var argv = CommandLine.unsafeArgv
    exit(LLVMFuzzerRunDriver(&argc, &argv, entry))
}

/// Stops the run when an invariant of the code under test does not hold: libFuzzer sees the
/// abort as a crash and keeps the input. Unlike `precondition`, it also holds in release builds.
public func invariant(
    _ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String,
    file: StaticString = #fileID, line: UInt = #line
) {
    if !condition() {
        let text = "invariant broken at \(file):\(line): \(message())\n"
        _ = text.utf8CString.withUnsafeBufferPointer { write(2, $0.baseAddress, $0.count - 1) }
        abort()
    }
}

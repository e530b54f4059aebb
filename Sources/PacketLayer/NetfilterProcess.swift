// A small runner for short system commands (nft, ip) used by the packet layer. It runs in the
// daemon off the event loops, so it blocks. posix_spawn rather than Foundation's Process: the
// child gets an empty signal mask and default dispositions (daemon threads may block signals),
// no descriptor of ours beyond stdin/stdout/stderr (temporary files, so no pipe needs a
// reader thread), and is reaped by its own PID only.
import Foundation
#if canImport(Glibc)
import Glibc
#endif

public struct NetfilterProcessResult: Sendable, Equatable {
    public var status: Int32
    public var stdout: String
    public var stderr: String
    public var timedOut: Bool
}

public enum NetfilterProcessError: Error, CustomStringConvertible {
    case spawnFailed(String, Int32)
    case scratchFailed(String)

    public var description: String {
        switch self {
        case .spawnFailed(let path, let errno): "cannot start \(path): \(String(cString: strerror(errno)))"
        case .scratchFailed(let why): "cannot create a scratch file: \(why)"
        }
    }
}

public enum NetfilterProcess {
    /// Runs `executable` (absolute path) with `arguments`, `input` as stdin, bounded by
    /// `timeout` seconds (then SIGKILL). Returns the exit status (128 + signal when killed).
    public static func run(_ executable: String, _ arguments: [String], input: String = "",
                           timeout: Double = 30) throws -> NetfilterProcessResult {
        let stdinFile = try ScratchFile(contents: input)
        let stdoutFile = try ScratchFile(contents: "")
        let stderrFile = try ScratchFile(contents: "")

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, stdinFile.path, O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdoutFile.path, O_WRONLY | O_TRUNC, 0)
        posix_spawn_file_actions_addopen(&actions, 2, stderrFile.path, O_WRONLY | O_TRUNC, 0)
        closeFrom(3, in: &actions)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t(), all = sigset_t()
        sigemptyset(&none)
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        // A fixed, small environment: the commands need no more, and locale must not change
        // their output.
        let environment: [String] = ["PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C"]
        let envp = environment.map { strdup($0) } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        guard rc == 0 else { throw NetfilterProcessError.spawnFailed(executable, rc) }

        var waitStatus: Int32 = 0
        var timedOut = false
        let deadline = Date().addingTimeInterval(timeout)
        var delay: useconds_t = 1_000
        while true {
            let r = waitpid(pid, &waitStatus, WNOHANG)
            if r == pid { break }
            if r < 0 && errno != EINTR { waitStatus = 0x7f; break }   // not ours any more
            if Date() >= deadline {
                timedOut = true
                kill(pid, SIGKILL)
                while waitpid(pid, &waitStatus, 0) < 0 && errno == EINTR {}
                break
            }
            usleep(delay)
            delay = min(delay * 2, 20_000)
        }
        let signal = waitStatus & 0x7f
        let status = signal == 0 ? (waitStatus >> 8) & 0xff : 128 + signal
        return NetfilterProcessResult(status: status, stdout: stdoutFile.read(), stderr: stderrFile.read(),
                                      timedOut: timedOut)
    }

    /// The path of system command `name` in the usual directories (nft and ip live in /usr/sbin).
    public static func locate(_ name: String) -> String {
        for directory in ["/usr/sbin", "/sbin", "/usr/bin", "/bin"] {
            let path = directory + "/" + name
            if access(path, X_OK) == 0 { return path }
        }
        return "/usr/sbin/" + name
    }

    private typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32

    /// `posix_spawn_file_actions_addclosefrom_np` (glibc ≥ 2.34, not in the Swift overlay);
    /// without it, one close action per descriptor open right now.
    private static func closeFrom(_ lowest: Int32, in actions: inout posix_spawn_file_actions_t) {
        if let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np") {
            let addCloseFrom = unsafeBitCast(symbol, to: CloseFrom.self)
            if addCloseFrom(&actions, lowest) == 0 { return }
        }
        let open = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        for fd in open.compactMap(Int32.init) where fd >= lowest {
            posix_spawn_file_actions_addclose(&actions, fd)
        }
    }
}

/// A temporary file removed when released.
private final class ScratchFile {
    let path: String

    init(contents: String) throws {
        var template = Array((NSTemporaryDirectory() + "/mailsec-nf-XXXXXX").utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { throw NetfilterProcessError.scratchFailed(String(cString: strerror(errno))) }
        path = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        defer { close(fd) }
        var bytes = Array(contents.utf8)[...]
        while !bytes.isEmpty {
            let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if written < 0 {
                if errno == EINTR { continue }
                unlink(path)
                throw NetfilterProcessError.scratchFailed(String(cString: strerror(errno)))
            }
            bytes = bytes.dropFirst(written)
        }
    }

    /// What a command wrote here (its diagnostics: nft and ip say little), at most
    /// `maximumReadBytes`. Read with read(2) rather than `String(contentsOfFile:)`: Foundation's
    /// reader leaks its 4 KiB buffer when the file is empty, which a command's output usually is
    /// (LeakSanitizer showed 8 KiB lost per nft run in `make hygiene`).
    func read() -> String {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return "" }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while bytes.count < Self.maximumReadBytes {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { break }
            bytes.append(contentsOf: chunk[..<count])
        }
        return String(decoding: bytes.prefix(Self.maximumReadBytes), as: UTF8.self)
    }

    /// More than any diagnostics of nft or ip; a runaway command's output is cut here.
    static let maximumReadBytes = 1024 * 1024

    deinit { unlink(path) }
}

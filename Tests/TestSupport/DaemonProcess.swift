import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A long-running server a test started (Postfix's master, Dovecot), spawned and reaped here
/// rather than through Foundation's `Process`, for two reasons found the hard way:
///
/// - `Process` learns that a child ended when a socket the child inherited reaches EOF, then
///   waits for that PID on its single manager thread. A daemon that closes inherited
///   descriptors at start-up (both of these do) makes that thread wait for the daemon's whole
///   lifetime, and no other `Process` in the test run is seen to exit until then.
/// - A child inherits the spawning thread's signal mask, and test code runs on pool threads
///   that block SIGTERM: the daemon would ignore `stop()` until the SIGKILL fallback.
///
/// So: `posix_spawn` with an empty signal mask and default dispositions, no inherited
/// descriptors beyond stdin (/dev/null), stdout and stderr (files in `directory`), and
/// `waitpid` on our own PID only.
public final class DaemonProcess: @unchecked Sendable {
    public let pid: pid_t
    public let stdoutURL: URL
    public let stderrURL: URL
    private let lock = NSLock()
    private var status: Int32?

    public init(_ executable: String, _ arguments: [String], directory: URL,
                environment: [String: String]? = nil) throws {
        let tag = URL(fileURLWithPath: executable).lastPathComponent + "-" + UUID().uuidString.prefix(8)
        stdoutURL = directory.appendingPathComponent("\(tag).out")
        stderrURL = directory.appendingPathComponent("\(tag).err")

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdoutURL.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, stderrURL.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        // Keep every other descriptor of the test process (sockets, pipes, other children's
        // status sockets) out of the daemon.
        Self.closeFrom(3, in: &actions)

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
        let envp = (environment ?? ProcessInfo.processInfo.environment).map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var child: pid_t = 0
        let rc = posix_spawn(&child, executable, &actions, &attributes, argv, envp)
        guard rc == 0 else {
            throw MailServerError.startFailed("posix_spawn \(executable): \(String(cString: strerror(rc)))")
        }
        pid = child
    }

    deinit {
        if isRunning {
            kill(pid, SIGKILL)
            var s: Int32 = 0
            waitpid(pid, &s, 0)
        }
    }

    /// False once the process has exited (it is reaped here, so it leaves no zombie).
    public var isRunning: Bool {
        lock.lock()
        defer { lock.unlock() }
        if status != nil { return false }
        var s: Int32 = 0
        if waitpid(pid, &s, WNOHANG) == pid { status = s }
        return status == nil
    }

    /// The raw wait status once exited.
    public var waitStatus: Int32? { _ = isRunning; return lock.withLock { status } }

    public var standardOutput: String { (try? String(contentsOf: stdoutURL, encoding: .utf8)) ?? "" }
    public var standardError: String { (try? String(contentsOf: stderrURL, encoding: .utf8)) ?? "" }

    /// PIDs of its live children (a daemon's workers).
    public func childPIDs() -> [Int32] { ProcessTable.children(of: pid) }

    /// Sends `signal`, waits (bounded) for the exit, then SIGKILLs.
    public func stop(signal: Int32 = SIGTERM, timeout: TimeInterval = 10) {
        guard isRunning else { return }
        kill(pid, signal)
        if !waitUntil(timeout: timeout, { !isRunning }) {
            kill(pid, SIGKILL)
            _ = waitUntil(timeout: 5) { !isRunning }
        }
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

    /// The signals blocked and ignored by a running process (bit n-1 set = signal n), read
    /// from /proc/PID/status; tests use it to check that a daemon can be stopped by SIGTERM.
    public static func signalState(of pid: Int32) -> (blocked: UInt64, ignored: UInt64)? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        func mask(_ name: String) -> UInt64? {
            guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix(name + ":") }) else { return nil }
            return UInt64(line.dropFirst(name.count + 1).trimmingCharacters(in: .whitespaces), radix: 16)
        }
        guard let blocked = mask("SigBlk"), let ignored = mask("SigIgn") else { return nil }
        return (blocked, ignored)
    }
}

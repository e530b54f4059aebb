import Foundation

/// Reads the process table (/proc) to follow a daemon's workers.
public enum ProcessTable {
    /// Live children of `parent` (zombies excluded: they hold no sockets or files).
    public static func children(of parent: Int32) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { Int32($0) }.filter { pid in
            guard let (ppid, state) = status(of: pid) else { return false }
            return ppid == parent && state != "Z"
        }
    }

    /// True while `pid` exists and is not a zombie.
    public static func isAlive(_ pid: Int32) -> Bool {
        guard let (_, state) = status(of: pid) else { return false }
        return state != "Z"
    }

    /// (parent PID, state letter) from /proc/PID/stat; the command name may contain spaces
    /// or parentheses, so fields are read after the last ')'.
    private static func status(of pid: Int32) -> (Int32, Character)? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 1, let state = fields[0].first, let ppid = Int32(fields[1]) else { return nil }
        return (ppid, state)
    }
}

import Foundation

/// Reads the process table (/proc) to follow a daemon's workers.
public enum ProcessTable {
    /// Live children of `parent` (zombies excluded: they hold no sockets or files).
    public static func children(of parent: Int32) -> [Int32] {
        allProcesses().filter { $0.ppid == parent && $0.state != "Z" }.map(\.pid)
    }

    /// Live members of process group `group` (zombies excluded).
    public static func members(ofGroup group: Int32) -> [Int32] {
        allProcesses().filter { $0.pgrp == group && $0.state != "Z" }.map(\.pid)
    }

    /// True while `pid` exists and is not a zombie.
    public static func isAlive(_ pid: Int32) -> Bool {
        guard let entry = status(of: pid) else { return false }
        return entry.state != "Z"
    }

    struct Entry {
        var pid: Int32
        var state: Character
        var ppid: Int32
        var pgrp: Int32
    }

    static func allProcesses() -> [Entry] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { Int32($0) }.compactMap(status(of:))
    }

    /// State, parent and process group from /proc/PID/stat; the command name may contain
    /// spaces or parentheses, so fields are read after the last ')'.
    static func status(of pid: Int32) -> Entry? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 2, let state = fields[0].first,
              let ppid = Int32(fields[1]), let pgrp = Int32(fields[2]) else { return nil }
        return Entry(pid: pid, state: state, ppid: ppid, pgrp: pgrp)
    }
}

import Foundation

/// `show environment`: what the box itself is doing, from the kernel's text files. Pure: the
/// caller reads `/proc/uptime`, `/proc/loadavg`, `/proc/stat`, `/proc/meminfo` and
/// `/proc/cmdline` and hands their text in; anything missing or malformed shows as `unknown`
/// rather than failing the command.
///
///     Firmware version              1.0.0
///     Boot slot                     A
///     Uptime                        0 days 00:03:12
///     CPU load average              0.12 0.08 0.02
///     CPU busy since boot           7%
///     Memory used                   143 MiB of 987 MiB (14%)
public struct SystemEnvironment: Equatable, Sendable {
    public var firmwareVersion: String
    /// `A` or `B` on the appliance image (the boot loader names it on the kernel command line
    /// as `mailsec.slot=`); nil on a box installed from the package.
    public var bootSlot: String?
    public var uptimeSeconds: Int?
    public var loadAverage: String?
    /// Share of CPU time not idle (idle + iowait) since boot, in percent.
    public var cpuBusyPercent: Int?
    public var memoryTotalKiB: Int?
    public var memoryAvailableKiB: Int?
    /// The last line the firmware update service wrote, when an update was asked for.
    public var updateStatus: String?

    public init(firmwareVersion: String, bootSlot: String? = nil, uptimeSeconds: Int? = nil,
                loadAverage: String? = nil, cpuBusyPercent: Int? = nil,
                memoryTotalKiB: Int? = nil, memoryAvailableKiB: Int? = nil) {
        self.firmwareVersion = firmwareVersion
        self.bootSlot = bootSlot
        self.uptimeSeconds = uptimeSeconds
        self.loadAverage = loadAverage
        self.cpuBusyPercent = cpuBusyPercent
        self.memoryTotalKiB = memoryTotalKiB
        self.memoryAvailableKiB = memoryAvailableKiB
    }

    /// Parses the kernel's files (each nil when it could not be read).
    public init(firmwareVersion: String?, uptime: String?, loadavg: String?, stat: String?,
                meminfo: String?, cmdline: String?, updateStatus: String? = nil) {
        self.init(firmwareVersion: firmwareVersion.map(Self.firstLine) ?? "unknown")
        bootSlot = cmdline.flatMap(Self.slot)
        uptimeSeconds = uptime.flatMap { $0.split(separator: " ").first }.flatMap { Double($0) }.map { Int($0) }
        if let fields = loadavg?.split(separator: " "), fields.count >= 3,
           fields.prefix(3).allSatisfy({ Double($0) != nil }) {
            loadAverage = fields.prefix(3).joined(separator: " ")
        }
        cpuBusyPercent = stat.flatMap(Self.busyPercent)
        self.updateStatus = updateStatus.map(Self.firstLine).flatMap { $0.isEmpty ? nil : String($0.prefix(200)) }
        if let meminfo {
            memoryTotalKiB = Self.meminfoValue("MemTotal", in: meminfo)
            memoryAvailableKiB = Self.meminfoValue("MemAvailable", in: meminfo)
        }
    }

    public func rendered() -> String {
        var rows: [(item: String, value: String)] = [
            ("Firmware version", firmwareVersion.isEmpty ? "unknown" : firmwareVersion),
            ("Boot slot", bootSlot ?? "none (installed from the package)"),
            ("Uptime", uptimeSeconds.map(Self.duration) ?? "unknown"),
            ("CPU load average", loadAverage ?? "unknown"),
            ("CPU busy since boot", cpuBusyPercent.map { "\($0)%" } ?? "unknown"),
        ]
        if let total = memoryTotalKiB, let available = memoryAvailableKiB, total > 0, available <= total {
            let used = total - available
            rows.append(("Memory used", "\(used / 1024) MiB of \(total / 1024) MiB (\(used * 100 / total)%)"))
        } else {
            rows.append(("Memory used", "unknown"))
        }
        if let updateStatus { rows.append(("Firmware update", updateStatus)) }
        return StatusTable(rows: rows).rendered()
    }

    static func firstLine(_ text: String) -> String {
        String(text.split(separator: "\n", omittingEmptySubsequences: false).first ?? "")
            .trimmingCharacters(in: .whitespaces)
    }

    /// `mailsec.slot=A` on the command line; only `A` or `B` count.
    static func slot(_ cmdline: String) -> String? {
        for word in cmdline.split(whereSeparator: { $0 == " " || $0 == "\n" }) where word.hasPrefix("mailsec.slot=") {
            let value = word.dropFirst("mailsec.slot=".count)
            if value == "A" || value == "B" { return String(value) }
        }
        return nil
    }

    /// From the `cpu` line of /proc/stat: user nice system idle iowait irq softirq steal …
    static func busyPercent(_ stat: String) -> Int? {
        guard let line = stat.split(separator: "\n").first(where: { $0.hasPrefix("cpu ") }) else { return nil }
        let values = line.split(separator: " ").dropFirst().prefix(8).compactMap { Int($0) }
        guard values.count >= 5 else { return nil }
        let total = values.reduce(0, +)
        guard total > 0 else { return nil }
        let idle = values[3] + values[4]
        return (total - idle) * 100 / total
    }

    static func meminfoValue(_ key: String, in meminfo: String) -> Int? {
        for line in meminfo.split(separator: "\n") where line.hasPrefix(key + ":") {
            return line.dropFirst(key.count + 1).split(separator: " ").first.flatMap { Int($0) }
        }
        return nil
    }

    static func duration(_ seconds: Int) -> String {
        let days = seconds / 86_400, rest = seconds % 86_400
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(days) day\(days == 1 ? "" : "s") \(two(rest / 3600)):\(two(rest % 3600 / 60)):\(two(rest % 60))"
    }
}

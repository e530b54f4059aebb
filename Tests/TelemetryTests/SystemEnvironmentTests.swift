import Testing
@testable import Telemetry

/// `show environment` from the kernel's files: parsed values, and `unknown` for what is
/// missing or malformed instead of a failed command.
struct SystemEnvironmentTests {
    static let stat = "cpu  100 0 100 700 100 0 0 0 0 0\ncpu0 50 0 50 350 50 0 0 0 0 0\n"
    static let meminfo = "MemTotal:        1010000 kB\nMemFree:          500000 kB\nMemAvailable:     808000 kB\n"

    @Test func parsesTheKernelFiles() {
        let environment = SystemEnvironment(
            firmwareVersion: "1.2.3\n", uptime: "93784.52 180000.00\n", loadavg: "0.12 0.08 0.02 1/88 1234\n",
            stat: Self.stat, meminfo: Self.meminfo,
            cmdline: "BOOT_IMAGE=/vmlinuz root=/dev/vda2 ro mailsec.slot=B console=ttyS0,115200\n")
        #expect(environment == SystemEnvironment(
            firmwareVersion: "1.2.3", bootSlot: "B", uptimeSeconds: 93784, loadAverage: "0.12 0.08 0.02",
            cpuBusyPercent: 20, memoryTotalKiB: 1_010_000, memoryAvailableKiB: 808_000))
        let text = environment.rendered()
        #expect(text.contains("Firmware version              1.2.3\n"))
        #expect(text.contains("Boot slot                     B\n"))
        #expect(text.contains("Uptime                        1 day 02:03:04\n"))
        #expect(text.contains("CPU load average              0.12 0.08 0.02\n"))
        #expect(text.contains("CPU busy since boot           20%\n"))
        #expect(text.contains("Memory used                   197 MiB of 986 MiB (20%)\n"))
    }

    static let slots: [(String, String?)] = [
        ("root=/dev/vda2 mailsec.slot=A", "A"),
        ("mailsec.slot=B", "B"),
        ("mailsec.slot=C", nil),
        ("mailsec.slot=", nil),
        ("xmailsec.slot=A", nil),
        ("root=/dev/sda1 ro quiet", nil),
    ]

    @Test(arguments: slots)
    func bootSlotComesFromTheCommandLine(cmdline: String, slot: String?) {
        #expect(SystemEnvironment.slot(cmdline) == slot)
    }

    @Test func missingOrMalformedFilesShowUnknown() {
        let environment = SystemEnvironment(firmwareVersion: nil, uptime: "x", loadavg: "1 2", stat: "cpu 1 2\n",
                                            meminfo: "MemTotal: 10 kB\n", cmdline: nil)
        let text = environment.rendered()
        #expect(text.contains("Firmware version              unknown\n"))
        #expect(text.contains("Boot slot                     none (installed from the package)\n"))
        for item in ["Uptime", "CPU load average", "CPU busy since boot", "Memory used"] {
            #expect(text.contains(item + String(repeating: " ", count: 30 - item.count) + "unknown\n"), "\(item)")
        }
    }

    static let durations: [(Int, String)] = [(0, "0 days 00:00:00"), (59, "0 days 00:00:59"),
                                              (86_400, "1 day 00:00:00"), (200_000, "2 days 07:33:20")]

    @Test(arguments: durations)
    func uptimeIsDaysAndClockTime(seconds: Int, text: String) {
        #expect(SystemEnvironment.duration(seconds) == text)
    }
}

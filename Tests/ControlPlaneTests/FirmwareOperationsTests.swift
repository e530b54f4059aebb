import ApplianceConfig
import ControlPlane
import Foundation
import Testing
import SyslogIO
import Telemetry

/// `restart` and `show environment` through the console, with the daemon's services.
@Suite struct FirmwareOperationsTests {
    func console(_ firmware: FirmwareOperations, configuration: Configuration = Configuration()) -> ApplianceConsole {
        let services = DaemonServices(syslog: SyslogSender(settings: SyslogSettings(), hostname: "test", localSocketPath: "/nonexistent"),
                                      statistics: MailStatistics(), firmware: firmware)
        return ApplianceConsole(configuration: configuration, store: nil, services: services)
    }

    @Test func restartWithoutACommandIsRefusedNotRun() {
        let reply = console(FirmwareOperations()).execute("restart")
        #expect(reply == .error("Error: Restart is not available here (mailsecd was started without --restart-command)"))
    }

    @Test func restartRunsTheCommand() throws {
        let marker = FileManager.default.temporaryDirectory.appendingPathComponent("restart-\(getpid())-\(UInt32.random(in: 0...UInt32.max))").path
        defer { try? FileManager.default.removeItem(atPath: marker) }
        let reply = console(FirmwareOperations(restartCommand: ["/usr/bin/touch", marker])).execute("restart")
        #expect(reply == ConsoleReply(ok: true, output: "Restarting ...\n"))
        let deadline = Date().addingTimeInterval(5)
        while !FileManager.default.fileExists(atPath: marker), Date() < deadline { usleep(10_000) }
        #expect(FileManager.default.fileExists(atPath: marker))
    }

    @Test func restartNeedsAdministratorModeWhenAPasswordIsSet() {
        var configuration = Configuration()
        _ = configuration.execute("administrator password secret")
        let reply = console(FirmwareOperations(restartCommand: ["/bin/false"]), configuration: configuration)
            .execute("restart", access: ConsoleAccess())
        #expect(!reply.ok)
        #expect(reply.output.contains("Administrator mode needed"))
    }

    @Test func showEnvironmentReadsTheKernelFilesGiven() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("proc-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        try "61.0 100.0\n".write(to: root.appendingPathComponent("uptime"), atomically: true, encoding: .utf8)
        try "mailsec.slot=A\n".write(to: root.appendingPathComponent("cmdline"), atomically: true, encoding: .utf8)
        try "9.9.9\n".write(to: root.appendingPathComponent("version"), atomically: true, encoding: .utf8)
        let firmware = FirmwareOperations(versionPath: root.appendingPathComponent("version").path, procRoot: root.path)
        let reply = console(firmware).execute("show environment")
        #expect(reply.ok)
        #expect(reply.output.contains("Firmware version              9.9.9\n"))
        #expect(reply.output.contains("Boot slot                     A\n"))
        #expect(reply.output.contains("Uptime                        0 days 00:01:01\n"))
        #expect(reply.output.contains("Memory used                   unknown\n"))
        // The same version for whoever else reports it (the web console's mailsec_build_info).
        #expect(firmware.firmwareVersion == "9.9.9")
        #expect(FirmwareOperations(versionPath: root.appendingPathComponent("none").path).firmwareVersion == "development")
    }
}

/// `firmware update URL`: what is accepted, and what the update service is handed.
@Suite struct FirmwareUpdateRequestTests {
    static let urls: [(String, Bool)] = [
        ("http://192.0.2.5/mailsec-rootfs.ext4", true),
        ("https://updates.example.com:8443/fw/rootfs.ext4", true),
        ("HTTP://192.0.2.5/x", true),
        ("ftp://192.0.2.5/x", false),
        ("http:///x", false),
        ("http://", false),
        ("http://192.0.2.5/a b", false),
        ("http://192.0.2.5/a'b", false),
        ("http://192.0.2.5/a\"b", false),
        ("http://192.0.2.5/\u{7}", false),
        ("http://192.0.2.5/" + String(repeating: "a", count: 1100), false),
    ]

    @Test(arguments: urls)
    func onlyPlainHTTPAddressesAreAccepted(url: String, accepted: Bool) {
        #expect(FirmwareOperations.isUpdateURL(url) == accepted)
    }

    @Test func theURLIsWrittenForTheUpdateServiceWhichIsStarted() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("update-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let started = directory.appendingPathComponent("started").path
        let firmware = FirmwareOperations(updateCommand: ["/usr/bin/touch", started], updateDirectory: directory.path)
        let reply = firmware.update(url: "http://192.0.2.5/rootfs.ext4")
        #expect(reply.ok)
        #expect(try String(contentsOf: directory.appendingPathComponent("update-url"), encoding: .utf8) == "http://192.0.2.5/rootfs.ext4\n")
        #expect(FileManager.default.fileExists(atPath: started))
        #expect(firmware.environment().updateStatus == "requested: http://192.0.2.5/rootfs.ext4")
    }

    @Test func refusedWithoutAnUpdateCommandOrWithABadURL() {
        #expect(FirmwareOperations().update(url: "http://192.0.2.5/x")
                == .error("Error: Firmware update is not available here (not the appliance image)"))
        #expect(FirmwareOperations(updateCommand: ["/bin/true"]).update(url: "file:///etc/passwd")
                == .error("Error: Invalid update URL (http:// or https://, no spaces)"))
    }
}

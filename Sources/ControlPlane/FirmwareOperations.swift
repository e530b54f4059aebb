import Foundation
import Telemetry

/// `restart` and `show environment`: the console's view of the box it runs on. Thin: reads the
/// kernel's files for `SystemEnvironment` and runs the restart command the daemon was given.
public struct FirmwareOperations: Sendable {
    /// The command that reboots the box (`mailsecd --restart-command`, e.g. `systemctl reboot`);
    /// nil on a development machine, where `restart` is refused rather than rebooting it.
    public let restartCommand: [String]?
    /// Where the firmware's version is written when the package is built.
    public let versionPath: String
    /// The kernel's files; a test points it at a directory of its own.
    public let procRoot: String
    /// What starts the installation of an update (`mailsecd --update-command`, on the image
    /// `systemctl start --no-block mailsec-update.service`); nil where there are no boot slots.
    public let updateCommand: [String]?
    /// Where the requested URL is written for the update service, and where it reports.
    public let updateDirectory: String

    public init(restartCommand: [String]? = nil, versionPath: String = FirmwareDefaults.versionPath,
                procRoot: String = "/proc", updateCommand: [String]? = nil,
                updateDirectory: String = FirmwareDefaults.runtimeDirectory) {
        self.restartCommand = restartCommand
        self.versionPath = versionPath
        self.procRoot = procRoot
        self.updateCommand = updateCommand
        self.updateDirectory = updateDirectory
    }

    /// `http://` or `https://`, a host, printable ASCII without spaces or quotes (it is handed
    /// to curl as one argument, never to a shell), bounded.
    public static func isUpdateURL(_ url: String) -> Bool {
        let lower = url.lowercased()
        guard lower.hasPrefix("http://") || lower.hasPrefix("https://"), url.utf8.count <= 1024 else { return false }
        guard url.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F && $0 != "\"" && $0 != "'" && $0 != "\\" })
        else { return false }
        let afterScheme = url.drop { $0 != "/" }.dropFirst(2)
        return !afterScheme.isEmpty && afterScheme.first != "/"
    }

    /// Hands the URL to the update service and answers at once; the download, the check and
    /// the restart happen there, and `show environment` shows how far it got.
    public func update(url: String) -> ConsoleReply {
        guard Self.isUpdateURL(url) else { return .error("Error: Invalid update URL (http:// or https://, no spaces)") }
        guard let command = updateCommand, let executable = command.first else {
            return .error("Error: Firmware update is not available here (not the appliance image)")
        }
        do {
            try Data((url + "\n").utf8).write(to: URL(fileURLWithPath: updateDirectory + "/update-url"), options: [])
            try Data("requested: \(url)\n".utf8).write(to: URL(fileURLWithPath: updateDirectory + "/update-status"), options: [])
        } catch {
            return .error("Error: Cannot start the update (\(error))")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = Array(command.dropFirst())
        do {
            try process.run()
            process.waitUntilExit()
        } catch {
            return .error("Error: Cannot start the update (\(executable): \(error))")
        }
        guard process.terminationStatus == 0 else {
            return .error("Error: Cannot start the update (\(executable) exited with \(process.terminationStatus))")
        }
        return ConsoleReply(ok: true, output: "Updating from \(url): the appliance restarts when the image is installed ('show environment' shows the progress)\n")
    }

    /// The firmware version as `show environment` shows it, for whoever else reports it (the
    /// web console's `mailsec_build_info`): the first line of the file the package writes
    /// (firmware/package/build-deb.sh, from firmware/package/VERSION), "development" without one.
    public var firmwareVersion: String {
        guard let text = try? String(contentsOfFile: versionPath, encoding: .utf8) else { return "development" }
        return SystemEnvironment(firmwareVersion: text, uptime: nil, loadavg: nil, stat: nil, meminfo: nil, cmdline: nil)
            .firmwareVersion
    }

    public func environment() -> SystemEnvironment {
        func read(_ path: String) -> String? { try? String(contentsOfFile: path, encoding: .utf8) }
        return SystemEnvironment(
            firmwareVersion: read(versionPath) ?? "development",
            uptime: read(procRoot + "/uptime"), loadavg: read(procRoot + "/loadavg"),
            stat: read(procRoot + "/stat"), meminfo: read(procRoot + "/meminfo"),
            cmdline: read(procRoot + "/cmdline"),
            updateStatus: read(updateDirectory + "/update-status"))
    }

    /// Starts the reboot and answers at once: the console sees the reply before the box goes
    /// down (the command only asks the init system; the shutdown itself stops the daemon).
    public func restart() -> ConsoleReply {
        guard let command = restartCommand, let executable = command.first else {
            return .error("Error: Restart is not available here (mailsecd was started without --restart-command)")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = Array(command.dropFirst())
        do {
            try process.run()
        } catch {
            return .error("Error: Cannot restart (\(executable): \(error))")
        }
        return ConsoleReply(ok: true, output: "Restarting ...\n")
    }
}

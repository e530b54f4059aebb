/// The commands of the appliance as a box rather than as a mail inspector: restarting it and
/// reading its environment. Kept apart from the mail commands so that the firmware's additions
/// stay in one place; their `CommandID`s are the last ones, in this order.
extension CommandTable {
    static let firmware: [CommandSpec] = [
        operation(.restart, "restart", [], .consoleAdmin,
                  "Restart the appliance",
                  "Reboots the box. The running configuration is not saved by it: `save` first to keep changes. Needs administrator mode when `administrator password` is set.",
                  examples: ["restart"]) { _ in .restart },

        operation(.showEnvironment, "show environment", [], .status,
                  "Show the firmware and system state",
                  "Firmware version, boot slot (A or B on the appliance image), uptime, CPU use (load average and share of time busy since boot) and memory use.",
                  examples: ["show environment"]) { _ in .showEnvironment },

        operation(.firmwareUpdate, "firmware update", [
            ParameterSpec("URL", .words, count: 1...1, "`http://` or `https://` address of a root file system image; `URL.sha256` must hold its SHA-256."),
        ], .consoleAdmin,
        "Install new firmware and restart into it",
        "Downloads the image into the boot slot not running, keeping the configuration, and restarts into it once. The new slot is kept only when the appliance comes up with its services answering; otherwise the box restarts into the previous slot. `show environment` shows the progress. Needs administrator mode when `administrator password` is set.",
        examples: ["firmware update https://192.0.2.5/mailsec-rootfs.ext4"]) { words in .firmwareUpdate(words.first ?? "") },
    ]
}

import Foundation
import Testing
import TestSupport

/// `mailsec --config FILE 'COMMAND'`: the offline console, run as a real process.
@Suite struct OfflineConsoleTests {
    let mailsec = ProductBinary.path("mailsec")

    @Test func enteredCommandsAreWhatShowConfigPrints() throws {
        let dir = try TemporaryDirectory()
        let config = dir.path("c")
        for command in [
            "mail security use on",
            "mail security white-list pattern 1 from=*@example.com",
            #"mail security prefix spam "[SPAM MAIL]""#,
        ] {
            let result = try runCommand(mailsec, ["--config", config, command])
            #expect(result.status == 0, "\(command): \(result.stdout)\(result.stderr)")
            #expect(result.stdout.isEmpty)
        }
        let shown = try runCommand(mailsec, ["--config", config, "show config"])
        #expect(shown.status == 0)
        #expect(shown.stdout == """
            mail security use on
            mail security prefix spam "[SPAM MAIL]"
            mail security white-list pattern 1 from=*@example.com

            """)
    }

    @Test(arguments: [
        ("mail security port smtp 1 2 3 4 5", "Error: Insufficient or too many parameters"),
        ("mail security max size 0", "Error: Parameter out of range"),
        ("mail security max size five", "Error: Parameter must be an integer"),
        ("mail security frobnicate", "Error: Invalid command name"),
    ])
    func refusedCommandsPrintTheRouterErrorAndExitOne(command: String, error: String) throws {
        let dir = try TemporaryDirectory()
        let result = try runCommand(mailsec, ["--config", dir.path("c"), command])
        #expect(result.status == 1)
        #expect(result.stdout == error + "\n")
        // A refused command leaves the file untouched (here: still absent).
        #expect(!FileManager.default.fileExists(atPath: dir.path("c")))
    }

    @Test func wordsMayBeGivenUnquoted() throws {
        let dir = try TemporaryDirectory()
        let config = dir.path("c")
        #expect(try runCommand(mailsec, ["--config", config, "ysc", "retry", "5"]).status == 0)
        #expect(try runCommand(mailsec, ["--config", config, "show", "config"]).stdout == "ysc retry 5\n")
    }

    @Test func offlineConsoleRefusesAFileWithABadLine() throws {
        let dir = try TemporaryDirectory()
        let config = dir.path("c")
        try "mail security use on\nmail security bogus\n".write(toFile: config, atomically: true, encoding: .utf8)
        let result = try runCommand(mailsec, ["--config", config, "show config"])
        #expect(result.status == 1)
        #expect(result.stderr.contains(":2: mail security bogus: Error: Invalid command name"))
    }

    @Test func statusNeedsTheDaemon() throws {
        let dir = try TemporaryDirectory()
        let result = try runCommand(mailsec, ["--config", dir.path("c"), "show status mail security"])
        #expect(result.status == 1)
        #expect(result.stdout.hasPrefix("Error: "))
    }

    @Test func interactiveConsoleKeepsHistory() throws {
        let dir = try TemporaryDirectory()
        let script = "mail security spam level 4\nshow config\nshow history\n!1\nexit\n"
        let result = try runCommand(mailsec, ["--config", dir.path("c")], input: script)
        #expect(result.status == 0)
        // Input is not echoed: only the prompt precedes `show config`'s output.
        #expect(result.stdout.hasPrefix("# # mail security spam level 4\n# "))
        #expect(result.stdout.contains("1  mail security spam level 4\n2  show config\n"))
        // `!1` recalls and echoes the first command.
        #expect(result.stdout.contains("# mail security spam level 4\n# "))
    }
}

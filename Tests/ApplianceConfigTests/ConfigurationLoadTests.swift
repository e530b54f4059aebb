import Testing
@testable import ApplianceConfig

/// `load`: valid lines applied, bad lines reported by number, comments and blank lines skipped.
struct ConfigurationLoadTests {
    @Test func appliesGoodLinesAndReportsBadOnes() {
        let text = """
            # factory configuration
            mail security use on

            mail security max size 0
            \tmail security spam level 4
              # indented comment
            bogus command
            mail security port smtp 1 2 3 4 5
            show config
            mail security prefix spam "unterminated
            mail security prefix virus "[V I R U S]"\r
            ysc retry abc
            """
        let (config, problems) = Configuration.load(text)
        #expect(config.mailSecurityEnabled)
        #expect(config.spamLevel == 4)
        #expect(config.virusPrefix == "[V I R U S]")
        #expect(config.maxSizeMegabytes == 5)
        #expect(problems == [
            ConfigLoadProblem(lineNumber: 4, line: "mail security max size 0", error: .parameterOutOfRange),
            ConfigLoadProblem(lineNumber: 7, line: "bogus command", error: .invalidCommandName),
            ConfigLoadProblem(lineNumber: 8, line: "mail security port smtp 1 2 3 4 5", error: .wrongParameterCount),
            ConfigLoadProblem(lineNumber: 9, line: "show config", error: .notAConfigurationCommand),
            ConfigLoadProblem(lineNumber: 10, line: "mail security prefix spam \"unterminated", error: .unterminatedQuote),
            ConfigLoadProblem(lineNumber: 12, line: "ysc retry abc", error: .parameterMustBeInteger),
        ])
        #expect(config.rendered() == """
            mail security use on
            mail security prefix virus "[V I R U S]"
            mail security spam level 4

            """)
    }

    @Test(arguments: ["", "\n", "\n\n\n", "# only\n#comments", "\r\n\r\n"])
    func emptyFilesGiveFactoryDefaults(text: String) {
        let (config, problems) = Configuration.load(text)
        #expect(config == Configuration())
        #expect(problems.isEmpty)
    }

    @Test func crlfFileLoads() {
        let (config, problems) = Configuration.load("mail security use on\r\nysc retry 5\r\n")
        #expect(problems.isEmpty)
        #expect(config.rendered() == "mail security use on\nysc retry 5\n")
    }

    @Test func laterLinesWin() {
        let (config, problems) = Configuration.load("ysc retry 1\nysc retry 2\nno ysc retry\nysc retry 7\n")
        #expect(problems.isEmpty)
        #expect(config.yscRetry == 7)
    }
}

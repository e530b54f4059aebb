import Testing
@testable import ApplianceConfig

/// Events of configuration commands and the operations of operational ones.
struct ConfigurationOutcomeTests {
    @Test func useOnFromOffClearsStatistics() {
        var config = Configuration()
        #expect(config.execute("mail security use on") == .success(.configured([.statisticsCleared])))
        // Already on: nothing to clear.
        #expect(config.execute("mail security use on") == .success(.configured([])))
        #expect(config.execute("mail security use off") == .success(.configured([])))
        #expect(config.execute("mail sec use ON") == .success(.configured([.statisticsCleared])))
        #expect(config.execute("no mail security use") == .success(.configured([])))
        #expect(config.execute("mail security use on") == .success(.configured([.statisticsCleared])))
    }

    @Test(arguments: 1...10)
    func whiteListSetEnableAnnouncesTheSet(n: Int) {
        var config = Configuration()
        _ = config.execute("mail security white-list pattern 1 from=*@example.com")
        _ = config.execute("mail security white-list set \(n) 1")
        #expect(config.execute("mail security white-list set enable \(n)") == .success(.configured([.whiteListSetEnabled(n)])))
        #expect(config.enabledWhiteListSet == n)
    }

    static let operations: [(String, ConsoleOperation)] = [
        ("show config", .showConfig),
        ("sh conf", .showConfig),
        ("save", .save),
        ("sa", .save),
        ("show log", .showLog),
        ("show status mail security", .showStatusMailSecurity(history: false)),
        ("show status mail security history", .showStatusMailSecurity(history: true)),
        ("show status mail security h", .showStatusMailSecurity(history: true)),
        ("show status mail security white-list", .showStatusWhiteList(history: false)),
        ("show status mail security white-list history", .showStatusWhiteList(history: true)),
        ("SHOW STATUS MAIL SECURITY WHITE-LIST HISTORY", .showStatusWhiteList(history: true)),
        ("sh st m s w h", .showStatusWhiteList(history: true)),
        ("show status mail security monitor", .showStatusMonitor),
        ("sh st m s mo", .showStatusMonitor),
        ("clear mail security history", .clearMailSecurityHistory),
        ("clear mail security white-list history", .clearWhiteListHistory),
        ("show status ysc", .showStatusYSC),
        ("clear status ysc", .clearStatusYSC),
        ("show status license", .showStatusLicense),
        ("show status l", .showStatusLicense),
        ("help", .help([])),
        ("help mail security", .help(["mail", "security"])),
        ("help Mail SEC", .help(["Mail", "SEC"])),
        ("show command", .showCommand),
        ("show com", .showCommand),
        ("restart", .restart),
        ("show environment", .showEnvironment),
        ("sh env", .showEnvironment),
        ("firmware update http://192.0.2.5/rootfs.ext4", .firmwareUpdate("http://192.0.2.5/rootfs.ext4")),
    ]

    @Test(arguments: operations)
    func operationalCommands(line: String, operation: ConsoleOperation) {
        var config = Configuration()
        #expect(config.execute(line) == .success(.operation(operation)))
        #expect(config == Configuration())
    }
}

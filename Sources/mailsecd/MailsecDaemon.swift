import ApplianceConfig
import ArgumentParser
import ControlPlane
import Foundation
import NIOPosix

/// `mailsecd`: the appliance daemon. Wiring only: the configuration, the console socket,
/// signals; the work is done by the libraries.
@main
struct MailsecDaemon: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mailsecd",
        abstract: "Mail security appliance daemon."
    )

    @Option(help: "Configuration file (commands, as 'show config' prints them).")
    var config: String = FirmwareDefaults.configPath

    @Option(help: "Control socket for the console (created with mode 0600).")
    var control: String = FirmwareDefaults.controlSocket

    @Option(help: "Local syslog socket (lines also go to every 'syslog host').")
    var syslogSocket: String = FirmwareDefaults.localSyslogSocket

    func run() async throws {
        let store = ConfigStore(path: config)
        let services = DaemonServices()
        let initial = load(store)
        let console = ApplianceConsole(configuration: initial, store: store, services: services)
        services.configurationChanged(initial, events: [])

        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let threadPool = NIOThreadPool(numberOfThreads: 1)
        threadPool.start()
        let server = try await ControlServer.start(path: control, console: console, group: group, threadPool: threadPool)
        report("mailsecd: started; console on \(control), configuration \(config)")

        let stop = SignalWaiter()
        await stop.run(onReload: {
            console.replaceConfiguration(load(store))
            report("mailsecd: configuration reloaded from \(config)")
        })

        await server.stop()
        try await threadPool.shutdownGracefully()
        try await group.shutdownGracefully()
        report("mailsecd: stopped")
    }

    /// Applies every valid line and reports each bad one with its line number: a typo
    /// must never keep the box from starting, nor be ignored silently.
    private func load(_ store: ConfigStore) -> Configuration {
        let text: String
        do { text = try store.read() } catch {
            report("mailsecd: cannot read \(store.path): \(error); starting on the defaults")
            return Configuration()
        }
        let (configuration, problems) = Configuration.load(text)
        for problem in problems {
            report("mailsecd: \(store.path) line \(problem.lineNumber): '\(problem.line)': \(problem.error.message)")
        }
        return configuration
    }

    private func report(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}

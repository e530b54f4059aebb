import ApplianceConfig
import ControlPlane
import Foundation
import NIOConcurrencyHelpers
import Testing
import TestSupport

/// Records what the console asked of the running appliance.
final class RecordingServices: ApplianceServices {
    let changes = NIOLockedValueBox<[[ConfigEvent]]>([])
    let operations = NIOLockedValueBox<[ConsoleOperation]>([])

    func perform(_ operation: ConsoleOperation, configuration: Configuration) -> ConsoleReply {
        operations.withLockedValue { $0.append(operation) }
        return ConsoleReply(ok: true, output: "status\n")
    }

    func configurationChanged(_ configuration: Configuration, events: [ConfigEvent]) {
        changes.withLockedValue { $0.append(events) }
    }
}

@Suite struct ApplianceConsoleTests {
    @Test func configurationCommandsApplyAndReportTheirEvents() throws {
        let services = RecordingServices()
        let console = ApplianceConsole(configuration: Configuration(), store: nil, services: services)
        #expect(console.execute("mail security use on") == ConsoleReply(ok: true, output: ""))
        #expect(console.execute("mail security white-list set enable 2").ok)
        #expect(console.configuration.mailSecurityEnabled)
        #expect(services.changes.withLockedValue { $0 } == [[.statisticsCleared], [.whiteListSetEnabled(2)]])
    }

    @Test func aRefusedCommandChangesNothingAndTellsNoOne() throws {
        let services = RecordingServices()
        let console = ApplianceConsole(configuration: Configuration(), store: nil, services: services)
        #expect(console.execute("mail security spam level 6") == .error("Error: Parameter out of range"))
        #expect(console.configuration == Configuration())
        #expect(services.changes.withLockedValue { $0 }.isEmpty)
    }

    @Test func statusGoesToTheServicesAndConfigStaysLocal() throws {
        let services = RecordingServices()
        let console = ApplianceConsole(configuration: Configuration(), store: nil, services: services)
        #expect(console.execute("show status ysc").output == "status\n")
        _ = console.execute("ysc retry 1")
        #expect(console.execute("show config").output == "ysc retry 1\n")
        #expect(services.operations.withLockedValue { $0 } == [.showStatusYSC])
    }

    @Test func saveWritesWhatShowConfigPrints() throws {
        let dir = try TemporaryDirectory()
        let store = ConfigStore(path: dir.path("mailsec.conf"))
        let console = ApplianceConsole(configuration: Configuration(), store: store, services: nil)
        _ = console.execute("mail security max size 20")
        #expect(try store.read() == "", "nothing is written before save")
        #expect(console.execute("save").ok)
        #expect(try store.read() == console.execute("show config").output)
    }

    @Test func offlineConsolePersistsEveryChange() throws {
        let dir = try TemporaryDirectory()
        let store = ConfigStore(path: dir.path("mailsec.conf"))
        let console = ApplianceConsole(configuration: Configuration(), store: store, services: nil, persistEveryChange: true)
        _ = console.execute("ysc connection timeout 5")
        #expect(try store.read() == "ysc connection timeout 5\n")
        #expect(console.execute("show status mail security").ok == false)
    }
}

import ApplianceConfig
import Telemetry

/// The running appliance's side of the console: status reports and live reconfiguration.
public final class DaemonServices: ApplianceServices {
    public init() {}

    public func perform(_ operation: ConsoleOperation, configuration: Configuration) -> ConsoleReply {
        .error("Error: Not implemented yet")
    }

    public func configurationChanged(_ configuration: Configuration, events: [ConfigEvent]) {}
}

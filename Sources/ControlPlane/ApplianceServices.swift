import ApplianceConfig

/// What the console needs from the running appliance beyond the configuration itself:
/// status, histories, logs, and reacting to configuration changes. The daemon provides one;
/// the offline console (`mailsec --config FILE`) has none.
public protocol ApplianceServices: AnyObject, Sendable {
    /// Carries out an operational command other than `show config`, `save`, `help` and
    /// `show command` (which the console answers itself).
    func perform(_ operation: ConsoleOperation, configuration: Configuration) -> ConsoleReply
    /// Called after every configuration change (live apply: syslog targets, ports, …),
    /// with the events the change produced, in order.
    func configurationChanged(_ configuration: Configuration, events: [ConfigEvent])
}

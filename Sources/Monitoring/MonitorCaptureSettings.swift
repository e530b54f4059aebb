import ApplianceConfig

/// What a monitor capture is started with (`mail security monitor IFNAME`, the configured
/// ports, `mail security max size`); the service restarts the capture when this changes.
public struct MonitorCaptureSettings: Sendable, Equatable {
    public var interface: String
    public var smtpPorts: [Int]
    public var pop3Ports: [Int]
    /// Content kept per message, in octets; a longer message is counted `not scanned, over size`.
    public var maximumMessageBytes: Int

    public init(interface: String, smtpPorts: [Int], pop3Ports: [Int], maximumMessageBytes: Int) {
        self.interface = interface
        self.smtpPorts = smtpPorts
        self.pop3Ports = pop3Ports
        self.maximumMessageBytes = maximumMessageBytes
    }

    /// The capture `configuration` asks for; nil when monitor-only mode is off.
    public init?(_ configuration: Configuration) {
        guard let interface = configuration.monitorInterface else { return nil }
        self.init(interface: interface, smtpPorts: configuration.smtpPorts, pop3Ports: configuration.pop3Ports,
                  maximumMessageBytes: configuration.maxSizeMegabytes << 20)
    }
}

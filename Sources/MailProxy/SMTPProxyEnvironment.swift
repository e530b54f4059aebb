import Foundation
import NIOCore

/// What every SMTP session shares: the live settings, the scan service, the memory budget and
/// spool, the accounting, and how to reach the server.
public struct SMTPProxyEnvironment: Sendable {
    public var settings: SMTPProxySettingsProvider
    public var scanService: SMTPScanService
    public var budget: MemoryBudget
    public var spillStorage: any SpillStorage
    public var accounting: SMTPAccounting
    public var upstream: any SMTPUpstreamSelector
    public var connector: SMTPUpstreamConnector
    /// Above this a message goes to a spill file.
    public var memoryThreshold: Int
    /// The right-hand side of the Message-ID of transfer notifications.
    public var hostname: String
    /// Seconds since 1970 (the Date of transfer notifications).
    public var wallClock: @Sendable () -> Int64

    public init(settings: SMTPProxySettingsProvider, scanService: SMTPScanService, budget: MemoryBudget,
                spillStorage: any SpillStorage, accounting: SMTPAccounting, upstream: any SMTPUpstreamSelector,
                connector: @escaping SMTPUpstreamConnector = SMTPUpstreamConnectors.tcp(),
                memoryThreshold: Int = MessageBufferLimits.defaultMemoryThreshold,
                hostname: String = "firewall",
                wallClock: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970) }) {
        self.settings = settings
        self.scanService = scanService
        self.budget = budget
        self.spillStorage = spillStorage
        self.accounting = accounting
        self.upstream = upstream
        self.connector = connector
        self.memoryThreshold = memoryThreshold
        self.hostname = hostname
        self.wallClock = wallClock
    }
}

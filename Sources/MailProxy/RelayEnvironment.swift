import Foundation
import NIOCore
import NIOPosix

/// What every session of a listener shares (SMTP or POP3; the daemon gives both the same
/// settings, budget, spool, accounting and thread pool, and each its own scan operation and
/// upstream): the live settings, the scan service, the memory budget and spool, the
/// accounting, and how to reach the server.
public struct RelayEnvironment: Sendable {
    public var settings: ProxySettingsProvider
    public var scanService: MailScanService
    public var budget: MemoryBudget
    public var spillStorage: any SpillStorage
    public var accounting: MailAccounting
    public var upstream: any UpstreamSelector
    public var connector: UpstreamConnector
    /// Above this a message goes to a spill file.
    public var memoryThreshold: Int
    /// The right-hand side of the Message-ID of transfer notifications.
    public var hostname: String
    /// Seconds since 1970 (the Date of transfer notifications).
    public var wallClock: @Sendable () -> Int64
    /// Where the decision for a detected message (header parsing, white-list, rewrite,
    /// transfer notification: work proportional to the message) runs, off the event loop;
    /// nil runs it on the loop (unit tests on an `EmbeddedEventLoop`).
    public var decisionThreadPool: NIOThreadPool?
    /// Sessions per client address (`mail security max client sessions`); one table per
    /// listener, so SMTP and POP3 count apart.
    public var clientSessions: ClientSessionTable
    /// Every protocol wait (RFC 5321 §4.5.3.2, RFC 1939 §3) divided by this: 1 in service; the
    /// daemon's tests run with 60, so minutes become seconds.
    public var timeDivisor: Int
    /// Secures the halves on STARTTLS/STLS (docs/tls.md); nil blocks every upgrade.
    public var tls: (any TLSInterceptor)?
    /// The listener's port speaks TLS from the first byte (465, 995; RFC 8314): the session
    /// secures both halves before the protocol starts (`RelaySession+TLS.swift`).
    public var implicitTLS = false

    public init(settings: ProxySettingsProvider, scanService: MailScanService, budget: MemoryBudget,
                spillStorage: any SpillStorage, accounting: MailAccounting, upstream: any UpstreamSelector,
                connector: @escaping UpstreamConnector = UpstreamConnectors.tcp(),
                memoryThreshold: Int = MessageBufferLimits.defaultMemoryThreshold,
                hostname: String = "firewall",
                wallClock: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970) },
                decisionThreadPool: NIOThreadPool? = nil,
                clientSessions: ClientSessionTable = ClientSessionTable(),
                timeDivisor: Int = 1,
                tls: (any TLSInterceptor)? = nil) {
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
        self.decisionThreadPool = decisionThreadPool
        self.clientSessions = clientSessions
        self.timeDivisor = max(timeDivisor, 1)
        self.tls = tls
    }
}

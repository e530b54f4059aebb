/// What became of the lines given to a `SyslogSender`. One line sent to two collectors and
/// the local daemon counts three datagrams.
public struct SyslogCounters: Equatable, Sendable {
    /// Datagrams the kernel accepted (collectors and the local socket).
    public var sent = 0
    /// Datagrams lost: socket buffer full, send error, or the collector's name not yet resolved.
    public var dropped = 0
    /// Lines not sent at all because `syslog info/debug/notice` is off for their severity.
    public var filtered = 0

    public init(sent: Int = 0, dropped: Int = 0, filtered: Int = 0) {
        self.sent = sent
        self.dropped = dropped
        self.filtered = filtered
    }
}

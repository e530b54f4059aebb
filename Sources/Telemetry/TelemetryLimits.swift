/// Every bound of the Telemetry target, in one place (each buffer and history has one).
public enum TelemetryLimits {
    /// RFC 3164 §4.1: "The total length of the packet MUST be 1024 bytes or less."
    public static let rfc3164DatagramBytes = 1024
    /// RFC 5424 §6.1: receivers SHOULD accept 2048 octets; a sender that stays within that
    /// is understood by every conforming collector (and fits one Ethernet-safe UDP datagram
    /// with room to spare on loopback and ordinary LANs).
    public static let rfc5424DatagramBytes = 2048
    /// RFC 3164 §4.1.3: the TAG is at most 32 characters.
    public static let rfc3164TagCharacters = 32
    /// RFC 5424 §6: HOSTNAME 1*255, APP-NAME 1*48, PROCID 1*128, MSGID 1*32 PRINTUSASCII.
    public static let rfc5424HostnameCharacters = 255
    public static let rfc5424AppNameCharacters = 48
    public static let rfc5424ProcIDCharacters = 128
    public static let rfc5424MessageIDCharacters = 32
    /// `syslog host` accepts up to 4 collectors (docs/product.md §7); extra entries are ignored.
    public static let maxSyslogHosts = 4
    /// Default syslog port (RFC 5426 §3.3 for UDP transport, RFC 3164 §2).
    public static let defaultSyslogPort: UInt16 = 514
    /// Lines kept for `show log`.
    public static let logRingLines = 1000
    /// Detections kept for `show status mail security history`.
    public static let detectionHistoryEntries = 100
    /// Messages of every outcome kept for the web console's lists behind the tiles. Each
    /// entry holds at most three `historyFieldCharacters` fields, so a full list of hostile
    /// headers stays near 3 MiB; ordinary mail, a few hundred KiB.
    public static let mailListEntries = 1000
    /// White-list matches kept for `show status mail security white-list history`.
    public static let whiteListHistoryEntries = 100
    /// White-list pattern numbers (docs/product.md §6: NUM 1–100); matches outside are not counted.
    public static let whiteListPatternNumbers = 1...100
    /// Virus names kept per detection entry.
    public static let virusNamesPerDetection = 4
    /// Minutes of per-minute counters kept for the dashboard's chart: its longest range, 7 days.
    public static let chartMinutes = 7 * 24 * 60
    /// From/To/Subject kept per history entry, in characters: enough to recognise a
    /// message, small enough that 100 entries of hostile headers stay a few hundred KiB.
    public static let historyFieldCharacters = 256
}

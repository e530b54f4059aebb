import LineProtocol
import MailRelay

/// The relay's share of the appliance configuration (docs/product.md §7).
public struct SMTPRelayConfiguration: Equatable, Sendable {
    /// `mail security smtp size overflow`.
    public enum SizeOverflowPolicy: Equatable, Sendable {
        /// Deliver the over-size message unscanned.
        case pass
        /// `552 5.3.4`, early on `SIZE=` or after the content.
        case reject
    }

    /// How content lines ended by a bare LF are treated (RFC 5321 §2.3.8 forbids them).
    public enum BareLineFeedPolicy: Equatable, Sendable {
        /// Accept them as line ends, normalise to CRLF on delivery (default, docs/product.md §3). A lone
        /// `.` on such a line never ends the data.
        case normalize
        /// Refuse a message that has any (`554 5.6.0`) after its content.
        case reject
    }

    /// `mail security max size`, in octets of unstuffed content.
    public var maximumMessageSize: Int
    public var sizeOverflow: SizeOverflowPolicy
    public var bareLineFeeds: BareLineFeedPolicy
    /// EHLO keywords removed from the server's reply.
    public var removedCapabilities: Set<String>
    /// Every wait of the relay (RFC 5321 §4.5.3.2 by default).
    public var timeouts: SMTPTimeouts
    /// What STARTTLS does (`SMTPRelayMachine+TLS.swift`).
    public var tls: TLSPolicy

    public init(
        maximumMessageSize: Int = 5 * 1024 * 1024,
        sizeOverflow: SizeOverflowPolicy = .pass,
        bareLineFeeds: BareLineFeedPolicy = .normalize,
        removedCapabilities: Set<String> = EHLOCapabilityFilter.removedByDefault,
        timeouts: SMTPTimeouts = .standard,
        tls: TLSPolicy = .block
    ) {
        precondition(maximumMessageSize > 0)
        self.maximumMessageSize = maximumMessageSize
        self.sizeOverflow = sizeOverflow
        self.bareLineFeeds = bareLineFeeds
        self.removedCapabilities = removedCapabilities
        self.timeouts = timeouts
        self.tls = tls
    }
}

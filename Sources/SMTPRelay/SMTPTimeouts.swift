import LineProtocol
import NIOCore

/// The relay's waits, one value so a deployment (and a test) can scale them together. The
/// defaults are `SMTPLimits`' RFC 5321 §4.5.3.2 figures; `divided(by:)` shortens every one of
/// them alike, which is how the daemon's end-to-end tests see a slow client cut off in seconds
/// instead of minutes.
public struct SMTPTimeouts: Equatable, Sendable {
    public var initialGreeting = SMTPLimits.initialGreetingTimeout
    public var mailCommand = SMTPLimits.mailCommandTimeout
    public var rcptCommand = SMTPLimits.rcptCommandTimeout
    public var dataInitiation = SMTPLimits.dataInitiationTimeout
    public var dataBlock = SMTPLimits.dataBlockTimeout
    public var dataTermination = SMTPLimits.dataTerminationTimeout
    public var decision = SMTPLimits.decisionTimeout
    public var serverKeepalive = SMTPLimits.serverKeepaliveInterval
    /// The whole of one client command, from the moment the relay is ready for it.
    public var clientCommand = SMTPLimits.clientIdleTimeout
    /// The whole DATA phase, from the 354 to the final ".".
    public var dataTotal = SMTPLimits.maximumDataDuration

    public init() {}

    /// The RFC figures.
    public static let standard = SMTPTimeouts()

    /// Every wait divided by `divisor` (at least 1).
    public func divided(by divisor: Int) -> SMTPTimeouts {
        let d = Int64(max(divisor, 1))
        func scale(_ t: TimeAmount) -> TimeAmount { .nanoseconds(t.nanoseconds / d) }
        var result = self
        result.initialGreeting = scale(initialGreeting)
        result.mailCommand = scale(mailCommand)
        result.rcptCommand = scale(rcptCommand)
        result.dataInitiation = scale(dataInitiation)
        result.dataBlock = scale(dataBlock)
        result.dataTermination = scale(dataTermination)
        result.decision = scale(decision)
        result.serverKeepalive = scale(serverKeepalive)
        result.clientCommand = scale(clientCommand)
        result.dataTotal = scale(dataTotal)
        return result
    }
}

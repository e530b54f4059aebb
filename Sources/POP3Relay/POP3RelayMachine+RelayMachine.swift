import MailRelay
import NIOCore

/// The POP3 machine in the shared shape the session runs. Its clock is the tick: it names no
/// wait of its own (`timeout` is nil) and measures every wait against `.tick(now)`.
extension POP3RelayMachine: RelayMachine {
    public typealias Decision = POP3Decision
    public typealias Subject = Int
    public typealias Notice = POP3Notice

    public static func received(_ bytes: ByteBuffer, from side: RelaySide) -> Event {
        side == .client ? .clientReceived(bytes) : .serverReceived(bytes)
    }

    public static func closed(_ side: RelaySide) -> Event {
        side == .client ? .clientClosed : .serverClosed
    }

    public static func decided(_ decision: POP3Decision) -> Event { .decision(decision) }

    public static func secured(_ side: RelaySide) -> Event { .secured(side) }

    public var timeout: RelayTimeout? { nil }

    public static func timedOut(_ side: RelayTimeout.Side) -> Event? { nil }

    public var periodicInterval: TimeAmount? { wantsTicks ? POP3Limits.tickInterval : nil }

    public static func periodic(_ now: NIODeadline) -> Event { .tick(now) }

    /// The first tick gives the machine the session's start (the client's idle clock).
    public static func started(at now: NIODeadline) -> Event? { .tick(now) }
}

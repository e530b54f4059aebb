import NIOCore

/// A relay state machine the session can run: bytes, closes, the decision and the clock in,
/// `RelayAction`s out. Both relay machines conform; the session is generic over this.
///
/// Time comes from outside in one model: the machine names the wait it is in (`timeout`,
/// restarted by every read from the awaited side, bounded by its `limit`) and how often it
/// wants to hear the time while nothing else happens (`periodicInterval`).
public protocol RelayMachine: Sendable {
    associatedtype Event: Sendable
    associatedtype Decision: Sendable
    associatedtype Subject: Equatable & Sendable
    associatedtype Notice: Equatable & Sendable

    mutating func handle(_ event: Event, into actions: inout [RelayAction<Subject, Notice>])

    /// Bytes read from `side`.
    static func received(_ bytes: ByteBuffer, from side: RelaySide) -> Event
    /// `side` closed (or its connection failed).
    static func closed(_ side: RelaySide) -> Event
    /// The decision for the message last asked for with `scanMessage`.
    static func decided(_ decision: Decision) -> Event
    /// The TLS handshake `secureServer` or `secureClient` asked for is done on `side`.
    static func secured(_ side: RelaySide) -> Event

    /// The wait the machine is in; nil when it waits for nothing with a deadline.
    var timeout: RelayTimeout? { get }
    /// The event for a wait that ran out (nil for a machine that never names one).
    static func timedOut(_ side: RelayTimeout.Side) -> Event?
    /// How often the machine wants `periodic(now)`; nil while it wants none.
    var periodicInterval: TimeAmount? { get }
    /// The periodic event, with the time now.
    static func periodic(_ now: NIODeadline) -> Event
    /// The event that starts the session's clock, if the machine wants one (nil: none).
    static func started(at now: NIODeadline) -> Event?
}

/// A wait of the relay: which side (or the decision) it waits for, for how long.
public struct RelayTimeout: Equatable, Sendable {
    public enum Side: Equatable, Sendable {
        /// The next command or content from the client.
        case client
        /// A reply from the server.
        case server
        /// The decision for the message being scanned (a guard: the scan keeps its own,
        /// shorter deadline per message and the unavailable policy decides what then happens).
        case decision
    }

    public var side: Side
    /// How long the awaited side may stay silent; each read from it restarts this clock.
    public var duration: TimeAmount
    /// The longest the wait may last in all, counted from when it was armed, however often the
    /// awaited side sends something (nil: no bound beyond `duration`). A client trickling a
    /// byte every few seconds is cut off by this, not by `duration`.
    public var limit: TimeAmount?
    /// Distinguishes consecutive waits that look alike (one per client command), so the I/O
    /// layer arms a fresh clock for each.
    public var turn: Int

    public init(side: Side, duration: TimeAmount, limit: TimeAmount? = nil, turn: Int = 0) {
        self.side = side
        self.duration = duration
        self.limit = limit
        self.turn = turn
    }
}

import NIOCore

/// Test-only misbehaviour, so a client's failure handling can be proven against the real
/// service (docs/ysc-protocol.md, "Fault switches"). All off by default; apply to every endpoint.
struct FaultInjection: Sendable {
    /// Delay before each reply is written (scheduled on the event loop, never a sleep).
    var latency: TimeAmount = .zero
    /// Answer every request with this status and a JSON error instead of doing the work.
    var status: Int? = nil
    /// Answer every request `200` with a body that is not JSON.
    var garbage = false
    /// Close every connection as soon as a request head arrives, without a reply.
    var dropConnections = false

    /// The body sent by `--inject-garbage`: not JSON, with a NUL and an invalid UTF-8 byte.
    static let garbageBody: [UInt8] = Array("<html>this is not JSON</html>\0".utf8) + [0xFF, 0xFE]

    var isActive: Bool { latency > .zero || status != nil || garbage || dropConnections }
}

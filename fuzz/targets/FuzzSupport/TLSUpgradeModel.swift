import MailRelay

/// What the I/O layer sees of a relay's TLS upgrade (STARTTLS, STLS), with the invariants both
/// relay machines must keep (docs/tls.md): the server half is secured before the client hears
/// its go-ahead; while a half is being secured nothing is relayed across; nothing the client
/// sent in plaintext after the upgrade command reaches the server; pass makes the relay opaque;
/// block never upgrades.
public struct TLSUpgradeModel {
    public enum Stage: Equatable {
        case plaintext, securingServer, serverSecured, securingClient, secured, opaque
    }

    public let policy: TLSPolicy
    public private(set) var stage = Stage.plaintext

    public init(policy: TLSPolicy) {
        self.policy = policy
    }

    /// The policy a fuzz input's settings byte picks (bits 2–3).
    public static func policy(_ settings: UInt8) -> TLSPolicy {
        switch (settings >> 2) % 3 {
        case 0: .block
        case 1: .inspect
        default: .pass
        }
    }

    /// Whether the relay passes bytes unchanged (no line or reply format to check).
    public var isOpaque: Bool { stage == .opaque }

    public mutating func secureServer() {
        invariant(policy == .inspect, "an upgrade under \(policy)")
        invariant(stage == .plaintext, "secureServer in stage \(stage)")
        stage = .securingServer
    }

    public mutating func secureClient() {
        invariant(stage == .serverSecured, "the client secured before the server (stage \(stage))")
        stage = .securingClient
    }

    public mutating func passed() {
        invariant(policy == .pass, "an upgrade passed under \(policy)")
        invariant(stage == .plaintext, "passed in stage \(stage)")
        stage = .opaque
    }

    /// The I/O layer's handshake on `side` finished (only when one was asked for).
    public mutating func handshakeDone(_ side: RelaySide) {
        switch (stage, side) {
        case (.securingServer, .server): stage = .serverSecured
        case (.securingClient, .client): stage = .secured
        default: break
        }
    }

    /// Whether a `secured(side)` event is one the I/O layer could send now.
    public func mayFinish(_ side: RelaySide) -> Bool {
        (stage == .securingServer && side == .server) || (stage == .securingClient && side == .client)
    }

    public func write(to side: RelaySide) {
        switch stage {
        case .securingServer:
            invariant(false, "a write to the \(side) while the server half is being secured")
        case .serverSecured:
            invariant(side == .client, "a write to the server before the client half is secured")
        case .securingClient:
            invariant(false, "a write to the \(side) while the client half is being secured")
        case .plaintext, .secured, .opaque:
            break
        }
    }
}

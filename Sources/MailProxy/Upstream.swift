import NIOCore
import NIOPosix

/// Where the server side of a session connects, and from which address.
public struct UpstreamTarget: Sendable, Equatable {
    /// The mail server.
    public var address: SocketAddress
    /// The source address of the outgoing connection; nil lets the system choose. Full
    /// transparency (docs/product.md §2.1) puts the client's own address here (the socket then needs
    /// IP_TRANSPARENT, which the packet layer provides).
    public var sourceAddress: SocketAddress?

    public init(address: SocketAddress, sourceAddress: SocketAddress? = nil) {
        self.address = address
        self.sourceAddress = sourceAddress
    }
}

/// The "where to connect" decision for an accepted client connection.
public protocol UpstreamSelector: Sendable {
    /// The target for the client connection `channel` (accepted, active); nil when there is
    /// none (the session then answers as if the server were unreachable).
    func target(forClient channel: any Channel) -> UpstreamTarget?
}

/// Explicit mode: every session goes to one configured server (`--smtp-upstream HOST:PORT`).
public struct FixedUpstream: UpstreamSelector {
    public var address: SocketAddress

    public init(address: SocketAddress) {
        self.address = address
    }

    public func target(forClient channel: any Channel) -> UpstreamTarget? {
        UpstreamTarget(address: address)
    }
}

/// Transparent mode (TPROXY): the original destination is the accepted socket's own local
/// address (the listener needs IP_TRANSPARENT); with `spoofClientAddress` the outgoing
/// connection leaves from the client's address, so the server sees the real client.
///
/// Loop guard: a connection whose destination is the listener itself (someone connected to
/// the proxy's port directly, or traffic diverted twice) or any of the host's own addresses
/// (mail addressed to the box, diverted by a careless rule) has no server to go to; it gets no
/// target, so the session answers as if the server were unreachable instead of connecting to
/// itself.
public struct OriginalDestinationUpstream: UpstreamSelector {
    public var spoofClientAddress: Bool
    /// The transparent listener's own port (never a mail port: diverted mail keeps its port).
    public var listenerPort: Int?
    /// The host's own addresses: a destination among them was addressed to the box itself.
    public var localAddresses: LocalAddresses?

    public init(spoofClientAddress: Bool, listenerPort: Int? = nil, localAddresses: LocalAddresses? = .shared) {
        self.spoofClientAddress = spoofClientAddress
        self.listenerPort = listenerPort
        self.localAddresses = localAddresses
    }

    public func target(forClient channel: any Channel) -> UpstreamTarget? {
        guard let destination = channel.localAddress else { return nil }
        if let listenerPort, destination.port == listenerPort { return nil }
        if let localAddresses, localAddresses.contains(destination) { return nil }
        var source: SocketAddress?
        if spoofClientAddress, var client = channel.remoteAddress {
            client.port = 0  // any port: the client's own is in use by the client's connection
            source = client
        }
        return UpstreamTarget(address: destination, sourceAddress: source)
    }
}

/// Opens the server side's connection on the session's own event loop (the two halves share
/// one loop, so the session needs no locks).
public typealias UpstreamConnector = @Sendable (UpstreamTarget, any EventLoop) -> EventLoopFuture<any Channel>

public enum UpstreamConnectors {
    /// Plain TCP with a connect timeout (RFC 5321 §4.5.3.2 leaves it to the client; 30 s).
    public static func tcp(connectTimeout: TimeAmount = .seconds(30)) -> UpstreamConnector {
        { target, eventLoop in
            var bootstrap = ClientBootstrap(group: eventLoop)
                .connectTimeout(connectTimeout)
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
            if let source = target.sourceAddress {
                // Binding the client's address, which is not one of ours, needs IP_TRANSPARENT.
                bootstrap = bootstrap.channelOption(TransparentSocket.option, value: 1).bind(to: source)
            }
            return bootstrap.connect(to: target.address)
        }
    }
}

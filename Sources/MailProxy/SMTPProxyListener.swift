import MessageInspection
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import POP3Relay
import SMTPRelay

/// The mail listener (SMTP or POP3): accepts client connections and gives each a session
/// whose server side connects where `environment.upstream` says (explicit mode: a fixed
/// server; transparent mode: the original destination).
public final class SMTPProxyListener: Sendable {
    public let channel: any Channel
    public var localAddress: SocketAddress? { channel.localAddress }

    init(channel: any Channel) {
        self.channel = channel
    }

    /// Binds `address` and serves until `close()`. `transparent`: the listener takes
    /// connections TPROXY diverted to it (IP_TRANSPARENT); pair it with
    /// `OriginalDestinationUpstream`. `mailProtocol` picks the relay machine the session
    /// (`RelaySession`) runs.
    public static func start(listeningOn address: SocketAddress, group: any EventLoopGroup,
                             environment: SMTPProxyEnvironment, transparent: Bool = false,
                             mailProtocol: MailProtocol = .smtp) -> EventLoopFuture<SMTPProxyListener> {
        let counter = NIOLockedValueBox(0)
        return ServerBootstrap(group: group)
            .serverChannelOption(TransparentSocket.option, value: transparent ? 1 : 0)
            .serverChannelOption(.backlog, value: MailProxyLimits.listenBacklog)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                let number = counter.withLockedValue { value -> Int in
                    value &+= 1
                    return value
                }
                return channel.eventLoop.makeCompletedFuture {
                    let id = String(number, radix: 16)
                    switch mailProtocol {
                    case .smtp: try RelaySession<SMTPRelayMachine>.install(on: channel, environment: environment, id: id)
                    case .pop3: try RelaySession<POP3RelayMachine>.install(on: channel, environment: environment, id: id)
                    }
                }
            }
            .bind(to: address)
            .map { SMTPProxyListener(channel: $0) }
    }

    /// Stops accepting; sessions already running go on until they end.
    public func close() -> EventLoopFuture<Void> {
        channel.close()
    }
}

/// Sessions on channels made elsewhere (the listener's accepted connections, tests'
/// `EmbeddedChannel`s).
public enum SMTPProxySession {
    /// Makes `channel` the client side of a new session: once it is active the session is
    /// admitted (or refused with `421 4.3.2`) and its server side connects.
    public static func install(on channel: any Channel, environment: SMTPProxyEnvironment, id: String = "1") throws {
        try RelaySession<SMTPRelayMachine>.install(on: channel, environment: environment, id: id)
    }
}

/// POP3 sessions on channels made elsewhere (tests' `EmbeddedChannel`s).
public enum POP3ProxySession {
    /// Makes `channel` the client side of a new POP3 session: once it is active the session is
    /// admitted (or refused with `-ERR [SYS/TEMP]`) and its server side connects.
    public static func install(on channel: any Channel, environment: SMTPProxyEnvironment, id: String = "1") throws {
        try RelaySession<POP3RelayMachine>.install(on: channel, environment: environment, id: id)
    }
}

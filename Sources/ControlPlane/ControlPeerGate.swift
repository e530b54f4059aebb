import NIOCore
#if canImport(Glibc)
import Glibc
#endif

/// First handler of a console connection: asks the kernel who connected (SO_PEERCRED) when the
/// connection becomes active and, unless `ControlPeerPolicy` admits that user, writes the
/// refusal and closes before a single command reaches the console.
final class ControlPeerGate: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let socketOwnerUID: UInt32
    /// Until the check passed nothing is let through.
    private var admitted = false

    init(socketOwnerUID: UInt32) {
        self.socketOwnerUID = socketOwnerUID
    }

    func channelActive(context: ChannelHandlerContext) {
        let uid = Self.peerUID(of: context.channel)
        if let uid, ControlPeerPolicy.admits(peerUID: uid, socketOwnerUID: socketOwnerUID) {
            admitted = true
            context.fireChannelActive()
            return
        }
        var buffer = context.channel.allocator.buffer(capacity: 80)
        buffer.writeBytes(ControlPeerPolicy.refusal.encodedLine())
        context.writeAndFlush(wrapOutboundOut(buffer)).assumeIsolated().whenComplete { _ in
            context.close(promise: nil)
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard admitted else { return }  // a refused peer's bytes are dropped unread
        context.fireChannelRead(data)
    }

    /// The connecting process's user as the kernel recorded it at connect(); nil when it cannot
    /// be read, which refuses the connection. On the channel's own loop the option is read at
    /// once, so the future is already complete.
    private static func peerUID(of channel: any Channel) -> UInt32? {
        guard let provider = channel as? any SocketOptionProvider else { return nil }
        let credentials: EventLoopFuture<PeerCredentials> = provider.unsafeGetSocketOption(
            level: SocketOptionLevel(SOL_SOCKET), name: SocketOptionName(SO_PEERCRED))
        var uid: UInt32?
        credentials.assumeIsolated().whenSuccess { uid = $0.uid }
        return uid
    }
}

/// Linux's `struct ucred` (pid, uid, gid), as SO_PEERCRED fills it in; Glibc's own declaration
/// is hidden behind _GNU_SOURCE, so the same layout is spelt out here.
struct PeerCredentials: Sendable {
    var pid: Int32 = 0
    var uid: UInt32 = 0
    var gid: UInt32 = 0
}

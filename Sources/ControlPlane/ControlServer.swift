import Foundation
import NIOCore
import NIOPosix

/// The console's UNIX socket. Created with mode 0600 (umask during bind, so there is no
/// window in which another user could connect) and removed when the server stops. Every
/// connection is also checked against `ControlPeerPolicy` (SO_PEERCRED).
public final class ControlServer: Sendable {
    public let path: String
    private let channel: any Channel

    private init(path: String, channel: any Channel) {
        self.path = path
        self.channel = channel
    }

    public static func start(path: String, console: ApplianceConsole, group: any EventLoopGroup, threadPool: NIOThreadPool) async throws -> ControlServer {
        // The firmware's default lives in a directory of its own, which a daemon started by hand
        // (not by its unit, whose RuntimeDirectory makes it) creates; only the last level.
        let parent = (path as NSString).deletingLastPathComponent
        if !parent.isEmpty, !FileManager.default.fileExists(atPath: parent) { mkdir(parent, 0o755) }
        // A socket file left by a daemon that was killed would make bind fail.
        if let type = try? FileManager.default.attributesOfItem(atPath: path)[.type] as? FileAttributeType, type == .typeSocket {
            unlink(path)
        }
        // The socket belongs to the user the daemon runs as.
        let owner = UInt32(geteuid())
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 16)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ControlPeerGate(socketOwnerUID: owner))
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(ControlLineDecoder()))
                    try channel.pipeline.syncOperations.addHandler(ControlCommandHandler(console: console, threadPool: threadPool))
                }
            }
        // 0177: the socket is born 0600 (a 0077 mask gave 0700 until the chmod below, which a
        // watcher could see).
        let previous = umask(0o177)
        defer { umask(previous) }
        let channel = try await bootstrap.bind(unixDomainSocketPath: path).get()
        chmod(path, 0o600)
        return ControlServer(path: path, channel: channel)
    }

    public func stop() async {
        try? await channel.close()
        unlink(path)
    }
}


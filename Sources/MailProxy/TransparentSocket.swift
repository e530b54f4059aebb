import NIOCore
#if canImport(Glibc)
import Glibc
#endif

/// IP_TRANSPARENT (Linux, ip(7)): a listener may accept connections that netfilter's TPROXY
/// diverted to it although they were addressed to another host, and an outgoing socket may
/// bind the client's (non-local) address, so the server sees the real client (SPEC §2.1).
/// Needs CAP_NET_ADMIN.
public enum TransparentSocket {
    public static let option = ChannelOptions.Types.SocketOption(
        level: SocketOptionLevel(IPPROTO_IP), name: SocketOptionName(IP_TRANSPARENT))
}

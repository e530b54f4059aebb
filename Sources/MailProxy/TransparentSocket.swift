import NIOCore
import NIOPosix
#if canImport(Glibc)
import Glibc
#endif

/// IP_TRANSPARENT (Linux, ip(7)): a listener may accept connections that netfilter's TPROXY
/// diverted to it although they were addressed to another host, and an outgoing socket may
/// bind the client's (non-local) address, so the server sees the real client (docs/product.md §2.1).
/// IPV6_TRANSPARENT (ipv6(7)) is the same for IPv6 sockets. Needs CAP_NET_ADMIN.
public enum TransparentSocket {
    public static let option = ChannelOptions.Types.SocketOption(
        level: SocketOptionLevel(IPPROTO_IP), name: SocketOptionName(IP_TRANSPARENT))
    public static let ipv6Option = ChannelOptions.Types.SocketOption(
        level: SocketOptionLevel(IPPROTO_IPV6), name: SocketOptionName(IPV6_TRANSPARENT))
    /// An IPv6 listener takes IPv6 only: the IPv4 listener on the same port serves IPv4, so
    /// IPv4 clients keep their own addresses (not `::ffff:…`) in the loop guard, the per-client
    /// session cap, history and syslog.
    public static let ipv6OnlyOption = ChannelOptions.Types.SocketOption(
        level: SocketOptionLevel(IPPROTO_IPV6), name: SocketOptionName(IPV6_V6ONLY))
}

extension ServerBootstrap {
    /// The listener's socket options for `address`'s family: transparent or not, and an IPv6
    /// listener bound beside an IPv4 one on the same port.
    public func transparentOptions(for address: SocketAddress, transparent: Bool) -> ServerBootstrap {
        guard case .v6 = address else {
            return serverChannelOption(TransparentSocket.option, value: transparent ? 1 : 0)
        }
        return serverChannelOption(TransparentSocket.ipv6Option, value: transparent ? 1 : 0)
            .serverChannelOption(TransparentSocket.ipv6OnlyOption, value: 1)
    }
}

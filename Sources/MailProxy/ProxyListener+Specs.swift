#if canImport(Glibc)
import Glibc
#endif
import NIOCore
import NIOPosix
import Telemetry

extension ProxyListener {
    /// Starts every listener `specs` ask for: explicit ones relay to their fixed server,
    /// transparent ones to the original destination, one listener per address of the spec.
    /// `environment` gives what the spec's sessions share, with the upstream the spec asks for
    /// (called once per listener, so each listener gets its own session table).
    public static func start(_ specs: [MailListenerSpec], group: any EventLoopGroup,
                             environment: (MailListenerSpec, any UpstreamSelector) -> RelayEnvironment,
                             report: (String, SyslogSeverity) -> Void) async throws -> [ProxyListener] {
        var listeners: [ProxyListener] = []
        for spec in specs {
            for address in try ListenAddress.socketAddresses(spec.listen) {
                if let upstream = spec.upstream {
                    let shared = environment(spec, FixedUpstream(address: try ListenAddress.socketAddress(upstream)))
                    listeners.append(try await start(listeningOn: address, group: group, environment: shared,
                                                     mailProtocol: spec.mailProtocol).get())
                } else {
                    let shared = environment(spec, OriginalDestinationUpstream(spoofClientAddress: true, listenerPort: address.port))
                    if let listener = try await startTransparent(on: address, group: group, environment: shared,
                                                                 mailProtocol: spec.mailProtocol, report: report) {
                        listeners.append(listener)
                    }
                }
            }
            report(spec.description, .info)
        }
        return listeners
    }

    /// Starts one transparent listener. A kernel without IPv6 (`ipv6.disable=1`: EAFNOSUPPORT)
    /// forwards no IPv6 either, so the IPv6 listener of the default pair is skipped with a
    /// warning there instead of stopping the daemon; any other failure stops it.
    private static func startTransparent(on address: SocketAddress, group: any EventLoopGroup, environment: RelayEnvironment,
                                         mailProtocol: MailProtocol,
                                         report: (String, SyslogSeverity) -> Void) async throws -> ProxyListener? {
        do {
            return try await start(listeningOn: address, group: group, environment: environment, transparent: true,
                                   mailProtocol: mailProtocol).get()
        } catch let error as IOError where error.errnoCode == EAFNOSUPPORT && address.protocol == .inet6 {
            report("no IPv6 on this host: transparent listener \(address) not started (\(error))", .warning)
            return nil
        }
    }
}

import ApplianceConfig
import ControlPlane
import Foundation
import NIOPosix
import SyslogIO
import Telemetry

/// Starts the web console for `mailsecd`, so the daemon's wiring stays a few lines: where it
/// listens (`--http-listen ADDR:PORT`, else `httpd listen` on every address), the certificate
/// from the state directory, the host gate from `httpd host`.
public enum WebConsoleLauncher {
    public struct Options: Sendable {
        /// `--http-listen ADDR:PORT`: bind there and let the local host in.
        public var listen: String?
        /// `--state-dir`: where the certificate is generated and kept.
        public var stateDirectory: String
        /// The networks `httpd host lan1` admits while `httpd host` is the given list, read at
        /// each request: LAN1's (`lan1Networks(of:)`), or in bridge mode the bridge's while the
        /// LAN2 port is kept out (`WebConsoleGuardDriver`), and nothing otherwise.
        public var lan1Networks: @Sendable ([HTTPDHost]?) -> [IPNetwork]

        public init(listen: String?, stateDirectory: String, lan1Networks: @escaping @Sendable ([HTTPDHost]?) -> [IPNetwork]) {
            self.listen = listen
            self.stateDirectory = stateDirectory
            self.lan1Networks = lan1Networks
        }

        /// Router mode: the networks configured on the LAN1 interface.
        public static func lan1Networks(of interface: String) -> @Sendable ([HTTPDHost]?) -> [IPNetwork] {
            { _ in InterfaceNetworks.of(interface) }
        }

        /// Bridge mode: LAN1 and LAN2 share the bridge's networks, so these admit LAN1's hosts
        /// only while `guarded(hosts)` says the LAN2 port is kept out for that `httpd host`.
        public static func lan1Networks(bridge: String, guarded: @escaping @Sendable ([HTTPDHost]?) -> Bool)
            -> @Sendable ([HTTPDHost]?) -> [IPNetwork] {
            { hosts in guarded(hosts) ? InterfaceNetworks.of(bridge) : [] }
        }
    }

    /// The port the web console listens on: `--http-listen`'s, else `httpd listen`'s; nil when
    /// it does not start (no `httpd host`, or `none`) or `--http-listen` is malformed.
    public static func port(listen: String?, configuration: Configuration) -> Int? {
        if let listen { return splitHostPort(listen)?.1 }
        guard let hosts = configuration.httpdHosts, !hosts.isEmpty, hosts != [.none] else { return nil }
        return configuration.httpdListenPort
    }

    /// Starts serving in a task (cancel it to stop). Problems (no certificate, port taken) are
    /// reported and leave the rest of the appliance running: mail must not stop for the web.
    /// `version` (`mailsec_build_info`) is the one `show environment` shows, read once here:
    /// it changes only with an update, which restarts the daemon.
    public static func start(_ options: Options, console: ApplianceConsole, statistics: MailStatistics,
                             scan: ScanServices?, gauges: @escaping @Sendable () -> SessionGauges?,
                             syslog: SyslogSender, threadPool: NIOThreadPool,
                             version: String = FirmwareOperations().firmwareVersion,
                             report: @escaping @Sendable (String, SyslogSeverity) -> Void) -> Task<Void, Never>? {
        let configuration = console.configuration
        // On the box: `httpd host` decides who may connect; nothing to serve when it is none.
        guard let port = port(listen: options.listen, configuration: configuration) else {
            if let listen = options.listen { report("--http-listen '\(listen)' is not ADDR:PORT; web console not started", .error) }
            return nil
        }
        let host = options.listen.flatMap { splitHostPort($0)?.0 } ?? "::"
        let allowsLocal = options.listen != nil
        let lan1Networks = options.lan1Networks
        let environment = WebConsoleEnvironment(
            console: console, statistics: statistics,
            live: { LiveState.read(scan: scan, gauges: gauges()) },
            gate: { HostGate(hosts: $0.httpdHosts, lan1Networks: lan1Networks($0.httpdHosts), allowsLocalHost: allowsLocal) },
            log: { syslog.log(text: $0, severity: .info) },
            threadPool: threadPool, version: version)
        let tls: (TLSConfigurationBox)
        do {
            let (configuration, generated) = try WebCertificate.serverConfiguration(
                stateDirectory: options.stateDirectory, hostName: ProcessInfo.processInfo.hostName)
            if generated { report("web console certificate generated in \(options.stateDirectory)", .info) }
            tls = TLSConfigurationBox(configuration)
        } catch {
            report("web console not started: cannot create or read its certificate in \(options.stateDirectory) (\(error))", .error)
            return nil
        }
        let server = WebConsoleServer(environment: environment)
        // `httpd listen` serves every address: IPv6 and IPv4 on one socket where the kernel has
        // IPv6, IPv4 alone where it has not.
        let hosts = options.listen == nil ? [host, "0.0.0.0"] : [host]
        return Task {
            for (attempt, host) in hosts.enumerated() {
                do {
                    let app = try server.application(host: host, port: port, tls: tls.value) { bound in
                        let shown = host.contains(":") ? "[\(host)]" : host
                        report("web console on https://\(shown):\(bound ?? port)/", .info)
                    }
                    try await app.run()
                    return
                } catch is CancellationError {
                    return
                } catch {
                    if Task.isCancelled { return }
                    if attempt == hosts.count - 1 { report("web console stopped: \(error)", .error) }
                }
            }
        }
    }

    /// `ADDR:PORT` or `[V6]:PORT`.
    static func splitHostPort(_ text: String) -> (String, Int)? {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
              (0...65535).contains(port) else { return nil }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return host.isEmpty ? nil : (host, port)
    }
}

import NIOSSL

/// TLSConfiguration is Sendable in NIOSSL; the box only names the hand-over into the task.
struct TLSConfigurationBox: Sendable {
    let value: TLSConfiguration
    init(_ value: TLSConfiguration) { self.value = value }
}

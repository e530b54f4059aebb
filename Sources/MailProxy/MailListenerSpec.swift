import NIOCore
import Telemetry

/// One mail listener the daemon's options ask for: explicit mode with a fixed server, or
/// transparent (TPROXY) mode with the original destination when `upstream` is nil.
public struct MailListenerSpec: Sendable, Equatable {
    public var mailProtocol: MailProtocol
    /// `ADDR:PORT`, or for a transparent listener one per IP version on one port
    /// (`0.0.0.0:10025,[::]:10025`).
    public var listen: String
    public var upstream: String?
    /// TLS from the first byte (465, 995; `RelayEnvironment.implicitTLS`).
    public var implicitTLS: Bool

    public init(mailProtocol: MailProtocol, listen: String, upstream: String?, implicitTLS: Bool = false) {
        self.mailProtocol = mailProtocol
        self.listen = listen
        self.upstream = upstream
        self.implicitTLS = implicitTLS
    }

    /// The options of one protocol: `--P-listen`/`--P-upstream` (explicit) and
    /// `--P-transparent`.
    public struct Options: Sendable {
        public var listen: String?
        public var upstream: String?
        public var transparent: String?

        public init(listen: String?, upstream: String?, transparent: String?) {
            self.listen = listen
            self.upstream = upstream
            self.transparent = transparent
        }
    }

    /// The listeners `options` ask for, and a warning for each explicit proxy given only half.
    /// `implicitTLS`: the options are `--smtps-…`/`--pop3s-…`, whose ports speak TLS at once.
    public static func specs(_ options: [(MailProtocol, Options)], implicitTLS: Bool = false) -> (specs: [MailListenerSpec], warnings: [String]) {
        var specs: [MailListenerSpec] = []
        var warnings: [String] = []
        for (mailProtocol, option) in options {
            if let listen = option.listen, let upstream = option.upstream {
                specs.append(MailListenerSpec(mailProtocol: mailProtocol, listen: listen, upstream: upstream, implicitTLS: implicitTLS))
            } else if option.listen != nil || option.upstream != nil {
                let flag = mailProtocol.rawValue + (implicitTLS ? "s" : "")
                warnings.append("--\(flag)-listen and --\(flag)-upstream go together; \(mailProtocol.logName) proxy not started")
            }
            if let transparent = option.transparent {
                specs.append(MailListenerSpec(mailProtocol: mailProtocol, listen: transparent, upstream: nil, implicitTLS: implicitTLS))
            }
        }
        return (specs, warnings)
    }

    /// The start-up line that names it.
    public var description: String {
        let name = mailProtocol.logName + (implicitTLS ? " (implicit TLS)" : "")
        guard let upstream else { return "\(name) transparent proxy on \(listen)" }
        return "\(name) proxy on \(listen), server \(upstream)"
    }
}

/// `HOST:PORT` on the daemon's command line (an IPv6 host in brackets).
public enum ListenAddress {
    /// `HOST:PORT` as a socket address; the host is resolved once.
    public static func socketAddress(_ text: String) throws -> SocketAddress {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]) else {
            throw ListenAddressError(description: "expected HOST:PORT, got '\(text)'")
        }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return try SocketAddress.makeAddressResolvingHost(host, port: port)
    }

    /// `ADDR:PORT[,ADDR:PORT]`: a transparent listener per IP version (`0.0.0.0:10025,[::]:10025`),
    /// all on one port, the one the interception rules divert to.
    public static func socketAddresses(_ text: String) throws -> [SocketAddress] {
        let addresses = try text.split(separator: ",", omittingEmptySubsequences: false)
            .map { try socketAddress(String($0)) }
        guard Set(addresses.map(\.port)).count == 1 else {
            throw ListenAddressError(description: "the addresses in '\(text)' must share one port")
        }
        return addresses
    }

    /// The port of `ADDR:PORT` (or of the list `socketAddresses` reads).
    public static func port(of text: String) throws -> UInt16 {
        guard let port = try socketAddresses(text).first?.port, let value = UInt16(exactly: port), value != 0 else {
            throw ListenAddressError(description: "no port in '\(text)'")
        }
        return value
    }
}

/// A listen or server address the daemon cannot use; it refuses to start.
public struct ListenAddressError: Error, Equatable, CustomStringConvertible {
    public var description: String
}

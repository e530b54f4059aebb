/// Where a scanning daemon listens: a UNIX socket path or `HOST:PORT` (`[v6]:PORT` for IPv6).
public enum DaemonAddress: Sendable, Equatable, CustomStringConvertible {
    case unixSocket(String)
    case tcp(host: String, port: Int)

    /// Anything containing `/` is a socket path; otherwise `HOST:PORT`.
    public init?(parsing text: String) {
        if text.contains("/") {
            self = .unixSocket(text)
            return
        }
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
              (1...65_535).contains(port) else { return nil }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { return nil }
        self = .tcp(host: host, port: port)
    }

    public var description: String {
        switch self {
        case .unixSocket(let path): return path
        case .tcp(let host, let port): return host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        }
    }
}

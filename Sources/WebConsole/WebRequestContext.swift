import HTTPTypes
import Hummingbird
import NIOCore

/// Hummingbird's request context plus the peer address (for `httpd host` and the log).
public struct WebRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The peer's numeric address, nil when the channel has none (never on TCP).
    public let peer: String?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        peer = source.channel.remoteAddress?.ipAddress
    }

    public var maxUploadSize: Int { WebConsoleLimits.maximumBodyBytes }
}

/// Refuses every request from a host `httpd host` does not let in, before any route runs,
/// and adds the headers every answer carries (no caching, no framing, no sniffing).
struct HostGateMiddleware: RouterMiddleware {
    typealias Context = WebRequestContext
    let environment: WebConsoleEnvironment

    func handle(_ request: Request, context: Context,
                next: (Request, Context) async throws -> Response) async throws -> Response {
        let gate = environment.gate(environment.console.configuration)
        guard let peer = context.peer, let bytes = ApplianceHostBytes.of(peer), gate.allows(bytes) else {
            return WebResponses.text("Forbidden\n", status: .forbidden)
        }
        var response = try await next(request, context)
        response.headers[.cacheControl] = "no-store"
        response.headers[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        response.headers[HTTPField.Name("X-Frame-Options")!] = "DENY"
        response.headers[HTTPField.Name("Content-Security-Policy")!] = "frame-ancestors 'none'; form-action 'self'"
        response.headers[HTTPField.Name("Strict-Transport-Security")!] = "max-age=31536000"
        return response
    }
}

import ApplianceConfig

enum ApplianceHostBytes {
    static func of(_ text: String) -> [UInt8]? { HTTPDHost.addressBytes(text) }
}

enum WebResponses {
    static func html(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "text/html; charset=utf-8"],
                 body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    static func text(_ text: String, status: HTTPResponse.Status = .ok, contentType: String = "text/plain; charset=utf-8") -> Response {
        Response(status: status, headers: [.contentType: contentType], body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    static func seeOther(_ location: String) -> Response {
        Response(status: .seeOther, headers: [.location: location])
    }
}

import NIOCore
import NIOHTTP1
import ScanProtocol

/// The YSC endpoints (docs/ysc-protocol.md) over a complete request: routing, validation and the
/// JSON replies. Framing, TLS, size limits and fault injection stay in the HTTP handler.
public final class YSCRouter: Sendable {
    public let service: ScanService
    public let licenses: LicenseBook
    private let today: @Sendable () -> LicenseDate

    public init(service: ScanService, licenses: LicenseBook, today: @escaping @Sendable () -> LicenseDate) {
        self.service = service
        self.licenses = licenses
        self.today = today
    }

    public struct Response: Sendable, Equatable {
        public var status: HTTPResponseStatus
        public var body: [UInt8]

        public init(status: HTTPResponseStatus, body: [UInt8]) {
            self.status = status
            self.body = body
        }

        public static func error(_ status: HTTPResponseStatus, _ message: String) -> Response {
            Response(status: status, body: YSCCoding.encode(ErrorReply(error: message)))
        }
    }

    /// The body limit for a request to `path` before reading it: scan requests carry messages
    /// (`maxScanBody`), everything else small JSON.
    public static func bodyLimit(for path: String, maxScanBody: Int) -> Int {
        path == YSCEndpoint.scanPath ? maxScanBody : ScanProtocolLimits.maxReplyBytes
    }

    public func respond(to head: HTTPRequestHead, body: ByteBuffer, on eventLoop: any EventLoop) -> EventLoopFuture<Response> {
        let path = String(head.uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? "")
        switch (head.method, path) {
        case (.POST, YSCEndpoint.scanPath):
            return scan(head, body: body, on: eventLoop)
        case (.GET, YSCEndpoint.healthPath):
            return service.health(on: eventLoop).map { Response(status: .ok, body: YSCCoding.encode($0)) }
        case (.POST, YSCEndpoint.licenseActivatePath):
            return eventLoop.makeSucceededFuture(activate(body))
        case (_, YSCEndpoint.scanPath), (_, YSCEndpoint.healthPath), (_, YSCEndpoint.licenseActivatePath):
            return eventLoop.makeSucceededFuture(.error(.methodNotAllowed, "method \(head.method.rawValue) not allowed on \(path)"))
        default:
            return eventLoop.makeSucceededFuture(.error(.notFound, "no such endpoint"))
        }
    }

    private func scan(_ head: HTTPRequestHead, body: ByteBuffer, on eventLoop: any EventLoop) -> EventLoopFuture<Response> {
        guard let operation = head.headers.first(name: YSCEndpoint.operationHeader), ScanOperation(rawValue: operation) != nil else {
            return eventLoop.makeSucceededFuture(.error(.badRequest, "\(YSCEndpoint.operationHeader) must be send or receive"))
        }
        if let type = head.headers.first(name: "Content-Type"),
           type.split(separator: ";").first?.trimmingCharacters(in: " ").lowercased() != YSCEndpoint.messageContentType {
            return eventLoop.makeSucceededFuture(.error(.badRequest, "Content-Type must be \(YSCEndpoint.messageContentType)"))
        }
        guard body.readableBytes > 0 else {
            return eventLoop.makeSucceededFuture(.error(.badRequest, "message body is empty"))
        }
        return service.scan(body, on: eventLoop)
            .map { Response(status: .ok, body: YSCCoding.encode($0)) }
            .recover { error in .error(.serviceUnavailable, "\(error)") }
    }

    private func activate(_ body: ByteBuffer) -> Response {
        let request: LicenseActivationRequest
        do {
            request = try YSCCoding.decodeLicenseRequest(body: body.readableBytesView)
        } catch {
            return .error(.badRequest, "licence request must be {\"serial\": …, \"product\": …}: \(error)")
        }
        let (status, reply) = licenses.activate(request, today: today())
        return Response(status: HTTPResponseStatus(statusCode: status), body: YSCCoding.encode(reply))
    }
}

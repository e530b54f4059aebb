import CCurl
import ScanProtocol
import Telemetry

/// Turns one finished HTTP exchange into a verdict or a classified failure, and names the DEBUG
/// syslog lines (docs/product.md §9) it deserves. Pure: tested on hand-made exchanges.
///
/// CODE in `Can't connect to YSC(CODE)` and `Read error from YSC(CODE)` is the libcurl error
/// number (7 refused, 28 timeout, 52 empty reply, 56 receive error, …) when the transport
/// failed, the HTTP status when the service answered with an error status, and 8
/// (CURLE_WEIRD_SERVER_REPLY) when a 200 reply was not the promised JSON.
enum AttemptClassifier {
    enum Result: Equatable {
        case verdict(ScanVerdict)
        case failure(ScanFailure)
    }

    static let badReplyLogCode = Int(CURLE_WEIRD_SERVER_REPLY.rawValue)

    /// The DEBUG lines any exchange with the service deserves, whatever it asked: a new
    /// connection, and a transport failure (the scan and the licence requests share them).
    static func transportLog(_ exchange: CurlExchange, host: String, requestID id: String) -> [MailSecLogMessage] {
        var log: [MailSecLogMessage] = []
        if exchange.newConnections > 0, exchange.connected, !exchange.primaryIP.isEmpty {
            log.append(.yscConnect(id: id, address: exchange.primaryIP, port: exchange.primaryPort))
        }
        guard !exchange.cancelled, exchange.curlCode != 0 else { return log }
        switch transportFailureKind(exchange) {
        case .nameResolution: log.append(.noSuchDomainName(fqdn: host))
        case .connect: log.append(.yscConnectFailed(id: id, code: exchange.curlCode))
        case .tls: log.append(.yscTLSError(id: id))
        default: log.append(.yscReadError(id: id, code: exchange.curlCode))
        }
        return log
    }

    static func classify(_ exchange: CurlExchange, host: String, requestID id: String) -> (Result, [MailSecLogMessage]) {
        var log = transportLog(exchange, host: host, requestID: id)
        if exchange.cancelled {
            return (.failure(ScanFailure(kind: .cancelled, detail: "cancelled")), log)
        }
        guard exchange.curlCode == 0 else {
            let kind = transportFailureKind(exchange)
            let detail = kind == .badReply && exchange.replyTooLarge
                ? "reply larger than \(ScanClientLimits.maxReplyBytes) bytes" : exchange.errorText
            return (.failure(ScanFailure(kind: kind, detail: detail)), log)
        }
        do {
            let verdict = try YSCCoding.decodeScanReply(status: exchange.httpStatus, body: exchange.body.readableBytesView)
            return (.verdict(verdict), log)
        } catch .serviceError(let status, let message) {
            log.append(.yscReadError(id: id, code: status))
            return (.failure(ScanFailure(kind: .httpStatus(status), detail: "HTTP \(status): \(message ?? "no error text")")), log)
        } catch {
            log.append(.yscReadError(id: id, code: badReplyLogCode))
            return (.failure(ScanFailure(kind: .badReply, detail: "not a scan reply: \(error)")), log)
        }
    }

    static func transportFailureKind(_ exchange: CurlExchange) -> ScanFailureKind {
        let code = UInt32(clamping: exchange.curlCode)
        switch code {
        case CURLE_COULDNT_RESOLVE_HOST.rawValue, CURLE_COULDNT_RESOLVE_PROXY.rawValue:
            return .nameResolution
        case CURLE_COULDNT_CONNECT.rawValue, CURLE_URL_MALFORMAT.rawValue, CURLE_INTERFACE_FAILED.rawValue:
            return .connect
        case CURLE_OPERATION_TIMEDOUT.rawValue:
            // Without a TCP connection this was the connection timeout, not a slow reply.
            return exchange.connected ? .timeout : .connect
        case CURLE_SSL_CONNECT_ERROR.rawValue, CURLE_PEER_FAILED_VERIFICATION.rawValue,
             CURLE_SSL_CERTPROBLEM.rawValue, CURLE_SSL_CIPHER.rawValue, CURLE_SSL_CACERT_BADFILE.rawValue,
             CURLE_SSL_ISSUER_ERROR.rawValue, CURLE_SSL_PINNEDPUBKEYNOTMATCH.rawValue,
             CURLE_SSL_INVALIDCERTSTATUS.rawValue, CURLE_SSL_CRL_BADFILE.rawValue,
             CURLE_USE_SSL_FAILED.rawValue, CURLE_SSL_ENGINE_NOTFOUND.rawValue,
             CURLE_SSL_ENGINE_SETFAILED.rawValue, CURLE_SSL_ENGINE_INITFAILED.rawValue:
            return .tls
        case CURLE_WEIRD_SERVER_REPLY.rawValue, CURLE_BAD_CONTENT_ENCODING.rawValue:
            return .badReply
        case CURLE_UNSUPPORTED_PROTOCOL.rawValue:
            // After a connection this is libcurl refusing a reply without a status line
            // (HTTP/0.9); before one it is a URL with a scheme we do not speak.
            return exchange.connected ? .badReply : .connect
        case CURLE_WRITE_ERROR.rawValue where exchange.replyTooLarge:
            return .badReply
        default:
            // 18 partial file, 52 got nothing, 55 send error, 56 receive error, 92 HTTP/2 stream…
            return .read
        }
    }
}

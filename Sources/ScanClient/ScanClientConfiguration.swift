import NIOCore
import ScanProtocol

/// The `ysc …` settings the client acts on (docs/product.md §7), plus the firmware's trust anchor.
/// The console validates the commands; `ScanClient.update(configuration:)` applies them live.
public struct ScanClientConfiguration: Equatable, Sendable {
    /// `ysc url` default: the bundled scan service on the appliance itself.
    public static let defaultURL = "https://127.0.0.1:8443/"
    /// The CA bundle shipped in the firmware image; `mailsecd --ysc-ca FILE` overrides it.
    public static let firmwareCABundlePath = "/etc/mailsec/ysc-ca.pem"
    /// Pause before the first retry; doubled for each further one, capped by `maxRetryBackoff`.
    /// Short on purpose: the retries must fit the per-message deadline.
    public static let defaultRetryBackoff = TimeAmount.milliseconds(200)
    public static let maxRetryBackoff = TimeAmount.seconds(2)

    /// Base URL of the service; the client appends `v1/scan`, `v1/health`, `v1/license/activate`.
    public var url: String
    /// `ysc connection timeout` (CURLOPT_CONNECTTIMEOUT: TCP connect and TLS handshake).
    public var connectionTimeout: TimeAmount
    /// `ysc request timeout`: one attempt, from its start to the last byte of the reply.
    public var requestTimeout: TimeAmount
    /// `ysc retry`: attempts after the first one.
    public var retries: Int
    /// PEM file of the CAs that may sign the service's certificate.
    public var caBundlePath: String
    public var retryBackoff: TimeAmount
    /// The service's API key (`mailsecd --ysc-api-key-file`), sent with every request as
    /// `Authorization: Bearer KEY` (docs/ysc-protocol.md, Authentication); nil: none sent.
    /// Like the CA bundle it is the firmware's, never a console setting, so it never shows in
    /// `show config`.
    public var apiKey: String?
    /// The appliance's client certificate (`mailsecd --ysc-client-cert/--ysc-client-key`),
    /// presented in the TLS handshake when the service asks for one: the alternative to the
    /// API key (docs/ysc-protocol.md, Authentication); nil: none presented. Firmware
    /// provisioning like the key, never a console setting.
    public var clientCertificate: ScanClientCertificate?

    public init(
        url: String = ScanClientConfiguration.defaultURL,
        connectionTimeout: TimeAmount = .seconds(10),
        requestTimeout: TimeAmount = .seconds(60),
        retries: Int = 3,
        caBundlePath: String = ScanClientConfiguration.firmwareCABundlePath,
        retryBackoff: TimeAmount = ScanClientConfiguration.defaultRetryBackoff,
        apiKey: String? = nil,
        clientCertificate: ScanClientCertificate? = nil
    ) {
        self.url = url
        self.connectionTimeout = connectionTimeout
        self.requestTimeout = requestTimeout
        self.retries = retries
        self.caBundlePath = caBundlePath
        self.retryBackoff = retryBackoff
        self.apiKey = apiKey
        self.clientCertificate = clientCertificate
    }

    /// The headers that prove the appliance may use the service (none without a key).
    var authenticationHeaders: [String] {
        apiKey.map { ["Authorization: Bearer \($0)"] } ?? []
    }

    /// `url` joined with a service path (`YSCEndpoint`), whichever side brings the slash.
    func endpoint(_ path: String) -> String {
        let relative = path.hasPrefix("/") ? String(path.dropFirst()) : path
        return url.hasSuffix("/") ? url + relative : url + "/" + relative
    }

    /// The pause before retry number `retry` (1-based).
    func backoff(beforeRetry retry: Int) -> TimeAmount {
        let factor = Int64(1) << Int64(min(max(retry - 1, 0), 16))
        return min(retryBackoff * factor, Self.maxRetryBackoff)
    }
}

/// A TLS client certificate and its private key, both PEM files (CURLOPT_SSLCERT,
/// CURLOPT_SSLKEY). One value, so that a certificate never goes without its key.
public struct ScanClientCertificate: Equatable, Sendable {
    public var certificatePath: String
    public var keyPath: String

    public init(certificatePath: String, keyPath: String) {
        self.certificatePath = certificatePath
        self.keyPath = keyPath
    }
}

/// Bounds of the client (every buffer has one).
public enum ScanClientLimits {
    /// A scan or licence reply is a few hundred bytes of JSON; libcurl stops reading past the
    /// protocol's bound (a hostile server cannot make us buffer more).
    public static let maxReplyBytes = ScanProtocolLimits.maxReplyBytes
    /// Longest `X-Request-Id` sent (session IDs are short; the bound keeps headers and logs sane).
    public static let maxRequestIDLength = 64
    /// The whole budget of one SMTP message: below the client's 10-minute DATA timer
    /// (RFC 5321 §4.5.3.2.6) and a server's 5-minute one, with room to relay the reply.
    public static let smtpMessageBudget = TimeAmount.seconds(240)
    /// POP3 clients are kept alive while a scan runs (docs/product.md §8); the same budget applies.
    public static let pop3MessageBudget = TimeAmount.seconds(240)
}

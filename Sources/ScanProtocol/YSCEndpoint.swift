/// The paths, header names and media types of the YSC scan protocol (docs/ysc-protocol.md).
/// Both the client and the bundled service use these, so the two can never drift apart.
public enum YSCEndpoint {
    /// `POST`, body: the raw RFC 5322 message.
    public static let scanPath = "/v1/scan"
    /// `GET`, reports the engine states.
    public static let healthPath = "/v1/health"
    /// `POST`, body: a `LicenseActivationRequest` in JSON.
    public static let licenseActivatePath = "/v1/license/activate"

    /// `send` or `receive` (`ScanOperation`).
    public static let operationHeader = "X-Operation"
    /// An opaque ID the client chooses; echoed in the reply so logs of both sides can be joined.
    public static let requestIDHeader = "X-Request-Id"
    /// The scan service's API key (docs/ysc-protocol.md, Authentication); `Authorization:
    /// Bearer KEY` is accepted as well.
    public static let apiKeyHeader = "X-API-Key"

    /// The media type of a scan request body (RFC 2046 §5.2.1).
    public static let messageContentType = "message/rfc822"
    /// The media type of every reply body and of the licence request.
    public static let jsonContentType = "application/json"
}

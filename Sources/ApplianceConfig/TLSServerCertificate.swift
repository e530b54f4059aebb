/// One `mail security tls server-certificate` entry: the office's own server at `address`,
/// whose real certificate and key the appliance presents instead of a re-signed leaf
/// (docs/tls.md, "The office's own servers"). The files are read by the daemon, not here.
public struct TLSServerCertificate: Equatable, Sendable {
    /// The server's address, 4 or 16 bytes.
    public var address: [UInt8]
    /// The address as `show config` writes it.
    public var host: String
    /// PEM file: the server certificate first, then its intermediates.
    public var certificateFile: String
    /// PEM file: the private key.
    public var keyFile: String

    public init(address: [UInt8], host: String, certificateFile: String, keyFile: String) {
        self.address = address
        self.host = host
        self.certificateFile = certificateFile
        self.keyFile = keyFile
    }
}

import Foundation
import ScanClient

/// How the daemon proves itself to the scan service: an API key read from a file
/// (`--ysc-api-key-file`) or a client certificate (`--ysc-client-cert`/`--ysc-client-key`).
public struct ScanCredentials: Sendable {
    public var apiKey: String?
    public var clientCertificate: ScanClientCertificate?
    /// What could not be used, for the start-up log; never the key itself.
    public var warnings: [String] = []

    /// Reads the key file's first line; checks the certificate files can be read.
    public init(apiKeyFile: String?, clientCertificate: String?, clientKey: String?) {
        if let apiKeyFile {
            let line = (try? String(contentsOfFile: apiKeyFile, encoding: .utf8))?
                .split(separator: "\n", omittingEmptySubsequences: false).first
                .map { $0.trimmingCharacters(in: .whitespaces) }
            if let line, !line.isEmpty { apiKey = line } else {
                warnings.append("cannot read an API key from \(apiKeyFile); scan requests go without one")
            }
        }
        if let clientCertificate, let clientKey {
            self.clientCertificate = ScanClientCertificate(certificatePath: clientCertificate, keyPath: clientKey)
            // libcurl reads them only when it connects: a file that cannot be read is reported
            // at start, not only as a TLS error on every scan.
            for path in [clientCertificate, clientKey] where !FileManager.default.isReadableFile(atPath: path) {
                warnings.append("cannot read \(path): connections to the scan service fail until it can be read")
            }
        }
    }
}

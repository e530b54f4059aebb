/// What `show mail security tls ca` prints: the site CA the office installs on its clients.
/// The daemon fills it from its TLS interception (the CA is generated and kept on the box, in
/// its state directory); the console only renders it.
public struct SiteCertificateAuthorityInfo: Equatable, Sendable {
    /// The CA's subject, `CN=…,OU=…,O=…`.
    public var subject: String
    /// SHA-256 of the DER certificate, `AB:CD:…`.
    public var sha256Fingerprint: String
    /// The last day it is valid, as text (`2036-12-06`).
    public var notValidAfter: String
    /// The certificate, PEM.
    public var certificatePEM: String

    public init(subject: String, sha256Fingerprint: String, notValidAfter: String, certificatePEM: String) {
        self.subject = subject
        self.sha256Fingerprint = sha256Fingerprint
        self.notValidAfter = notValidAfter
        self.certificatePEM = certificatePEM
    }

    /// The router's table of the CA's facts, then the PEM block to copy.
    ///
    ///     ========================================================
    ///     Item                Value
    ///     --------------------------------------------------------
    ///     Subject             CN=Mail Security Appliance Site CA …
    ///     SHA-256             AB:CD:…
    ///     Valid until         2036-12-06
    ///     ========================================================
    ///     -----BEGIN CERTIFICATE-----
    ///     …
    public func rendered() -> String {
        let rows = [("Subject", subject), ("SHA-256", sha256Fingerprint), ("Valid until", notValidAfter)]
        let rule = String(repeating: "=", count: Self.width)
        var text = rule + "\n" + Self.row("Item", "Value") + String(repeating: "-", count: Self.width) + "\n"
        for (item, value) in rows { text += Self.row(item, value) }
        text += rule + "\n" + certificatePEM
        return certificatePEM.hasSuffix("\n") ? text : text + "\n"
    }

    /// What the offline console says: the CA exists only on the running appliance.
    public static let offlineMessage = "Error: The site CA is generated and kept on the appliance: run `show mail security tls ca` on its console, or download it from its web console"

    static let width = 64

    private static func row(_ item: String, _ value: String) -> String {
        item.padding(toLength: 20, withPad: " ", startingAt: 0) + value + "\n"
    }
}

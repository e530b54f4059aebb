import ApplianceConfig
import NIOCore
import ScanClient

/// The scan client and the licence client as the console sees them: `show status ysc`,
/// `clear status ysc`, `show status license`, and `ysc …` changes applied live.
public final class ScanServices: ScanStatusReporting {
    public let scanClient: ScanClient
    public let licenseClient: LicenseClient

    public init(scanClient: ScanClient, licenseClient: LicenseClient) {
        self.scanClient = scanClient
        self.licenseClient = licenseClient
    }

    /// Whether the mail relays may use the service now (docs/product.md §5 "service unavailable").
    public var availability: ServiceAvailability {
        ServiceAvailabilityGate(scanClient: scanClient, licenseClient: licenseClient).availability
    }

    public var licenseStateName: String { licenseClient.state.rawValue }

    public var serviceStateName: String {
        ScanStatusReport.stateText(breaker: scanClient.breakerState,
                                   lastAttemptFailed: scanClient.statistics.snapshot.lastAttemptFailed,
                                   now: .now())
    }

    public func renderServiceStatus() -> String { scanClient.statusReport() }
    public func clearServiceStatistics() { scanClient.clearStatistics() }
    public func renderLicenseStatus() -> String { licenseClient.statusReport() }

    public func configurationChanged(_ configuration: Configuration) {
        let current = scanClient.configuration
        scanClient.update(configuration: Self.clientConfiguration(configuration, caBundlePath: current.caBundlePath,
                                                                  apiKey: current.apiKey,
                                                                  clientCertificate: current.clientCertificate))
    }

    /// The `ysc …` settings as the client takes them; the CA bundle is the firmware's, not a command.
    /// The API key and the client certificate likewise (`mailsecd --ysc-api-key-file`,
    /// `--ysc-client-cert`/`--ysc-client-key`).
    public static func clientConfiguration(_ configuration: Configuration, caBundlePath: String,
                                           apiKey: String? = nil,
                                           clientCertificate: ScanClientCertificate? = nil) -> ScanClientConfiguration {
        ScanClientConfiguration(
            url: configuration.yscURL,
            connectionTimeout: .seconds(Int64(configuration.yscConnectionTimeout)),
            requestTimeout: .seconds(Int64(configuration.yscRequestTimeout)),
            retries: configuration.yscRetry,
            caBundlePath: caBundlePath,
            apiKey: apiKey,
            clientCertificate: clientCertificate)
    }
}

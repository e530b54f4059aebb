/// The answer the mail relays ask before scanning: licence inactive or YSC breaker open →
/// unavailable, and the relay applies `mail security inactive transfer`.
public struct ServiceAvailabilityGate: Sendable {
    public let scanClient: ScanClient
    public let licenseClient: LicenseClient

    public init(scanClient: ScanClient, licenseClient: LicenseClient) {
        self.scanClient = scanClient
        self.licenseClient = licenseClient
    }

    public var availability: ServiceAvailability {
        .evaluate(license: licenseClient.state, breakerOpen: !scanClient.isAvailable)
    }

    public var isServiceAvailable: Bool { availability == .available }
}

/// Whether the mail relays may scan, and if not why (the two reasons log differently, SPEC §9:
/// `Reject mail transfer for inactive license` / `… for failure to access YSC`).
public enum ServiceAvailability: Equatable, Sendable {
    case available
    case licenseInactive
    case scanServiceUnavailable

    public static func evaluate(license: LicenseStateMachine.State, breakerOpen: Bool) -> ServiceAvailability {
        if license == .inactive { return .licenseInactive }
        if breakerOpen { return .scanServiceUnavailable }
        return .available
    }
}

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

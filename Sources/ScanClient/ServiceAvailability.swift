/// Whether the mail relays may scan, and if not why (the two reasons log differently, docs/product.md §9:
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

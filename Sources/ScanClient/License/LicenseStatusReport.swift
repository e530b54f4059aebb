import ScanProtocol
import Telemetry

/// `show status license` in the router's table style (docs/product.md §10).
public enum LicenseStatusReport {
    public static func render(product: String, state: LicenseStateMachine.State, expires: LicenseDate?) -> String {
        StatusTable(rows: [
            ("Product", product),
            ("State", state.rawValue),
            ("Expiry date", expires?.description ?? "-"),
        ]).rendered()
    }
}

/// The per-protocol counters of `show status mail security` (docs/product.md §7), in display order.
public enum MailCounter: String, CaseIterable, Sendable {
    case inspected
    case clean
    case spam
    case virus
    case spamAndVirus
    case whiteListed
    case tagged
    case rejected
    case transferred
    case overSize
    case couldNotScan
    case rejectedInactiveLicense
    case rejectedYSCFailure

    /// The words after the protocol in the status item (`SMTP could not scan`); each item fits
    /// the 30-column item field of `StatusTable`.
    public var label: String {
        switch self {
        case .inspected: "inspected"
        case .clean: "clean"
        case .spam: "spam"
        case .virus: "virus"
        case .spamAndVirus: "spam+virus"
        case .whiteListed: "white-listed"
        case .tagged: "tagged"
        case .rejected: "rejected"
        case .transferred: "transferred"
        case .overSize: "over size"
        case .couldNotScan: "could not scan"
        case .rejectedInactiveLicense: "rejected, no license"
        case .rejectedYSCFailure: "rejected, YSC failure"
        }
    }
}

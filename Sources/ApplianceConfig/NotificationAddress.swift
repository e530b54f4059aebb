/// `mail security smtp from address` / `… to address`: a full address, a local part
/// (ACCOUNT, combined with the domain of the original From), or `auto`.
public enum NotificationAddress: Equatable, Sendable {
    case auto
    case account(String)
    case address(String)

    /// Reads the canonical word stored for the command (`auto`, contains `@`, or a local part).
    init(canonical word: String) {
        if word == "auto" {
            self = .auto
        } else if word.contains("@") {
            self = .address(word)
        } else {
            self = .account(word)
        }
    }
}

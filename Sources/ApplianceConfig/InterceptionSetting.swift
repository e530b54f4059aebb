/// `mail security interception MODE`: who diverts mail crossing LAN1 and LAN2 to the proxies.
public enum InterceptionSetting: String, CaseIterable, Sendable {
    /// The appliance loads (and removes) its own netfilter rules.
    case appliance
    /// The transparent proxies run; a firewall managed elsewhere diverts the mail to them.
    case external
    /// Nothing is intercepted.
    case off
}

/// Side effects of a configuration change beyond the model itself.
public enum ConfigEvent: Equatable, Sendable {
    /// `mail security use` went from off to on: statistics are cleared (docs/product.md §7).
    case statisticsCleared
    /// `mail security white-list set enable N` took effect: logged as
    /// `White list set (N) enabled by configuration` (docs/product.md §9).
    case whiteListSetEnabled(Int)
}

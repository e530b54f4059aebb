/// Rate limit of web logins per peer address: after `loginFailuresPerWindow` wrong passwords
/// within `loginWindowSeconds`, further attempts are refused without checking the password
/// (each check costs a PBKDF2 hash) until the oldest failure leaves the window. Pure: time is
/// passed in. Bounded: at most `throttledPeers` addresses are remembered.
public struct LoginThrottle: Sendable {
    private var failures: [String: [Double]] = [:]
    public let limit: Int
    public let window: Double
    public let maximumPeers: Int

    public init(limit: Int = WebConsoleLimits.loginFailuresPerWindow, window: Double = WebConsoleLimits.loginWindowSeconds,
                maximumPeers: Int = WebConsoleLimits.throttledPeers) {
        self.limit = limit
        self.window = window
        self.maximumPeers = maximumPeers
    }

    /// Whether `peer` may try a password at `now`.
    public mutating func mayTry(_ peer: String, now: Double) -> Bool {
        let recent = (failures[peer] ?? []).filter { now - $0 < window }
        failures[peer] = recent.isEmpty ? nil : recent
        return recent.count < limit
    }

    public mutating func recordFailure(_ peer: String, now: Double) {
        if failures[peer] == nil, failures.count >= maximumPeers {
            // Forget the peer whose last failure is oldest: a flood of addresses cannot grow this.
            if let stalest = failures.min(by: { ($0.value.last ?? 0) < ($1.value.last ?? 0) })?.key {
                failures[stalest] = nil
            }
        }
        failures[peer, default: []].append(now)
        if failures[peer]!.count > limit { failures[peer]!.removeFirst() }
    }

    public mutating func recordSuccess(_ peer: String) { failures[peer] = nil }

    public var rememberedPeers: Int { failures.count }
}

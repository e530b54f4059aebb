import Foundation
import NIOConcurrencyHelpers
import X509

/// Mints and caches the leaf certificates the appliance shows office clients in place of the
/// upstream server's (docs/tls.md): one per upstream identity and verdict, signed by the site
/// CA when the upstream verified and by the untrusted CA otherwise.
///
/// Called from several event loops: the cache sits behind a lock, held only to look up or
/// store, never while minting (a few hundred microseconds of signing, no I/O). Two sessions
/// minting the same identity at once both get a valid leaf; the later one stays cached.
public final class LeafCertificateIssuer: Sendable {
    /// What the cache is keyed by: the same names with a different verdict are a different leaf.
    struct CacheKey: Hashable {
        var identity: LeafIdentity
        var trusted: Bool
    }

    private let authority: SiteAuthority
    private let cache: NIOLockedValueBox<ExpiringLRUCache<CacheKey, MintedLeaf>>
    private let now: @Sendable () -> Date

    /// - Parameters:
    ///   - capacity: leaves kept (`TLSInterceptionLimits.leafCacheCapacity`).
    ///   - now: the clock; tests move it.
    public init(authority: SiteAuthority, capacity: Int = TLSInterceptionLimits.leafCacheCapacity,
                now: @escaping @Sendable () -> Date = { Date() }) {
        self.authority = authority
        self.cache = NIOLockedValueBox(ExpiringLRUCache(capacity: capacity))
        self.now = now
    }

    /// The leaf for `upstream`'s certificate (names mirrored, `serverName` standing in when it
    /// has none), signed according to `verdict`.
    public func leaf(mirroring upstream: Certificate, serverName: String?, verdict: UpstreamVerdict) throws -> MintedLeaf {
        try leaf(for: LeafIdentity(mirroring: upstream, serverName: serverName),
                 trusted: verdict.isTrusted, upstreamNotAfter: upstream.notValidAfter)
    }

    /// The leaf for `identity`: from the cache while it has `leafCacheRenewalMargin` left,
    /// otherwise newly minted.
    public func leaf(for identity: LeafIdentity, trusted: Bool, upstreamNotAfter: Date?) throws -> MintedLeaf {
        let key = CacheKey(identity: identity, trusted: trusted)
        let time = now()
        if let cached = cache.withLockedValue({ $0.value(for: key, now: time) }) { return cached }
        let minted = try MintedLeaf.mint(identity: identity, authority: authority.authority(trusted: trusted), trusted: trusted,
                                         upstreamNotAfter: upstreamNotAfter, now: time)
        cache.withLockedValue { $0.insert(minted, for: key, expiry: LeafPolicy.cacheExpiry(notAfter: minted.notValidAfter), now: time) }
        return minted
    }

    /// Leaves cached now.
    public var cachedCount: Int { cache.withLockedValue { $0.count } }
}

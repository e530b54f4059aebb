import Foundation

/// How long a minted leaf lives, and how long the cache may hand it out. Pure: dates in,
/// dates out, tested without a certificate.
public enum LeafPolicy {
    /// notBefore: an hour back (clients a little behind the box); notAfter: a week ahead, and
    /// never after the upstream certificate itself expires when it verified — the leaf must not
    /// outlive the trust it stands for. An untrusted upstream's dates are ignored: its leaf is
    /// signed by the untrusted CA, which no client trusts anyway.
    public static func validity(now: Date, upstreamNotAfter: Date?, trusted: Bool) -> (notBefore: Date, notAfter: Date) {
        let notBefore = now.addingTimeInterval(-TLSInterceptionLimits.clockSkewAllowance)
        var notAfter = now.addingTimeInterval(TLSInterceptionLimits.leafLifetime)
        if trusted, let upstreamNotAfter, upstreamNotAfter < notAfter {
            notAfter = max(upstreamNotAfter, now)
        }
        return (notBefore, notAfter)
    }

    /// The cache forgets a leaf `leafCacheRenewalMargin` before it expires.
    public static func cacheExpiry(notAfter: Date) -> Date {
        notAfter.addingTimeInterval(-TLSInterceptionLimits.leafCacheRenewalMargin)
    }
}

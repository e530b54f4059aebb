import Foundation

/// Every bound and lifetime of encrypted-mail inspection, in one place (habit 6 of
/// docs/engineering-habits.md; docs/tls.md explains them to administrators).
public enum TLSInterceptionLimits {
    /// The site CA and the untrusted CA live about ten years: the administrator installs the
    /// site CA on every office client once, so it must outlive the box's service life.
    public static let authorityLifetime: TimeInterval = 3_652 * 86_400
    /// Minted leaves are short-lived: a leaf copied off the box is useless within a week.
    public static let leafLifetime: TimeInterval = 7 * 86_400
    /// notBefore lies this far in the past, so a client whose clock is a little behind the
    /// box's still accepts a freshly minted certificate.
    public static let clockSkewAllowance: TimeInterval = 3_600
    /// Leaves kept for reuse. One entry per upstream identity (names × trusted?); an office
    /// talks to a handful of mail servers, so this bound is only reached under abuse.
    public static let leafCacheCapacity = 1_024
    /// A cached leaf is handed out only while it still has this long to live, so a client never
    /// receives a certificate about to expire.
    public static let leafCacheRenewalMargin: TimeInterval = 86_400
    /// DNS names and IP addresses mirrored from one upstream certificate; the rest are dropped
    /// (a public CA issues at most 100 names per certificate).
    public static let maxMirroredNames = 100
    /// A DNS name as text (RFC 1035 §2.3.4).
    public static let maxDNSNameLength = 253
    /// X.520 ub-common-name (RFC 5280 Appendix A.1).
    public static let maxCommonNameLength = 64
    /// Certificates accepted in an upstream chain (leaf included); real chains have 2 to 4.
    public static let maxUpstreamChainLength = 10
    /// A PEM file this target reads (a trust bundle, a certificate, a key): the system bundle
    /// is about 200 KB; anything far larger is not a certificate file.
    public static let maxPEMFileBytes = 4 * 1_024 * 1_024
    /// Random bytes in a CA's name, so that two boxes' CAs never share a subject.
    public static let authorityIDBytes = 6
}

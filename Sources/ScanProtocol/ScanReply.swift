/// The verdict the scan service gives for one message (`200` reply to `POST /v1/scan`).
///
/// ```
/// {"spam_score": 100, "viruses": ["EICAR-Test-File"], "engines": ["builtin", "clamav"], "elapsed_ms": 12}
/// ```
public struct ScanReply: Codable, Sendable, Equatable {
    /// 0 (certainly clean) to 100 (certainly spam), docs/product.md §4.
    public var spamScore: Int
    /// Names of the viruses found, as the engines named them; empty when none.
    public var viruses: [String]
    /// The engines that took part in this verdict.
    public var engines: [String]
    /// Server-side time spent on the scan.
    public var elapsedMilliseconds: Int
    /// Engines that were configured but failed on this message (their opinion is missing).
    /// Optional on the wire: absent means none failed.
    public var failedEngines: [String]

    public init(spamScore: Int, viruses: [String], engines: [String], elapsedMilliseconds: Int, failedEngines: [String] = []) {
        self.spamScore = spamScore
        self.viruses = viruses
        self.engines = engines
        self.elapsedMilliseconds = elapsedMilliseconds
        self.failedEngines = failedEngines
    }

    enum CodingKeys: String, CodingKey {
        case spamScore = "spam_score"
        case viruses
        case engines
        case elapsedMilliseconds = "elapsed_ms"
        case failedEngines = "failed_engines"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        spamScore = try c.decode(Int.self, forKey: .spamScore)
        viruses = try c.decode([String].self, forKey: .viruses)
        engines = try c.decode([String].self, forKey: .engines)
        elapsedMilliseconds = try c.decode(Int.self, forKey: .elapsedMilliseconds)
        failedEngines = try c.decodeIfPresent([String].self, forKey: .failedEngines) ?? []
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(spamScore, forKey: .spamScore)
        try c.encode(viruses, forKey: .viruses)
        try c.encode(engines, forKey: .engines)
        try c.encode(elapsedMilliseconds, forKey: .elapsedMilliseconds)
        if !failedEngines.isEmpty { try c.encode(failedEngines, forKey: .failedEngines) }
    }
}

/// What one engine concluded about one message.
public struct EngineVerdict: Sendable, Equatable {
    /// 0–100, or `nil` for engines that do not judge spam (ClamAV).
    public var spamScore: Int?
    /// Virus names exactly as the engine gave them.
    public var viruses: [String]

    public init(spamScore: Int? = nil, viruses: [String] = []) {
        self.spamScore = spamScore
        self.viruses = viruses
    }
}

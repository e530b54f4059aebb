/// What the scan service said about a message, or why there is no verdict.
/// (The daemon maps the scan protocol's response onto this; this module does not know it.)
public enum ScanOutcome: Sendable, Hashable {
    /// A verdict: spam score 0–100 and the names of the viruses found (none when clean).
    case verdict(score: Int, virusNames: [String])
    /// The message was not sent for scanning.
    case notScanned(NotScannedReason)
    /// The scan service could not be used.
    case unavailable(UnavailableReason)
}

public enum NotScannedReason: Sendable, Hashable {
    /// Larger than `mail security max size` (size in octets).
    case overSize(octets: Int)
}

public enum UnavailableReason: Sendable, Hashable {
    /// The licence is inactive (SPEC §10).
    case licenceInactive
    /// The scan service failed after the configured retries.
    case serviceFailed
}

/// The part of the configuration the decision needs (SPEC §5, §7). The daemon fills it from the
/// appliance configuration.
public struct InspectionPolicy: Sendable, Hashable {
    public enum DetectAction: Sendable, Hashable, CaseIterable { case pass, transfer, reject }
    public enum SizeOverflowAction: Sendable, Hashable, CaseIterable { case pass, reject }
    public enum InactiveAction: Sendable, Hashable, CaseIterable { case reject, pass }

    /// `mail security spam level` 1–5 (values outside are clamped).
    public var spamLevel: Int
    /// `mail security smtp detect illegal mail` (SMTP only; POP3 always tags).
    public var detectAction: DetectAction
    /// `mail security smtp size overflow` (SMTP only; POP3 always relays).
    public var sizeOverflow: SizeOverflowAction
    /// `mail security inactive transfer`.
    public var inactiveAction: InactiveAction
    public var spamPrefix: String
    public var virusPrefix: String

    public init(spamLevel: Int = 3, detectAction: DetectAction = .pass, sizeOverflow: SizeOverflowAction = .pass,
                inactiveAction: InactiveAction = .reject, spamPrefix: String = "[SPAM]", virusPrefix: String = "[VIRUS]") {
        self.spamLevel = spamLevel
        self.detectAction = detectAction
        self.sizeOverflow = sizeOverflow
        self.inactiveAction = inactiveAction
        self.spamPrefix = spamPrefix
        self.virusPrefix = virusPrefix
    }

    /// SPEC §4: spam when score ≥ 90 / 80 / 70 / 60 / 50 for level 1 / 2 / 3 / 4 / 5.
    public static func spamThreshold(level: Int) -> Int {
        100 - 10 * min(max(level, 1), 5)
    }

    public var spamThreshold: Int { Self.spamThreshold(level: spamLevel) }

    /// The result of a verdict, nil when clean.
    public func result(score: Int, virusNames: [String]) -> DetectionResult? {
        let spam = min(max(score, 0), 100) >= spamThreshold
        let virus = !virusNames.isEmpty
        switch (spam, virus) {
        case (true, true): return .spamAndVirus
        case (true, false): return .spam
        case (false, true): return .virus
        case (false, false): return nil
        }
    }

    /// SPEC §5: spam+virus gets the virus prefix, then the spam prefix.
    public func prefixes(for result: DetectionResult) -> [String] {
        switch result {
        case .spam: return [spamPrefix]
        case .virus: return [virusPrefix]
        case .spamAndVirus: return [virusPrefix, spamPrefix]
        }
    }
}

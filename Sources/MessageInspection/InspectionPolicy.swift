import Telemetry

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
    /// The licence is inactive (docs/product.md §10).
    case licenceInactive
    /// The scan service failed after the configured retries.
    case serviceFailed
}

/// The part of the configuration the decision needs (docs/product.md §5, §7). The daemon fills it from the
/// appliance configuration.
public struct InspectionPolicy: Sendable, Hashable {
    /// What SMTP does with a detected message that no white-list pattern matches. Declared from
    /// the mildest to the strictest: spam+virus takes the stricter of the two actions.
    public enum DetectAction: Int, Sendable, Hashable, CaseIterable, Comparable {
        case pass, transfer, reject
        public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
    }
    public enum SizeOverflowAction: Sendable, Hashable, CaseIterable { case pass, reject }
    public enum InactiveAction: Sendable, Hashable, CaseIterable { case reject, pass }

    /// `mail security spam level` 1–5 (values outside are clamped).
    public var spamLevel: Int
    /// `mail security smtp detect spam mail` (SMTP only; POP3 always tags).
    public var spamAction: DetectAction
    /// `mail security smtp detect virus mail` (SMTP only; POP3 always tags).
    public var virusAction: DetectAction
    /// `mail security smtp size overflow` (SMTP only; POP3 always relays).
    public var sizeOverflow: SizeOverflowAction
    /// `mail security inactive transfer`.
    public var inactiveAction: InactiveAction
    public var spamPrefix: String
    public var virusPrefix: String

    public init(spamLevel: Int = 3, spamAction: DetectAction = .pass, virusAction: DetectAction = .pass,
                sizeOverflow: SizeOverflowAction = .pass, inactiveAction: InactiveAction = .reject,
                spamPrefix: String = "[SPAM]", virusPrefix: String = "[VIRUS]") {
        self.spamLevel = spamLevel
        self.spamAction = spamAction
        self.virusAction = virusAction
        self.sizeOverflow = sizeOverflow
        self.inactiveAction = inactiveAction
        self.spamPrefix = spamPrefix
        self.virusPrefix = virusPrefix
    }

    /// The SMTP action for a detected result: a message with both spam and a virus gets the
    /// stricter of the two actions (an office that refuses viruses refuses them with spam too).
    public func detectAction(for result: DetectionResult) -> DetectAction {
        switch result {
        case .spam: spamAction
        case .virus: virusAction
        case .spamAndVirus: max(spamAction, virusAction)
        }
    }

    /// docs/product.md §4: spam when score ≥ 90 / 80 / 70 / 60 / 50 for level 1 / 2 / 3 / 4 / 5.
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

    /// docs/product.md §5: spam+virus gets the virus prefix, then the spam prefix.
    public func prefixes(for result: DetectionResult) -> [String] {
        switch result {
        case .spam: return [spamPrefix]
        case .virus: return [virusPrefix]
        case .spamAndVirus: return [virusPrefix, spamPrefix]
        }
    }
}

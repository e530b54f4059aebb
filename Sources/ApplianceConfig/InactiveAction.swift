/// `mail security inactive transfer ACTION`.
public enum InactiveAction: String, CaseIterable, Sendable { case reject, pass }

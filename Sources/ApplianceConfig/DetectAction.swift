/// `mail security smtp detect illegal mail ACTION`.
public enum DetectAction: String, CaseIterable, Sendable { case pass, transfer, reject }

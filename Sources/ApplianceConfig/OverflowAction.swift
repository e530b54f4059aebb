/// `mail security smtp size overflow TYPE`.
public enum OverflowAction: String, CaseIterable, Sendable { case pass, reject }

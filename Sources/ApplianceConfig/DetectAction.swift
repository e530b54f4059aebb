/// `mail security smtp detect illegal|spam|virus mail ACTION`.
public enum DetectAction: String, CaseIterable, Sendable { case pass, transfer, reject }

import Foundation

/// The page language, chosen from the browser's `Accept-Language` (RFC 9110 §12.5.4): Japanese
/// or English, whichever the browser ranks higher; English when it names neither.
public enum Language: String, Sendable {
    case en, ja

    public static func pick(acceptLanguage: String?) -> Language {
        guard let header = acceptLanguage else { return .en }
        var best: (Language, Double)?
        for item in header.split(separator: ",").prefix(32) {
            let parts = item.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard let tag = parts.first?.lowercased() else { continue }
            var q = 1.0
            for parameter in parts.dropFirst() where parameter.lowercased().hasPrefix("q=") {
                q = Double(parameter.dropFirst(2)) ?? 0
            }
            let language: Language? = tag == "ja" || tag.hasPrefix("ja-") ? .ja : (tag == "en" || tag.hasPrefix("en-") ? .en : nil)
            if let language, q > 0, q > (best?.1 ?? 0) { best = (language, q) }
        }
        return best?.0 ?? .en
    }
}

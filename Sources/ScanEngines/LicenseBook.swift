import ScanProtocol

/// The licences the bundled service grants (docs/ysc-protocol.md, "Licences").
///
/// Without a licence file every serial gets a licence active for `defaultValidityDays` from
/// today, so a fresh appliance works out of the box. With a file, only the serials listed:
///
/// ```
/// # SERIAL      PRODUCT         EXPIRES (UTC)
/// YSC-0001      mail-security   2027-12-31
/// ```
public struct LicenseBook: Sendable, Equatable {
    public static let defaultValidityDays = 365
    /// Bounds on a licence file: a service must not be taken down by a huge or hostile one.
    public static let maxFileBytes = 4 * 1024 * 1024
    public static let maxEntries = 100_000

    public struct Entry: Sendable, Equatable {
        public var serial: String
        public var product: String
        public var expires: LicenseDate
    }

    /// `nil`: the embedded default (grant everything).
    public let entries: [String: Entry]?

    /// The embedded default: every serial, every product, a year from today.
    public static let grantAll = LicenseBook(entries: nil)

    private init(entries: [String: Entry]?) {
        self.entries = entries
    }

    public struct ParseError: Error, Equatable, CustomStringConvertible {
        public var line: Int
        public var reason: String
        public var description: String { "line \(line): \(reason)" }
    }

    /// Parses `SERIAL PRODUCT YYYY-MM-DD` lines (any whitespace between; `#` starts a comment;
    /// blank lines ignored). A malformed line is an error: a typo must not silently lock a
    /// customer out.
    public init(parsing text: String) throws(ParseError) {
        guard text.utf8.count <= Self.maxFileBytes else { throw ParseError(line: 0, reason: "file larger than \(Self.maxFileBytes) bytes") }
        var entries: [String: Entry] = [:]
        for (number, rawLine) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let line = rawLine.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" })
            if fields.isEmpty { continue }
            guard fields.count == 3 else { throw ParseError(line: number + 1, reason: "expected SERIAL PRODUCT YYYY-MM-DD") }
            guard let expires = LicenseDate(String(fields[2])) else {
                throw ParseError(line: number + 1, reason: "bad date \(fields[2].prefix(32)) (want YYYY-MM-DD)")
            }
            let serial = String(fields[0])
            guard entries[serial] == nil else { throw ParseError(line: number + 1, reason: "serial \(serial) listed twice") }
            guard entries.count < Self.maxEntries else { throw ParseError(line: number + 1, reason: "more than \(Self.maxEntries) licences") }
            entries[serial] = Entry(serial: serial, product: String(fields[1]), expires: expires)
        }
        self.entries = entries
    }

    /// The answer to an activation on `today` (UTC), with its HTTP status: `404` for an
    /// unknown serial, `200` otherwise. A licence is still active on its expiry date.
    public func activate(_ request: LicenseActivationRequest, today: LicenseDate) -> (status: Int, reply: LicenseActivationReply) {
        guard let entries else {
            return (200, LicenseActivationReply(product: request.product, state: .active,
                                                expires: today.adding(days: Self.defaultValidityDays).description))
        }
        guard let entry = entries[request.serial] else {
            return (404, LicenseActivationReply(product: request.product, state: .unknown))
        }
        guard entry.product == request.product else {
            return (200, LicenseActivationReply(product: request.product, state: .inactive))
        }
        let state: LicenseState = today <= entry.expires ? .active : .expired
        return (200, LicenseActivationReply(product: entry.product, state: state, expires: entry.expires.description))
    }
}

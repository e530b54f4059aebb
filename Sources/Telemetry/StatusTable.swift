/// The router's status table style (docs/product.md §7):
/// ```
/// =======================================================
/// Item                          Value
/// -------------------------------------------------------
/// Use                           on
/// =======================================================
/// ```
public struct StatusTable: Sendable {
    public static let width = 55
    public static let itemColumn = 30

    public var rows: [(item: String, value: String)]
    public var headings: (item: String, value: String)

    public init(rows: [(item: String, value: String)], headings: (item: String, value: String) = ("Item", "Value")) {
        self.rows = rows
        self.headings = headings
    }

    /// The table, each line ending in "\n".
    public func rendered() -> String {
        let rule = String(repeating: "=", count: Self.width)
        let thin = String(repeating: "-", count: Self.width)
        var out = rule + "\n" + Self.line(headings.item, headings.value) + thin + "\n"
        for row in rows { out += Self.line(row.item, row.value) }
        return out + rule + "\n"
    }

    private static func line(_ item: String, _ value: String) -> String {
        let pad = max(1, itemColumn - item.count)
        return item + String(repeating: " ", count: pad) + value + "\n"
    }
}

extension StatusTable {
    /// Several groups of rows in one table, a thin rule between groups (one group per
    /// history entry):
    /// ```
    /// =======================================================
    /// Item                          Value
    /// -------------------------------------------------------
    /// Detections                    1
    /// -------------------------------------------------------
    /// Date                          2026/11/25 22:45:00
    /// =======================================================
    /// ```
    public static func rendered(sections: [[(item: String, value: String)]],
                                headings: (item: String, value: String) = ("Item", "Value")) -> String {
        let rule = String(repeating: "=", count: width) + "\n"
        let thin = String(repeating: "-", count: width) + "\n"
        let body = sections.map { rows in rows.map { line($0.item, $0.value) }.joined() }
        return rule + line(headings.item, headings.value) + thin + body.joined(separator: thin) + rule
    }
}

// Bridge mode: who may reach the web console from the LAN2 port. Pure value and its `nft -f`
// text.
//
// In a transparent bridge LAN1 and LAN2 share one network, so the box's own address (on the
// bridge) is as near to a host behind the uplink as to an office PC: the source address alone
// cannot tell `httpd host lan1`'s hosts from the others. The port a frame came in on can, and
// only the bridge family sees it. This table drops frames for the web console's port entering
// on the LAN2 port (dropped, not reset: not every kernel has the bridge family's reject),
// except from the address ranges `httpd host` names on its own; with `httpd host any` it holds
// no rule. The web console admits the bridge's networks for `lan1` only while this table is in
// force (docs/web-console.md, bridge mode).

public struct WebConsoleGuard: Sendable, Equatable {
    public static let tableName = "mailsec_web"

    /// An inclusive range of addresses of one family (4 or 16 bytes each end).
    public struct AddressRange: Sendable, Equatable {
        public var lower: [UInt8]
        public var upper: [UInt8]

        public init(lower: [UInt8], upper: [UInt8]) {
            self.lower = lower
            self.upper = upper
        }
    }

    /// The bridge port facing the uplink.
    public var lan2: String
    /// The web console's TCP port.
    public var port: UInt16
    /// nil: every host may connect (`httpd host any`), nothing is refused. Otherwise the ranges
    /// still let in from LAN2.
    public var admittedFromLAN2: [AddressRange]?

    public init(lan2: String, port: UInt16, admittedFromLAN2: [AddressRange]?) {
        self.lan2 = lan2
        self.port = port
        self.admittedFromLAN2 = admittedFromLAN2
    }

    /// The whole `nft -f` text: replaces the table atomically (the same declare-delete-define
    /// idiom as `RulesetRenderer`, for nft 1.0.6 without `destroy table`).
    public var nftScript: String {
        var out = Self.removalLines
        guard let admitted = admittedFromLAN2 else { return out.joined(separator: "\n") + "\n" }
        out.append("table bridge \(Self.tableName) {")
        out.append("\tchain input {")
        out.append("\t\ttype filter hook input priority filter; policy accept;")
        for (etherType, width) in [("ip", 4), ("ip6", 16)] {
            let ranges = admitted.filter { $0.lower.count == width }.map(Self.text)
            let except = ranges.isEmpty ? "" : "\(etherType) saddr != { \(ranges.joined(separator: ", ")) } "
            out.append("\t\tiifname \"\(lan2)\" ether type \(etherType) \(except)tcp dport \(port) drop comment \"web console: not from LAN2\"")
        }
        out.append("\t}")
        out.append("}")
        return out.joined(separator: "\n") + "\n"
    }

    /// Takes the table out, whether or not it exists.
    public static var removalScript: String { removalLines.joined(separator: "\n") + "\n" }

    private static let removalLines = [
        "# Web console: hosts refused on the LAN2 port (bridge mode). Generated; replaced as a whole.",
        "table bridge \(tableName) {}",
        "delete table bridge \(tableName)",
    ]

    private static func text(_ range: AddressRange) -> String {
        let lower = address(range.lower), upper = address(range.upper)
        return lower == upper ? lower : "\(lower)-\(upper)"
    }

    /// Numeric text of 4 or 16 address bytes (IPv6 uncompressed: nft reads it as well).
    private static func address(_ bytes: [UInt8]) -> String {
        if bytes.count == 4 { return bytes.map(String.init).joined(separator: ".") }
        return stride(from: 0, to: bytes.count, by: 2).map {
            String(UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]), radix: 16)
        }.joined(separator: ":")
    }
}

import Foundation
import Testing
import TestSupport

/// External mode (docs/interception.md): a site firewall, not mailsecd, diverts the mail ports
/// to the daemon's transparent listeners (`--interception external`, one listener per family).
/// The rules are the example of docs/interception.md with the lab's interface names, loaded by
/// the test into the appliance's namespace; mailsecd never loads one. Then the IPv6 scenarios
/// of the appliance-mode suites hold the same way: inspected, same verdicts and counters over
/// both families, and the server sees the PC's own IPv6 address.
@Suite(.serialized, .enabled(if: MailLab.canRun, "needs root, ip, nft, curl, python3, Postfix, Dovecot, swaks"),
       .mailLabExternal(.router))
struct LabExternalEndToEndTests {
    /// docs/interception.md, "`external`: rules from the site's firewall" (eth0 → lan1, eth1 → lan2).
    static let siteRules = """
    table inet sitemail {
        chain prerouting {
            type filter hook prerouting priority mangle; policy accept;
            meta l4proto tcp socket transparent 1 meta mark set 0x1 accept
            iifname "lan1" fib daddr oifname "lan2" meta l4proto tcp th dport 25  meta mark set 0x1 tproxy to :10025 accept
            iifname "lan1" fib daddr oifname "lan2" meta l4proto tcp th dport 110 meta mark set 0x1 tproxy to :10110 accept
        }
    }

    """

    /// The site's rules and policy routing for both families, once per lab (the lab is
    /// removed with its namespaces at the end of the suite, rules and all).
    static func siteFirewall(_ lab: MailLab) throws -> MailLab {
        if try lab.run(on: "fw", ["/usr/sbin/nft", "list", "table", "inet", "sitemail"]).status == 0 { return lab }
        let loaded = try lab.run(on: "fw", ["/usr/sbin/nft", "-f", "-"], input: siteRules)
        try #require(loaded.status == 0, "\(loaded.stderr)")
        for arguments in [["rule", "add", "fwmark", "0x1", "lookup", "100"],
                          ["route", "add", "local", "0.0.0.0/0", "dev", "lo", "table", "100"],
                          ["-6", "rule", "add", "fwmark", "0x1", "lookup", "100"],
                          ["-6", "route", "add", "local", "::/0", "dev", "lo", "table", "100"]] {
            let added = try lab.run(on: "fw", [MailLab.ip] + arguments)
            try #require(added.status == 0, "ip \(arguments.joined(separator: " ")): \(added.stderr)")
        }
        return lab
    }

    @Test func mailOverIPv6ThroughTheSitesRulesIsInspectedAndTheServerSeesThePC() throws {
        let lab = try Self.siteFirewall(MailLab.suite)
        let status = try lab.console("show status mail security")
        #expect(status.contains("Interception                  external: rules managed elsewhere"), "\(status)")
        #expect(lab.ruleset.isEmpty, "mailsecd loaded rules of its own in external mode: \(lab.ruleset)")
        try LabIPv6Scenarios.cleanMailOverIPv6IsUntouchedAndTheServerSeesThePC(lab)
    }

    @Test func sameVerdictsAndCountersOverIPv4AndIPv6() throws {
        try LabIPv6Scenarios.sameVerdictsAndCountersOverBothFamilies(Self.siteFirewall(MailLab.suite))
    }

    @Test func cleanPOP3OverIPv6() throws {
        try LabIPv6Scenarios.cleanPOP3OverIPv6IsUntouched(Self.siteFirewall(MailLab.suite))
    }
}

/// The commands of encrypted-mail inspection (docs/product.md §11, docs/tls.md): the
/// implicit-TLS ports, the mode per protocol, what to do when the upstream's certificate fails,
/// extra trust anchors, the exempt list, the office's own server certificates, and the site CA.
/// Kept apart from CommandTable.swift like the firmware's commands; their `CommandID`s follow
/// `mailSecurityMonitor`, so `show config` prints them after the other `mail security` settings.
///
/// Every new word sits under `tls`, a word no other command at its place starts like: a
/// `mail security pop3 …` or `port smtps` would make the router abbreviations `mail sec po …`
/// and `port sm …` ambiguous (ConfigurationExecuteTests pins them).
extension CommandTable {
    static let tls: [CommandSpec] = [
        tlsSetting(.mailSecurityPortSMTPS, "mail security port tls smtp", [
            ParameterSpec("PORT", .integer(CommandLimits.portRange), count: 1...CommandLimits.maxPorts, "TCP port, 1-65535; up to 4 ports."),
        ], "TCP ports intercepted as SMTP over implicit TLS",
        "Extension: connections crossing LAN1 and LAN2 to one of these ports start with a TLS handshake (RFC 8314 submissions) and are handled by `mail security tls smtp`. The list replaces the previous one.",
        default: "465", examples: ["mail security port tls smtp 465"]),

        tlsSetting(.mailSecurityPortPOP3S, "mail security port tls pop", [
            ParameterSpec("PORT", .integer(CommandLimits.portRange), count: 1...CommandLimits.maxPorts, "TCP port, 1-65535; up to 4 ports."),
        ], "TCP ports intercepted as POP3 over implicit TLS",
        "Extension: connections crossing LAN1 and LAN2 to one of these ports start with a TLS handshake (RFC 8314 pop3s) and are handled by `mail security tls pop`. The list replaces the previous one.",
        default: "995", examples: ["mail security port tls pop 995"]),

        tlsSetting(.mailSecuritySMTPTLS, "mail security tls smtp", [
            ParameterSpec("MODE", .keyword(TLSMode.allCases.map(\.rawValue)), "`inspect` decrypts and scans, `pass` relays encrypted SMTP unscanned, `block` offers no STARTTLS and refuses the `port tls smtp` ports."),
        ], "What SMTP does with encrypted sessions",
        "Extension. `inspect`: STARTTLS is offered and implicit TLS accepted; the appliance completes TLS with the server first, then with the client, showing a certificate signed by its site CA (`show mail security tls ca`), and scans the mail inside. `pass`: the encrypted session is relayed untouched and counted as not inspected. `block`: STARTTLS is removed from the EHLO reply and refused, and connections to the `port tls smtp` ports are closed. The exempt list and the office's own server certificates apply under `inspect` (docs/tls.md).",
        default: "inspect", examples: ["mail security tls smtp pass"]),

        tlsSetting(.mailSecurityPOP3TLS, "mail security tls pop", [
            ParameterSpec("MODE", .keyword(TLSMode.allCases.map(\.rawValue)), "`inspect` decrypts and scans, `pass` relays encrypted POP3 unscanned, `block` offers no STLS and refuses the `port tls pop` ports."),
        ], "What POP3 does with encrypted sessions",
        "Extension: as `mail security tls smtp`, for STLS and the `port tls pop` ports (docs/tls.md).",
        default: "inspect", examples: ["mail security tls pop block"]),

        tlsSetting(.mailSecurityTLSUpstreamInvalid, "mail security tls upstream-invalid", [
            ParameterSpec("ACTION", .keyword(TLSUpstreamInvalidAction.allCases.map(\.rawValue)), "`untrusted-ca` re-signs with the untrusted CA, `refuse` closes the session."),
        ], "What to do when the server's certificate fails verification",
        "Extension: the server's certificate is always verified (chain to the system's trust store or `mail security tls upstream-ca`, dates, and the name the client asked for). On failure, `untrusted-ca` shows the client a certificate signed by a second CA that no client trusts, so a client that verifies sees the failure and one that does not still has its mail scanned; `refuse` closes the session. A failure is never turned into a trusted certificate. Counted and logged either way.",
        default: "untrusted-ca", examples: ["mail security tls upstream-invalid refuse"]),

        tlsSetting(.mailSecurityTLSUpstreamCA, "mail security tls upstream-ca", [
            ParameterSpec("FILE", .filePath, "Absolute path of a PEM file of CA certificates on the appliance."),
        ], "Extra CAs trusted for the servers' certificates",
        "Extension: added to the system's trust store when servers' certificates are verified, for servers with certificates of a private CA. Read when it is set and at every start; a file that cannot be read is logged and trusts nothing. `mailsecd --tls-upstream-ca` adds another file.",
        default: "none", examples: ["mail security tls upstream-ca /etc/mailsec/upstream-ca.pem"]),

        tlsSetting(.mailSecurityTLSExempt, "mail security tls exempt", [
            ParameterSpec("HOST", .tlsExemptHost, count: 1...CommandLimits.maxTLSExemptPerLine, "Server address (IPv4 or IPv6), prefix (`ADDRESS/LENGTH`), server name, or `*.DOMAIN` for every name under DOMAIN."),
        ], "Servers whose encrypted sessions pass untouched",
        "Extension: each entry is added to the list (up to \(CommandLimits.maxTLSExempt) entries; more gives `Error: Too many entries`). Addresses and prefixes match the server's address; names match the name the client asked for (SNI). Exempt sessions are relayed encrypted and unscanned, and counted as exempt. `show config` writes one line per entry.",
        default: "none", accumulates: true,
        examples: ["mail security tls exempt 198.51.100.0/24", "mail security tls exempt *.example.net"]),

        tlsSetting(.mailSecurityTLSServerCertificate, "mail security tls server-certificate", [
            ParameterSpec("HOST", .ipAddress, "The office's own server: IPv4 or IPv6 address."),
            ParameterSpec("CERT-FILE", .filePath, "Absolute path of its PEM certificate (then its intermediates) on the appliance."),
            ParameterSpec("KEY-FILE", .filePath, "Absolute path of its PEM private key on the appliance."),
        ], "Present the office's own server certificate",
        "Extension: for encrypted sessions to HOST, the appliance shows that server's real certificate instead of one signed by its site CA, so senders that check the certificate against DANE (RFC 7672) or MTA-STS (RFC 8461) keep delivering to the office's own mail server. One entry per address, up to \(CommandLimits.maxTLSServerCertificates); entering HOST again replaces its files. The key must belong to the certificate.",
        default: "none", indexed: true,
        examples: ["mail security tls server-certificate 192.0.2.25 /etc/mailsec/mx.pem /etc/mailsec/mx.key"]),

        operation(.showMailSecurityTLSCA, "show mail security tls ca", [], .tls,
                  "Show the site CA certificate",
                  "Prints the certificate of the appliance's site CA (PEM) and its SHA-256 fingerprint, to install on the office's clients (docs/tls.md explains how on Windows, macOS and Thunderbird). The CA is generated by the appliance at its first start and its key never leaves it; the web console offers the same certificate for download.",
                  examples: ["show mail security tls ca"]) { _ in .showMailSecurityTLSCA },
    ]

    /// A setting on the TLS page. `indexed`: one entry per first parameter (`server-certificate
    /// HOST`); `accumulates`: entered values are added to a list (`exempt`).
    private static func tlsSetting(
        _ id: CommandID, _ command: String, _ parameters: [ParameterSpec],
        _ summary: String, _ details: String, default defaultValue: String,
        indexed: Bool = false, accumulates: Bool = false, examples: [String]
    ) -> CommandSpec {
        CommandSpec(
            id: id, keywords: command.split(separator: " ").map(String.init), parameters: parameters,
            kind: .setting(indexed: indexed), group: .tls, summary: summary, details: details,
            defaultValue: defaultValue, examples: examples, accumulates: accumulates)
    }
}

import Testing
@testable import ApplianceConfig

/// The encrypted-mail commands (CommandTable+TLS.swift): parsing, errors, `no` forms, typed
/// values and the `show config` round trip.
struct TLSCommandTests {
    @Test(arguments: [
        ("mail security port tls smtp 465 10465", "mail security port tls smtp 465 10465"),
        ("mail security port tls pop 0995", "mail security port tls pop 995"),
        ("mail security tls smtp PASS", "mail security tls smtp pass"),
        ("mail security tls pop bl", "mail security tls pop block"),
        ("mail security tls upstream-invalid ref", "mail security tls upstream-invalid refuse"),
        ("mail security tls upstream-invalid untrusted", "mail security tls upstream-invalid untrusted-ca"),
        ("mail security tls upstream-ca /etc/mailsec/upstream-ca.pem", "mail security tls upstream-ca /etc/mailsec/upstream-ca.pem"),
        ("mail security tls upstream-ca '/etc/mail sec/ca.pem'", "mail security tls upstream-ca \"/etc/mail sec/ca.pem\""),
        ("mail security tls exempt 192.0.2.25 198.51.100.7/24 2001:DB8:0::1/32 Bank.Example.com *.EXAMPLE.net",
         "mail security tls exempt *.example.net\nmail security tls exempt 192.0.2.25\nmail security tls exempt 198.51.100.0/24\n"
            + "mail security tls exempt 2001:db8::/32\nmail security tls exempt bank.example.com"),
        ("mail security tls server-certificate 2001:DB8::0:25 /etc/mailsec/mx.pem /etc/mailsec/mx.key",
         "mail security tls server-certificate 2001:db8::25 /etc/mailsec/mx.pem /etc/mailsec/mx.key"),
    ])
    func acceptedAndRenderedCanonically(line: String, rendered: String) {
        var config = Configuration()
        #expect(config.execute(line) == .success(.configured([])))
        #expect(config.rendered() == rendered + "\n")
        #expect(Configuration.load(config.rendered()).0 == config)
    }

    @Test(arguments: [
        ("mail security tls smtp decrypt", CommandError.illegalKeyword),
        ("mail security tls pop", .wrongParameterCount),
        ("mail security port tls smtp 0", .parameterOutOfRange),
        ("mail security port tls smtp 1 2 3 4 5", .wrongParameterCount),
        ("mail security port imaps 993", .illegalKeyword),
        ("mail security port tls imap 993", .illegalKeyword),
        ("mail security tls upstream-invalid ignore", .illegalKeyword),
        ("mail security tls upstream-ca etc/ca.pem", .illegalString),
        ("mail security tls exempt 192.0.2.300", .illegalAddress),
        ("mail security tls exempt 192.0.2.0/33", .illegalAddress),
        ("mail security tls exempt 2001:db8::/129", .illegalAddress),
        ("mail security tls exempt *.", .illegalAddress),
        ("mail security tls exempt exa_mple.com", .illegalAddress),
        ("mail security tls server-certificate mx.example.com /a.pem /a.key", .illegalAddress),
        ("mail security tls server-certificate 192.0.2.25 /a.pem", .wrongParameterCount),
        ("mail security tls server-certificate 192.0.2.25 a.pem /a.key", .illegalString),
        ("mail security tls frobnicate on", .invalidCommandName),
    ])
    func badInputGetsTheConsoleError(line: String, error: CommandError) {
        var config = Configuration()
        #expect(config.execute(line) == .failure(error))
        #expect(config == Configuration())
    }

    @Test func defaultsAndTypedValues() {
        var config = Configuration()
        #expect(config.smtpsPorts == [465] && config.pop3sPorts == [995])
        #expect(config.smtpTLSMode == .inspect && config.pop3TLSMode == .inspect)
        #expect(config.tlsUpstreamInvalid == .untrustedCA)
        #expect(config.tlsUpstreamCAFile == nil && config.tlsExempt.isEmpty && config.tlsServerCertificates.isEmpty)
        for line in ["mail security tls smtp block", "mail security tls pop pass", "mail security tls upstream-invalid refuse",
                     "mail security tls upstream-ca /etc/ca.pem", "mail security port tls pop 1995",
                     "mail security tls server-certificate 192.0.2.25 /etc/mx.pem /etc/mx.key"] {
            #expect(config.execute(line).isSuccess, "\(line)")
        }
        #expect(config.smtpTLSMode == .block && config.pop3TLSMode == .pass)
        #expect(config.tlsUpstreamInvalid == .refuse && config.tlsUpstreamCAFile == "/etc/ca.pem" && config.pop3sPorts == [1995])
        #expect(config.tlsServerCertificates == [TLSServerCertificate(address: [192, 0, 2, 25], host: "192.0.2.25",
                                                                      certificateFile: "/etc/mx.pem", keyFile: "/etc/mx.key")])
        for line in ["no mail security tls smtp", "no mail security tls pop pass", "no mail security tls upstream-invalid",
                     "no mail security tls upstream-ca", "no mail security port tls pop"] {
            #expect(config.execute(line).isSuccess, "\(line)")
        }
        #expect(config.smtpTLSMode == .inspect && config.pop3TLSMode == .inspect && config.tlsUpstreamInvalid == .untrustedCA)
        #expect(config.tlsUpstreamCAFile == nil && config.pop3sPorts == [995])
        #expect(config.rendered() == "mail security tls server-certificate 192.0.2.25 /etc/mx.pem /etc/mx.key\n")
    }

    @Test func earlierAbbreviationsStillWork() {
        var config = Configuration()
        for line in ["mail sec po sm 2", "mail sec po p 1", "mail sec t sm pass", "mail sec po t p 1995"] {
            #expect(config.execute(line).isSuccess, "\(line)")
        }
        #expect(config.smtpPorts == [2] && config.pop3Ports == [1] && config.smtpTLSMode == .pass && config.pop3sPorts == [1995])
    }

    @Test func enteringTheDefaultIsStillShown() {
        var config = Configuration()
        _ = config.execute("mail security tls smtp inspect")
        #expect(config.rendered() == "mail security tls smtp inspect\n")
    }

    @Test func theExemptListGrowsLineByLineAndShrinksByEntry() {
        var config = Configuration()
        _ = config.execute("mail security tls exempt 192.0.2.25 *.example.net")
        _ = config.execute("mail security tls exempt 192.0.2.25 mail.example.org")
        #expect(config.rendered() == "mail security tls exempt *.example.net\nmail security tls exempt 192.0.2.25\n"
                + "mail security tls exempt mail.example.org\n")
        #expect(config.execute("no mail security tls exempt *.EXAMPLE.net") == .success(.configured([])))
        #expect(config.tlsExempt == [.network(address: [192, 0, 2, 25], prefixLength: 32), .domain("mail.example.org")])
        #expect(config.execute("no mail security tls exempt 192.0.2.999") == .failure(.illegalAddress))
        #expect(config.execute("no mail security tls exempt") == .success(.configured([])))
        #expect(config == Configuration())
    }

    @Test func theListsAreBounded() {
        var config = Configuration()
        for block in 0..<(CommandLimits.maxTLSExempt / 8) {
            let line = "mail security tls exempt " + (0..<8).map { "192.0.2.\(block * 8 + $0)" }.joined(separator: " ")
            #expect(config.execute(line).isSuccess)
        }
        #expect(config.tlsExempt.count == CommandLimits.maxTLSExempt)
        let full = config
        #expect(config.execute("mail security tls exempt 198.51.100.1") == .failure(.tooManyEntries))
        #expect(config == full)
        #expect(config.execute("mail security tls exempt 192.0.2.1").isSuccess, "an entry already there adds nothing")

        for n in 1...CommandLimits.maxTLSServerCertificates {
            #expect(config.execute("mail security tls server-certificate 203.0.113.\(n) /c.pem /k.pem").isSuccess)
        }
        #expect(config.execute("mail security tls server-certificate 203.0.113.100 /c.pem /k.pem") == .failure(.tooManyEntries))
        #expect(config.execute("mail security tls server-certificate 203.0.113.1 /new.pem /new.key").isSuccess, "replacing is not adding")
        #expect(config.execute("no mail security tls server-certificate") == .failure(.wrongParameterCount))
        #expect(config.execute("no mail security tls server-certificate 203.0.113.1 /ignored").isSuccess)
        #expect(config.tlsServerCertificates.count == CommandLimits.maxTLSServerCertificates - 1)
        #expect(Configuration.load(config.rendered()).0 == config)
    }

    @Test(arguments: [
        // (entry, address, SNI, exempt?)
        ("192.0.2.0/24", "192.0.2.200", String?.none, true),
        ("192.0.2.0/24", "198.51.100.1", nil, false),
        ("2001:db8::/32", "2001:db8:1::25", nil, true),
        ("2001:db8::/32", "192.0.2.1", nil, false),
        ("mail.example.com", "203.0.113.5", "MAIL.example.com.", true),
        ("mail.example.com", "203.0.113.5", nil, false),
        ("*.example.com", "203.0.113.5", "a.b.example.com", true),
        ("*.example.com", "203.0.113.5", "example.com", false),
        ("*.example.com", "203.0.113.5", "badexample.com", false),
    ])
    func exemptEntriesMatchAddressesAndNames(entry: String, address: String, sni: String?, exempt: Bool) throws {
        let parsed = try #require(TLSExemptEntry(word: entry))
        let bytes = try #require(HTTPDHost.addressBytes(address))
        #expect(TLSExemptEntry.isExempt([parsed], address: bytes, serverName: sni) == exempt)
    }

    @Test func theTLSPageAndTheOperation() throws {
        var config = Configuration()
        #expect(config.execute("show mail security tls ca") == .success(.operation(.showMailSecurityTLSCA)))
        #expect(config.execute("no show mail security tls ca") == .failure(.invalidCommandName))
        let page = try #require(CLIReference.pages().first { $0.fileName == "mail-security-tls.md" }).markdown
        #expect(page.contains("no mail security tls exempt [HOST ...]\n"))
        #expect(page.contains("removes those entries; without them, the whole list"))
        #expect(page.contains("no mail security tls server-certificate HOST [...]\n"))
        let settings = Configuration.settings
        #expect(settings.first { $0.command == "mail security tls smtp" }?.choices == ["inspect", "pass", "block"])
        #expect(settings.first { $0.command == "mail security tls server-certificate" }?.indexed == true)
        #expect(settings.first { $0.command == "mail security tls exempt" }?.indexed == true)
    }
}

extension Result {
    var isSuccess: Bool {
        if case .success = self { true } else { false }
    }
}

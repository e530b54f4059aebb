import Foundation

extension PostfixInstance.Configuration {
    /// A Postfix that only sends: it accepts mail from `clientNetworks` (loopback included) on its
    /// smtpd and hands every message to its relayhost `[host]:port` over SMTP, as an office MTA
    /// relaying outwards does. Nothing is delivered locally (no domain, no mailbox); `tls` holds
    /// the smtp(8) client's TLS settings (`smtp_tls_security_level`, `smtp_tls_CAfile`, …).
    ///
    /// `hostname` must differ from the receiving server's greeting name, or smtp(8) takes the
    /// relayhost for itself ("mail for … loops back to myself").
    public static func sendingMTA(relayHost host: String, port: Int, tls: [String: String],
                                  hostname: String = "outbound.example.net") -> Self {
        var configuration = Self()
        configuration.hostname = hostname
        configuration.domains = []
        configuration.mailboxes = []
        // Brackets: the relayhost is this address, no MX lookup (there is no DNS in tests).
        configuration.extraSettings["relayhost"] = "[\(host)]:\(port)"
        // Relaying for its own networks is the job of a sending MTA.
        configuration.extraSettings["smtpd_relay_restrictions"] = "permit_mynetworks, reject_unauth_destination"
        // One attempt is enough to see an outcome; a deferred message is retried every second.
        configuration.extraSettings["smtp_tls_loglevel"] = "1"
        for (name, value) in tls { configuration.extraSettings[name] = value }
        return configuration
    }
}

extension PostfixInstance {
    /// The log lines of the smtp(8) client (delivery attempts, TLS outcomes), in order.
    public var clientLogLines: [String] {
        log.split(separator: "\n").map(String.init).filter { $0.contains("postfix/smtp[") }
    }
}

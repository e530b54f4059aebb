import ApplianceConfig
import ControlPlane
import Testing
import SyslogIO
import Telemetry

/// `show mail security tls ca` reaches the daemon's site CA through `DaemonServices`; the
/// offline console says where the CA is instead.
@Suite struct TLSConsoleTests {
    static let info = SiteCertificateAuthorityInfo(
        subject: "CN=Mail Security Appliance Site CA 0A1B2C3D4E5F,OU=Encrypted mail inspection,O=Mail Security Appliance",
        sha256Fingerprint: "AB:CD:EF", notValidAfter: "2036-12-06",
        certificatePEM: "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n")

    func console(_ authority: (@Sendable () -> SiteCertificateAuthorityInfo?)?) -> ApplianceConsole {
        let services = DaemonServices(syslog: SyslogSender(settings: SyslogSettings(), hostname: "test", localSocketPath: "/nonexistent"),
                                      statistics: MailStatistics(), siteCertificateAuthority: authority)
        return ApplianceConsole(configuration: Configuration(), store: nil, services: services)
    }

    @Test func theDaemonPrintsTheSiteCA() {
        let reply = console { Self.info }.execute("show mail sec tls ca")
        #expect(reply.ok)
        #expect(reply.output == """
            ================================================================
            Item                Value
            ----------------------------------------------------------------
            Subject             CN=Mail Security Appliance Site CA 0A1B2C3D4E5F,OU=Encrypted mail inspection,O=Mail Security Appliance
            SHA-256             AB:CD:EF
            Valid until         2036-12-06
            ================================================================
            -----BEGIN CERTIFICATE-----
            MIIB
            -----END CERTIFICATE-----

            """)
    }

    @Test func withoutInterceptionTheDaemonSaysSo() {
        #expect(console(nil).execute("show mail security tls ca")
                == .error("Error: Encrypted mail inspection is not running (mailsecd has no site CA)"))
        #expect(console { nil }.execute("show mail security tls ca").ok == false)
    }

    @Test func theOfflineConsolePointsAtTheBox() {
        let offline = ApplianceConsole(configuration: Configuration(), store: nil, services: nil)
        #expect(offline.execute("show mail security tls ca") == .error(SiteCertificateAuthorityInfo.offlineMessage))
        // Still a status command: no administrator rights needed, nothing changes.
        #expect(offline.configuration == Configuration())
    }
}

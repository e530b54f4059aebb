import ApplianceConfig
import ControlPlane
import Foundation
import MailProxy
import TLSInterception
import Telemetry

/// Encrypted-mail inspection for the daemon (docs/tls.md): the site CA from the state
/// directory, the upstream anchors, and the console's settings followed.
enum TLSWiring {
    /// The interceptor, or nil (every upgrade then stays blocked) when the site CA cannot be
    /// made or read; the reason is reported.
    static func start(stateDirectory: String, anchorsOption: String?, configuration: Configuration,
                      report: (String, SyslogSeverity) -> Void) -> SiteTLSInterceptor? {
        do {
            let interceptor = try SiteTLSInterceptor.load(
                stateDirectory: stateDirectory, administratorAnchors: anchorsOption ?? configuration.tlsUpstreamCAFile,
                refusesInvalidUpstream: configuration.tlsUpstreamInvalid == .refuse)
            report("site CA \(interceptor.authority.site.sha256Fingerprint)"
                   + (interceptor.authority.generated ? " generated" : "") + " in \(stateDirectory)/\(SiteAuthority.directoryName)", .info)
            return interceptor
        } catch {
            report("TLS inspection unavailable, STARTTLS and STLS blocked: \(error)", .error)
            return nil
        }
    }

    /// Follows a configuration change. Reads the certificate and anchor files named there:
    /// blocking, which is why the console and the web console run commands on a thread pool,
    /// never on an event loop; done before the command's answer, so the next session uses them.
    static func apply(_ configuration: Configuration, to interceptor: SiteTLSInterceptor?, anchorsOption: String?,
                      report: @escaping @Sendable (String, SyslogSeverity) -> Void) {
        guard let interceptor else { return }
        var loaded: [[UInt8]: OwnServerCertificate] = [:]
        for server in configuration.tlsServerCertificates {
            do {
                loaded[server.address] = try OwnServerCertificate.load(certificatePath: server.certificateFile, keyPath: server.keyFile)
            } catch {
                report("mail security tls server-certificate \(server.host): \(error); a minted certificate is shown instead", .warning)
            }
        }
        interceptor.apply(ownServers: loaded)
        var verifier: UpstreamCertificateVerifier?
        let file = configuration.tlsUpstreamCAFile
        // The anchors (the system's bundle too) are read again only when the setting changed.
        if anchorsOption == nil, file != interceptor.anchorsFile {
            do {
                verifier = try UpstreamCertificateVerifier.load(administratorAnchors: file)
            } catch {
                report("mail security tls upstream-ca \(configuration.tlsUpstreamCAFile ?? ""): \(error); the previous anchors stay", .warning)
            }
        }
        interceptor.apply(refusesInvalidUpstream: configuration.tlsUpstreamInvalid == .refuse, verifier: verifier, anchorsFile: file)
    }

    /// What `show mail security tls ca` prints.
    static func authorityInfo(_ interceptor: SiteTLSInterceptor?) -> SiteCertificateAuthorityInfo? {
        guard let site = interceptor?.authority.site else { return nil }
        let day = ISO8601DateFormatter.string(from: site.notValidAfter, timeZone: TimeZone(identifier: "UTC")!,
                                              formatOptions: [.withFullDate])
        return SiteCertificateAuthorityInfo(subject: site.subjectDescription, sha256Fingerprint: site.sha256Fingerprint,
                                            notValidAfter: day, certificatePEM: site.certificatePEM)
    }
}

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

    /// Follows a configuration change; a new anchors file is read off the caller's thread.
    static func apply(_ configuration: Configuration, to interceptor: SiteTLSInterceptor?, anchorsOption: String?,
                      report: @escaping @Sendable (String, SyslogSeverity) -> Void) {
        guard let interceptor else { return }
        let refuses = configuration.tlsUpstreamInvalid == .refuse
        interceptor.apply(refusesInvalidUpstream: refuses, verifier: nil)
        guard anchorsOption == nil else { return }
        let file = configuration.tlsUpstreamCAFile
        DispatchQueue.global().async {
            do {
                interceptor.apply(refusesInvalidUpstream: refuses,
                                  verifier: try UpstreamCertificateVerifier.load(administratorAnchors: file))
            } catch {
                report("mail security tls upstream-ca \(file ?? ""): \(error); the previous anchors stay", .warning)
            }
        }
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

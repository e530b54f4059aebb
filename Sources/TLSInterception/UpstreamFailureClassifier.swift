import Foundation
import X509

/// Turns what the verifier found into one `UpstreamFailure`. swift-certificates reports a
/// failed validation as policy failures whose reasons are free text; instead of reading that
/// text, the verifier asks a second question — is there a chain to a trust anchor when time and
/// name are not checked? — and this pure function judges from the answer:
///
/// | chain without time and name | leaf signs itself | certificate out of dates | SNI | failure |
/// |---|---|---|---|---|
/// | none | yes | – | – | selfSigned |
/// | none | no | – | – | unknownIssuer |
/// | found | – | past notAfter | – | expired |
/// | found | – | before notBefore | – | notYetValid |
/// | found | – | no | given | nameMismatch |
/// | found | – | no | none | unknownIssuer (a policy of the chain itself failed) |
enum UpstreamFailureClassifier {
    static func classify(chainIgnoringTimeAndName: [Certificate]?, leafIsSelfSigned: Bool,
                         now: Date, serverName: String?) -> UpstreamFailure {
        guard let chain = chainIgnoringTimeAndName else { return leafIsSelfSigned ? .selfSigned : .unknownIssuer }
        if chain.contains(where: { $0.notValidAfter < now }) { return .expired }
        if chain.contains(where: { $0.notValidBefore > now }) { return .notYetValid }
        return serverName == nil ? .unknownIssuer : .nameMismatch
    }

    /// The leaf names itself as issuer and its own key verifies its signature.
    static func isSelfSigned(_ certificate: Certificate) -> Bool {
        certificate.issuer == certificate.subject && certificate.publicKey.isValidSignature(certificate.signature, for: certificate)
    }
}

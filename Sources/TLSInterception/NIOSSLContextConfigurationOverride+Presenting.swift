import NIOSSL

extension NIOSSLContextConfigurationOverride {
    /// The change that makes a handshake present `chain` (server certificate first) with `key`:
    /// what a minted leaf or the office's own certificate gives `TLSConfiguration.sslContextCallback`.
    static func presenting(_ chain: [NIOSSLCertificate], key: NIOSSLPrivateKey) -> Self {
        var change = Self()
        change.certificateChain = chain.map { .certificate($0) }
        change.privateKey = .privateKey(key)
        return change
    }
}

import MailRelay
import NIOCore
import NIOSSL
import Telemetry

/// Securing the halves when the relay asks (`secureServer`, `secureClient`): a NIOSSL handler
/// goes in front of the side's `ProxySideHandler`, so the machine keeps reading plaintext.
/// The handshake's end reaches the machine as `secured(side)`, its failure as a close.
///
/// Each upgrade is counted once (`TLSOutcome`, docs/tls.md): an upstream certificate that failed
/// verification is the outcome whatever the client then did (accepted the untrusted CA's
/// certificate, refused it, or was refused by setting); otherwise a client that rejected the
/// site CA's certificate, another handshake failure, or inspected.
extension RelaySession {
    func secureServer() {
        guard let tls = environment.tls, let side = server, let channel = side.context?.channel else {
            return closeForTLS(.server, outcome: .handshakeFailed, detail: "no TLS interception")
        }
        let eventLoop = self.eventLoop
        let handler: NIOSSLClientHandler
        do {
            handler = try NIOSSLClientHandler(context: tls.upstreamContext, serverHostname: nil) { chain, promise in
                tls.judgeUpstream(chain, serverName: nil, on: eventLoop).hop(to: eventLoop).assumeIsolated().whenComplete { result in
                    let judgement = (try? result.get()) ?? UpstreamJudgement(chain: chain, failure: "verification failed")
                    self.upstream = judgement
                    if !judgement.trusted && tls.refusesInvalidUpstream {
                        promise.succeed(.failed)
                    } else {
                        promise.succeed(.certificateVerified)
                    }
                }
            }
            try channel.pipeline.syncOperations.addHandler(handler, position: .before(side))
        } catch {
            return closeForTLS(.server, outcome: .handshakeFailed, detail: "\(error)")
        }
        tlsPending.insert(.server)
    }

    func secureClient() {
        // The go-ahead (220, +OK) leaves in plaintext before the handler goes in.
        flushBoth()
        // STARTTLS: the server half is secured already; implicit TLS: it is on its way.
        let pending = upstream.map { eventLoop.makeSucceededFuture($0) } ?? upstreamPromise?.futureResult
        guard let tls = environment.tls, let pending, let side = client, let channel = side.context?.channel else {
            return closeForTLS(.client, outcome: .handshakeFailed, detail: "no upstream certificate")
        }
        do {
            let eventLoop = self.eventLoop
            let session = NIOLoopBound(self, eventLoop: eventLoop)
            // The name check runs in the client's hello (it needs the SNI), on this loop.
            let context = try tls.clientContext(for: pending, server: serverAddress) { judged in
                eventLoop.execute {
                    session.value.upstream = judged
                    session.value.certificatePresented = true
                }
            }
            try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: context), position: .before(side))
        } catch {
            return closeForTLS(.client, outcome: .handshakeFailed, detail: "\(error)")
        }
        tlsPending.insert(.client)
    }

    /// Implicit TLS (465, 995; docs/tls.md): both halves are secured before the first byte of
    /// the protocol, the client's hello waiting for the server half. Under pass (or for an
    /// exempt server) the session is opaque from the start; under block it is closed (false:
    /// no server to connect to).
    func startImplicitTLS(exempt: Bool) -> Bool {
        let policy = environment.tls == nil ? TLSPolicy.block : Machine.tlsPolicy(settingsAtStart)
        if exempt || policy == .pass {
            machine.relayOpaque()
            countTLS(exempt ? .exempt : .passed, detail: nil)
        } else if policy == .block {
            countTLS(.blocked, detail: "implicit TLS")
            client?.closeAfterWrites()
            return false
        } else {
            upstreamPromise = eventLoop.makePromise(of: UpstreamJudgement.self)
            secureClient()
        }
        return true
    }

    /// Implicit TLS: the server half will never be secured (it closed, or never connected), so
    /// the client's hello that waits for it fails.
    func abandonUpstreamPromise() {
        guard let promise = upstreamPromise else { return }
        upstreamPromise = nil
        promise.fail(TLSHandshakeInterrupted())
    }

    /// A side's handshake finished (`TLSUserEvent.handshakeCompleted`).
    func handshakeCompleted(_ side: RelaySide) {
        guard tlsPending.remove(side) != nil else { return }
        if side == .server, let upstream, let promise = upstreamPromise {
            upstreamPromise = nil
            promise.succeed(upstream)
        }
        if side == .client {
            // Both halves secured. Counted once the client speaks inside TLS: a client that
            // checks the certificate only after its handshake (Postfix does) and then hangs up
            // has refused it (`clientClosedAfterHandshake`).
            clientTLSVerdict = upstream?.failure.map { (.upstreamCertificateInvalid, $0) } ?? (.inspected, nil)
        }
        handle(Machine.secured(side))
    }

    /// A side's channel reported an error; while its handshake runs, it is the handshake's.
    func failed(_ side: RelaySide, error: any Error) {
        guard tlsPending.remove(side) != nil else { return }
        if side == .server, let promise = upstreamPromise {
            // The client's hello waits for the server half: it fails too.
            upstreamPromise = nil
            promise.fail(error)
            tlsPending.remove(.client)
        }
        let text = "\(error)"
        switch side {
        case .server:
            if let upstream, !upstream.trusted, environment.tls?.refusesInvalidUpstream == true {
                countTLS(.upstreamCertificateInvalid, detail: upstream.failure)
            } else {
                countTLS(.handshakeFailed, detail: text)
            }
        case .client:
            let lowered = text.lowercased()
            if let failure = upstream?.failure {
                // The client saw the untrusted CA's certificate: the cause is the upstream's.
                countTLS(.upstreamCertificateInvalid, detail: failure)
            } else if certificatePresented || lowered.contains("unknown_ca") || lowered.contains("bad_certificate")
                        || lowered.contains("certificate_unknown") {
                // The client broke off after seeing the certificate: it does not trust the
                // site CA (clients report that with an alert, or just by hanging up).
                countTLS(.clientRefusedCertificate, detail: "the client does not trust the site CA")
            } else {
                countTLS(.handshakeFailed, detail: text)
            }
        }
    }

    /// The client spoke inside TLS (`bytes`; nil: the server closed first, the client had no
    /// turn): the upgrade's verdict counts now — unless its first words are `QUIT`, which is
    /// how a client that rejects the certificate after its handshake leaves.
    func clientSpokeInsideTLS(_ bytes: ByteBuffer?) {
        guard let (outcome, detail) = clientTLSVerdict else { return }
        if let bytes, QuitCommand.starts(bytes) { return clientClosedAfterHandshake() }
        clientTLSVerdict = nil
        countTLS(outcome, detail: detail)
    }

    /// The client hung up (or quit) after its handshake without a command inside TLS: it did
    /// not accept the certificate (or, shown the untrusted CA's, the upstream's failure is the
    /// cause).
    func clientClosedAfterHandshake() {
        guard let (outcome, detail) = clientTLSVerdict else { return }
        clientTLSVerdict = nil
        if outcome == .upstreamCertificateInvalid {
            countTLS(outcome, detail: detail)
        } else {
            countTLS(.clientRefusedCertificate, detail: "the client left after the handshake without a command: it does not trust the site CA")
        }
    }

    /// A side closed while its handshake ran, without an error of its own.
    struct TLSHandshakeInterrupted: Error, CustomStringConvertible {
        var description: String { "the connection closed during the handshake" }
    }

    /// The relay's own TLS news (`TLSUpgradeNotice`).
    func record(_ notice: TLSUpgradeNotice) {
        switch notice {
        case .blocked:
            countTLS(.blocked, detail: nil)
        case .passed:
            countTLS(.passed, detail: nil)
        case .exempt:
            countTLS(.exempt, detail: nil)
        case .serverRefused:
            countTLS(.handshakeFailed, detail: "the server refused the upgrade")
        case .plaintextDiscarded(let octets):
            environment.accounting.log(.tlsOutcome(protocol: Machine.mailProtocol, outcome: .handshakeFailed,
                                                   address: clientAddress,
                                                   detail: "\(octets) octets sent in plaintext after the upgrade command discarded"))
        case .serverHandshakeFailed:
            break  // counted by `failed` (or the setup error) with its reason
        }
    }

    private func closeForTLS(_ side: RelaySide, outcome: TLSOutcome, detail: String) {
        countTLS(outcome, detail: detail)
        switch side {
        case .client: client?.closeAfterWrites()
        case .server: server?.closeAfterWrites()
        }
    }

    private func countTLS(_ outcome: TLSOutcome, detail: String?) {
        let mailProtocol = Machine.mailProtocol
        // Passed and exempt upgrades are the TLS rows' "not inspected"; `Sessions not inspected`
        // stays the kernel's count of mail never intercepted (docs/tls.md).
        environment.accounting.statistics.tls.record(outcome, for: mailProtocol)
        if outcome != .inspected {
            environment.accounting.log(.tlsOutcome(protocol: mailProtocol, outcome: outcome, address: clientAddress, detail: detail))
        }
    }
}

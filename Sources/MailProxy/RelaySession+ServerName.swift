import NIOCore
import NIOTLS

/// Implicit TLS and the exempt list by name (docs/tls.md, "Exempt servers"): a name entry
/// (`mail.example.com`, `*.example.net`) matches the SNI of the client's hello, which on an
/// implicit-TLS port comes before anything else. When the list names servers and the session
/// would be inspected, the hello is read first (swift-nio's `SNIHandler`, in front of the
/// client's side), the exempt decision made with its name, and the server connected; the hello
/// goes on (to the TLS handler, or opaque to the server) once the server half exists.
extension RelaySession {
    /// Starts reading the client's hello for its SNI when the exempt decision needs it; false
    /// when it does not (the session connects at once).
    func waitsForServerName(_ target: UpstreamTarget) -> Bool {
        guard environment.tls != nil, Machine.tlsPolicy(settingsAtStart) == .inspect, settingsAtStart.exemptsByName,
              !settingsAtStart.isExemptFromTLSInspection(target.address),
              let side = client, let channel = side.context?.channel else { return false }
        let session = NIOLoopBound(self, eventLoop: eventLoop)
        let eventLoop = self.eventLoop
        let reader = ByteToMessageHandler(SNIHandler { result in
            let session = session.value
            session.awaitingServerName = false
            let released = eventLoop.makePromise(of: Void.self)
            session.serverNamePromise = released
            var name: String?
            if case .hostname(let host) = result { name = host }
            if session.clientOpen { session.connectServer(target, serverName: name) } else { session.releaseClientHello() }
            return released.futureResult
        })
        do {
            try channel.pipeline.syncOperations.addHandler(reader, position: .before(side))
        } catch {
            return false
        }
        awaitingServerName = true
        return true
    }

    /// The server half exists (or never will): the hello held by the SNI reader goes on.
    func releaseClientHello() {
        guard let promise = serverNamePromise else { return }
        serverNamePromise = nil
        promise.succeed(())
    }
}

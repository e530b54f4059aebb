import ArgumentParser
import Foundation
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import ScanEngines
import ScanProtocol

/// Command line of yscd; builds the engines and the server, prints the ready line, serves.
struct YSCCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "yscd",
        abstract: "The bundled YSC scan service: HTTPS, built-in test signatures, ClamAV and SpamAssassin back ends."
    )

    @Option(help: "Address and port to listen on (ADDR:PORT, [v6]:PORT).")
    var listen = "127.0.0.1:8443"

    @Option(help: "TLS server certificate chain (PEM).")
    var cert: String?

    @Option(help: "TLS private key (PEM).")
    var key: String?

    @Flag(help: "Benchmark only: serve plain HTTP without TLS, to measure what TLS costs.")
    var plaintext = false

    @Option(help: "clamd to scan with: a UNIX socket path or HOST:PORT.")
    var clamd: String?

    @Option(help: "spamd to ask for a spam score: HOST:PORT.")
    var spamd: String?

    @Option(help: "Licence file (lines SERIAL PRODUCT YYYY-MM-DD); without it every serial is granted a year.")
    var licenses: String?

    @Option(help: "API key file (first line): scan and licence requests must carry it (Authorization: Bearer KEY or X-API-Key: KEY). Without it (and without --client-ca) the service answers them only on a loopback address.")
    var apiKeyFile: String?

    @Option(help: "Client CA bundle (PEM): clients are asked for a certificate; one that verifies against this CA may scan and ask for a licence without the API key. A client may present none (then it needs the key); one that presents a certificate this CA did not issue fails the TLS handshake.")
    var clientCa: String?

    @Option(help: "Largest scan request body in bytes; larger ones get 413.")
    var maxBody = YSCServerLimits.defaultMaxBody

    @Option(help: "Test only: delay every reply by this many milliseconds.")
    var injectLatency: Int?

    @Option(help: "Test only: answer every request with this HTTP status.")
    var injectStatus: Int?

    @Flag(help: "Test only: answer every request 200 with a body that is not JSON.")
    var injectGarbage = false

    @Flag(help: "Test only: close every connection when a request arrives, without a reply.")
    var dropConnections = false

    func validate() throws {
        guard ListenAddress(parsing: listen) != nil else { throw ValidationError("--listen must be ADDR:PORT") }
        if let clamd, DaemonAddress(parsing: clamd) == nil { throw ValidationError("--clamd must be a socket path or HOST:PORT") }
        if let spamd, case .tcp = DaemonAddress(parsing: spamd) {} else if spamd != nil { throw ValidationError("--spamd must be HOST:PORT") }
        if !plaintext, cert == nil || key == nil { throw ValidationError("--cert and --key are required (unless --plaintext)") }
        if plaintext, clientCa != nil { throw ValidationError("--client-ca needs TLS (not with --plaintext)") }
        guard maxBody > 0 else { throw ValidationError("--max-body must be positive") }
        if let injectLatency, injectLatency < 0 { throw ValidationError("--inject-latency must be ≥ 0") }
        if let injectStatus, !(200...599).contains(injectStatus) { throw ValidationError("--inject-status must be 200–599") }
    }

    func run() throws {
        LoggingSystem.bootstrap { StreamLogHandler.standardError(label: $0) }
        let logger = Logger(label: "yscd")

        let licenseBook: LicenseBook
        if let licenses {
            let text = try String(contentsOfFile: licenses, encoding: .utf8)
            do {
                licenseBook = try LicenseBook(parsing: text)
            } catch {
                throw ValidationError("\(licenses): \(error)")
            }
        } else {
            licenseBook = .grantAll
        }

        let threadPool = NIOThreadPool(numberOfThreads: max(2, System.coreCount))
        threadPool.start()
        var engines: [any ScanEngine] = [BuiltinEngine(threadPool: threadPool)]
        if let clamd, let address = DaemonAddress(parsing: clamd) { engines.append(ClamdEngine(address: address)) }
        if let spamd, let address = DaemonAddress(parsing: spamd) { engines.append(SpamdEngine(address: address)) }

        let router = YSCRouter(service: ScanService(engines: engines), licenses: licenseBook) {
            LicenseDate(secondsSince1970: Int64(Date().timeIntervalSince1970))
        }
        var faults = FaultInjection()
        if let injectLatency { faults.latency = .milliseconds(Int64(injectLatency)) }
        faults.status = injectStatus
        faults.garbage = injectGarbage
        faults.dropConnections = dropConnections

        var access = APIKeyPolicy(key: nil, loopbackOnly: APIKeyPolicy.isLoopback(ListenAddress(parsing: listen)!.host),
                                  acceptsClientCertificates: clientCa != nil)
        if let apiKeyFile {
            guard let key = APIKeyPolicy.key(fromFile: try String(contentsOfFile: apiKeyFile, encoding: .utf8)) else {
                throw ValidationError("\(apiKeyFile): no key on its first line")
            }
            access.key = key
        }
        if access.refusesEveryone {
            logger.warning("listening on \(listen) without --api-key-file or --client-ca: scan and licence requests are refused (401)")
        }

        let group = MultiThreadedEventLoopGroup(numberOfThreads: max(2, System.coreCount))
        let server = YSCServer(listen: ListenAddress(parsing: listen)!,  // checked in validate()
                               tls: try tlsContext(),
                               router: router, maxBody: maxBody, faults: faults, access: access, logger: logger)
        let channel = try server.bind(on: group)
        let port = channel.localAddress?.port ?? 0
        let host = ListenAddress(parsing: listen)!.host
        let shown = host.contains(":") ? "[\(host)]" : host
        var ready = "yscd: ready on \(plaintext ? "http" : "https")://\(shown):\(port)/ engines=\(engines.map(\.name).joined(separator: ","))"
        ready += " licences=\(licenses == nil ? "default" : "file") max-body=\(maxBody)"
        ready += " api-key=\(access.key != nil ? "required" : access.refusesEveryone ? "missing" : "none")"
        if access.acceptsClientCertificates { ready += " client-cert=accepted" }
        if faults.isActive { ready += " FAULT-INJECTION" }
        // Written straight to the descriptor: stdout to a file or pipe is block-buffered, and
        // whoever waits for this line (make, a test) must see it now.
        FileHandle.standardOutput.write(Data((ready + "\n").utf8))
        let stopSignals = SignalDisposition.closeOnTermination(channel)
        try channel.closeFuture.wait()
        // Stopped by a signal: scans under way finish (their replies still have a loop to go
        // to), then the open connections close with the loops; then a normal exit.
        withExtendedLifetime(stopSignals) {}
        try threadPool.syncShutdownGracefully()
        try group.syncShutdownGracefully()
    }

    private func tlsContext() throws -> NIOSSLContext? {
        guard !plaintext, let cert, let key else { return nil }  // validate() requires both otherwise
        var clientCAs: [NIOSSLCertificate]?
        if let clientCa {
            let bundle: [NIOSSLCertificate]
            do {
                bundle = try NIOSSLCertificate.fromPEMFile(clientCa)
            } catch {
                throw ValidationError("--client-ca \(clientCa): cannot load a PEM certificate bundle from it (\(error))")
            }
            // An empty bundle would silently turn every presented certificate away.
            guard !bundle.isEmpty else { throw ValidationError("--client-ca \(clientCa): no certificate in it") }
            clientCAs = bundle
        }
        return try YSCServer.makeTLSContext(certificatePath: cert, keyPath: key, clientCAs: clientCAs)
    }
}

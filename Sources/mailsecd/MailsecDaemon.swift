import ApplianceConfig
import ArgumentParser
import ControlPlane
import Foundation
import MailProxy
import NIOCore
import NIOPosix
import PacketLayer
import ScanClient
import SyslogIO
import Telemetry
import WebConsole

/// `mailsecd`: the appliance daemon. Wiring only: the configuration, the console socket,
/// syslog, signals; the work is done by the libraries.
@main
struct MailsecDaemon: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mailsecd",
        abstract: "Mail security appliance daemon."
    )

    @Option(help: "Configuration file (commands, as 'show config' prints them).")
    var config: String = FirmwareDefaults.configPath

    @Option(help: "Control socket for the console (created with mode 0600).")
    var control: String = FirmwareDefaults.controlSocket

    @Option(help: "Local syslog socket (lines also go to every 'syslog host').")
    var syslogSocket: String = FirmwareDefaults.localSyslogSocket

    @Option(help: "CA bundle that signs the scan service's certificate.")
    var yscCa: String = FirmwareDefaults.yscCABundle

    @Option(help: "File whose first line is the scan service's API key, sent with every request (Authorization: Bearer KEY).")
    var yscApiKeyFile: String?

    @Option(help: "Client certificate (PEM) presented to the scan service when it asks for one (yscd --client-ca): the alternative to the API key. Needs --ysc-client-key.")
    var yscClientCert: String?

    @Option(help: "Private key (PEM, unencrypted) of --ysc-client-cert.")
    var yscClientKey: String?

    @Option(help: "Licence serial number (default: the firmware's serial file).")
    var serial: String?

    @Option(help: "SMTP proxy, explicit mode: listen on ADDR:PORT …")
    var smtpListen: String?

    @Option(help: "… and relay every session to the mail server HOST:PORT.")
    var smtpUpstream: String?

    @Option(help: "SMTP proxy, transparent mode: the TPROXY listener ADDR:PORT, or one per IP version on one port: 0.0.0.0:10025,[::]:10025 (original destination kept, client address used towards the server).")
    var smtpTransparent: String?

    @Option(help: "POP3 proxy, explicit mode: listen on ADDR:PORT …")
    var pop3Listen: String?

    @Option(help: "… and relay every session to the POP3 server HOST:PORT.")
    var pop3Upstream: String?

    @Option(help: "POP3 proxy, transparent mode: the TPROXY listener ADDR:PORT, or one per IP version on one port: 0.0.0.0:10110,[::]:10110 (original destination kept, client address used towards the server).")
    var pop3Transparent: String?

    @Option(help: "Web console (HTTPS) on ADDR:PORT instead of 'httpd listen'; also lets the local host in (tests, make demo).")
    var httpListen: String?

    @Option(help: "State directory: the web console's certificate and the site CA (tls/) are generated here at first start.")
    var stateDir: String = "/var/lib/mailsec"

    @Option(help: "Extra trust anchors (PEM) for upstream mail servers' certificates, over 'mail security tls upstream-ca'.")
    var tlsUpstreamCa: String?

    @Option(help: "Spool directory for messages too large for memory.")
    var spool: String = FirmwareDefaults.spoolDirectory

    /// Tests only: every protocol timeout divided by this (60: minutes become seconds), so a
    /// test sees an idle or trickling client cut off without waiting for minutes.
    @Option(help: .hidden)
    var timeDivisor: Int = 1

    @OptionGroup(title: "Interception")
    var interceptionOptions: InterceptionOptions

    @Option(help: "Memory all mail sessions together may hold, in MiB (message content in memory plus a floor per session); beyond it messages spill to the spool and new sessions get 421.")
    var memoryBudget: Int = MessageBufferLimits.defaultBudgetBytes / (1024 * 1024)

    @Option(help: "Sessions one client address may hold open at once on each listener, overriding `mail security max client sessions`; the next gets 421 (SMTP) or -ERR [SYS/TEMP] (POP3). For load generators.")
    var sessionsPerClient: Int?

    @Option(help: "What the console's 'restart' runs to reboot the box (the appliance's unit gives 'systemctl reboot'); without it 'restart' is refused.")
    var restartCommand: String?

    @Option(help: "What the console's 'firmware update URL' runs after writing the URL to /run/mailsec/update-url (the appliance image's unit gives 'systemctl start --no-block mailsec-update.service'); without it the command is refused.")
    var updateCommand: String?

    func validate() throws {
        // The floor of one session must fit, and the product is meant for a box with < 4 GiB.
        guard (1...4096).contains(memoryBudget) else { throw ValidationError("--memory-budget must be 1–4096 MiB") }
        guard sessionsPerClient.map({ (1...100_000).contains($0) }) ?? true else { throw ValidationError("--sessions-per-client must be 1–100000") }
        // A certificate without its key (or the reverse) cannot be presented at all.
        guard (yscClientCert == nil) == (yscClientKey == nil) else {
            throw ValidationError("--ysc-client-cert and --ysc-client-key go together: give both or neither")
        }
    }

    func run() async throws {
        AllocatorTuning.apply()
        // First: a SIGTERM during start-up must stop the daemon cleanly, not kill it.
        let signals = SignalWaiter()
        let store = ConfigStore(path: config)
        let (initial, problems) = Self.load(store)
        let syslog = SyslogSender(settings: initial.syslog, hostname: ProcessInfo.processInfo.hostName,
                                  localSocketPath: syslogSocket)
        let report: @Sendable (String, SyslogSeverity) -> Void = { line, severity in
            FileHandle.standardError.write(Data("mailsecd: \(line)\n".utf8))
            syslog.log(text: line, severity: severity)
        }
        problems.forEach { report($0, .warning) }
        let statistics = MailStatistics()
        let interception = try InterceptionStartup.decide(
            interceptionOptions,
            transparentListenerGiven: smtpTransparent != nil || pop3Transparent != nil,
            explicitProxyGiven: smtpListen != nil || pop3Listen != nil)
        // Where TPROXY delivers: the listeners given; with none given, both at the firmware's
        // ports. Appliance rules divert both protocols, so there a missing one takes its default.
        let bothByDefault = (self.smtpTransparent == nil && self.pop3Transparent == nil) || interception.mayLoadRules
        let smtpTransparent = interception.runsTransparentListeners
            ? self.smtpTransparent ?? (bothByDefault ? FirmwareDefaults.smtpTransparentListener : nil) : nil
        let pop3Transparent = interception.runsTransparentListeners
            ? self.pop3Transparent ?? (bothByDefault ? FirmwareDefaults.pop3TransparentListener : nil) : nil
        let interceptionDriver = interception.runsTransparentListeners ? InterceptionDriver(
            startup: interception,
            smtpListenerPort: try Self.port(of: smtpTransparent ?? FirmwareDefaults.smtpTransparentListener),
            pop3ListenerPort: try Self.port(of: pop3Transparent ?? FirmwareDefaults.pop3TransparentListener),
            report: report,
            uninspected: { count, family in
                statistics.recordUninspectedSessions(count)
                syslog.log(.uninspectedSessions(count: count, family: family))
            }) : nil

        var yscAPIKey: String?
        if let yscApiKeyFile {
            let line = (try? String(contentsOfFile: yscApiKeyFile, encoding: .utf8))?
                .split(separator: "\n", omittingEmptySubsequences: false).first
                .map { $0.trimmingCharacters(in: .whitespaces) }
            if let line, !line.isEmpty { yscAPIKey = line } else {
                // Never the key itself in the log: only that it could not be used.
                report("cannot read an API key from \(yscApiKeyFile); scan requests go without one", .warning)
            }
        }
        var yscClientCertificate: ScanClientCertificate?
        if let yscClientCert, let yscClientKey {
            yscClientCertificate = ScanClientCertificate(certificatePath: yscClientCert, keyPath: yscClientKey)
            // libcurl reads them only when it connects: a file that cannot be read is reported
            // at start, not only as a TLS error on every scan.
            for path in [yscClientCert, yscClientKey] where !FileManager.default.isReadableFile(atPath: path) {
                report("cannot read \(path): connections to the scan service fail until it can be read", .warning)
            }
        }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let scanClient = ScanClient(
            configuration: ScanServices.clientConfiguration(initial, caBundlePath: yscCa, apiKey: yscAPIKey,
                                                            clientCertificate: yscClientCertificate),
            log: { syslog.log($0) })
        let licenseClient = LicenseClient(scanClient: scanClient, serial: boxSerial(),
                                          product: FirmwareDefaults.licenseProduct)
        let scanServices = ScanServices(scanClient: scanClient, licenseClient: licenseClient)
        licenseClient.start(on: group.next())
        let proxySettings = ProxySettingsProvider(ProxySettings(initial))
        let tls = TLSWiring.start(stateDirectory: stateDir, anchorsOption: tlsUpstreamCa, configuration: initial, report: report)
        let monitor = MonitorWiring(scanClient: scanClient, availability: { scanServices.availability },
                                    eventLoop: group.next(), log: { syslog.log($0) }, report: report)
        let services = DaemonServices(syslog: syslog, statistics: statistics, scanStatus: scanServices,
                                      configurationObserver: {
                                          proxySettings.update(ProxySettings($0))
                                          TLSWiring.apply($0, to: tls, anchorsOption: tlsUpstreamCa, report: report)
                                          interceptionDriver?.configurationChanged($0)
                                          monitor.apply($0)
                                      },
                                      interceptionStatus: { interceptionDriver?.statusLine ?? "off: nothing intercepted" },
                                      monitorStatus: { monitor.statistics.render() },
                                      firmware: FirmwareOperations(restartCommand: restartCommand.map { $0.split(separator: " ").map(String.init) },
                                                                    updateCommand: updateCommand.map { $0.split(separator: " ").map(String.init) }),
                                      siteCertificateAuthority: { TLSWiring.authorityInfo(tls) })
        let console = ApplianceConsole(configuration: initial, store: store, services: services)
        services.configurationChanged(initial, events: Self.loadEvents(initial))

        let threadPool = NIOThreadPool(numberOfThreads: 1)
        threadPool.start()
        let server = try await ControlServer.start(path: control, console: console, group: group, threadPool: threadPool)
        // The mail sessions get a loop per core; the console and the licence keep their own.
        let mailGroup = MultiThreadedEventLoopGroup(numberOfThreads: System.coreCount)
        // Spill files and the decisions about detected messages: blocking or long work, never on a loop.
        let mailThreadPool = NIOThreadPool(numberOfThreads: System.coreCount)
        mailThreadPool.start()
        let budget = MemoryBudget(configuration: MemoryBudget.Configuration(totalBytes: memoryBudget * 1024 * 1024))
        // The listeners the options ask for: explicit (a fixed server) and transparent (the
        // original destination), SMTP and POP3.
        var listenerSpecs: [MailListenerSpec] = []
        let asked: [(MailProtocol, String?, String?, String?)] = [
            (.smtp, smtpListen, smtpUpstream, smtpTransparent), (.pop3, pop3Listen, pop3Upstream, pop3Transparent),
        ]
        for (mailProtocol, listen, upstream, transparent) in asked {
            if let listen, let upstream {
                listenerSpecs.append(MailListenerSpec(mailProtocol: mailProtocol, listen: listen, upstream: upstream))
            } else if listen != nil || upstream != nil {
                let flag = mailProtocol.rawValue
                report("--\(flag)-listen and --\(flag)-upstream go together; \(mailProtocol.logName) proxy not started", .warning)
            }
            if let transparent {
                listenerSpecs.append(MailListenerSpec(mailProtocol: mailProtocol, listen: transparent, upstream: nil))
            }
        }
        // One spool for every listener, opened (and cleaned of a crash's leftovers) once, at start.
        let spoolDirectory = listenerSpecs.isEmpty ? nil : try SpoolDirectory.open(path: spool, threadPool: mailThreadPool)
        // SMTP scans as `send`; POP3 as `receive`, within the relay's cap on a RETR's wait (the
        // relay ends the wait earlier when comforting runs out, docs/pop3-client-comforting.md).
        let smtpScan = MailScanService.ysc(client: scanClient, availability: { scanServices.availability })
        let pop3Scan = MailScanService.ysc(client: scanClient, availability: { scanServices.availability },
                                           operation: .receive, budget: POP3ProxyLimits.scanBudget)
        var mailListeners: [ProxyListener] = []
        // A transparent listener per IP version (`0.0.0.0:10025,[::]:10025`), one session table each.
        for spec in listenerSpecs {
            guard let spoolDirectory else { break }
            for address in try Self.socketAddresses(spec.listen) {
                let upstream: any UpstreamSelector = try spec.upstream.map { FixedUpstream(address: try Self.socketAddress($0)) }
                    ?? OriginalDestinationUpstream(spoofClientAddress: true, listenerPort: address.port)
                let environment = RelayEnvironment(
                    settings: proxySettings,
                    scanService: spec.mailProtocol == .smtp ? smtpScan : pop3Scan,
                    budget: budget,
                    spillStorage: spoolDirectory,
                    accounting: MailAccounting(statistics: statistics, log: { syslog.log($0) }),
                    upstream: upstream,
                    hostname: ProcessInfo.processInfo.hostName,
                    decisionThreadPool: mailThreadPool,
                    clientSessions: ClientSessionTable(limit: { [sessionsPerClient] in sessionsPerClient ?? proxySettings.current.sessionsPerClient }),
                    timeDivisor: timeDivisor,
                    tls: tls)
                if spec.upstream != nil {
                    mailListeners.append(try await ProxyListener.start(
                        listeningOn: address, group: mailGroup, environment: environment, mailProtocol: spec.mailProtocol).get())
                } else {
                    try await Self.startTransparent(on: address, report: report, into: &mailListeners) {
                        try await ProxyListener.start(listeningOn: address, group: mailGroup, environment: environment,
                                                      transparent: true, mailProtocol: spec.mailProtocol).get()
                    }
                }
            }
            report(spec.description, .info)
        }
        report("interception \(interception.sourceDescription)"
               + (interception.portMap.map { ", port map \($0.origin): \($0.map.mode.rawValue) lan1 \($0.map.lan1) lan2 \($0.map.lan2)" } ?? ""), .info)
        let web = WebConsoleLauncher.start(
            .init(listen: httpListen, stateDirectory: stateDir, lan1Interface: interception.portMap?.map.lan1 ?? "lan1"),
            console: console, statistics: statistics, scan: scanServices, gauges: {
                SessionGauges(sessions: budget.counters.sessions, inUseBytes: budget.chargedBytes,
                              budgetBytes: budget.configuration.totalBytes, spoolBytes: budget.counters.onDiskBytes)
            }, syslog: syslog, threadPool: threadPool, report: report)
        // The rules go in once the listeners they divert to are up.
        interceptionDriver?.activate { console.configuration }
        report("started; console on \(control), configuration \(config)", .info)

        await signals.run(onReload: {
            let (reloaded, problems) = Self.load(store)
            problems.forEach { report($0, .warning) }
            let previous = console.configuration
            console.replaceConfiguration(reloaded)
            if reloaded.enabledWhiteListSet != previous.enabledWhiteListSet {
                services.configurationChanged(reloaded, events: Self.loadEvents(reloaded))
            }
            report("configuration reloaded from \(store.path)", .info)
        })

        // Rules out first: from now on mail passes untouched, not to a closing listener.
        await interceptionDriver?.shutdown()
        web?.cancel()
        await web?.value
        monitor.stop()
        for listener in mailListeners { try? await listener.close().get() }
        try? await mailGroup.shutdownGracefully()
        try? await mailThreadPool.shutdownGracefully()
        await server.stop()
        licenseClient.stop()
        scanClient.shutdown()
        try await threadPool.shutdownGracefully()
        try await group.shutdownGracefully()
        report("stopped", .info)
    }

    /// `HOST:PORT` (an IPv6 host in brackets) as a socket address; the host is resolved once.
    private static func socketAddress(_ text: String) throws -> SocketAddress {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]) else {
            throw ValidationError("expected HOST:PORT, got '\(text)'")
        }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return try SocketAddress.makeAddressResolvingHost(host, port: port)
    }

    /// Starts one transparent listener. A kernel without IPv6 (`ipv6.disable=1`: EAFNOSUPPORT)
    /// forwards no IPv6 either, so the IPv6 listener of the default pair is skipped with a
    /// warning there instead of stopping the daemon; any other failure stops it.
    private static func startTransparent(on address: SocketAddress, report: (String, SyslogSeverity) -> Void,
                                         into listeners: inout [ProxyListener],
                                         _ start: () async throws -> ProxyListener) async throws {
        do {
            listeners.append(try await start())
        } catch let error as IOError where error.errnoCode == EAFNOSUPPORT && address.protocol == .inet6 {
            report("no IPv6 on this host: transparent listener \(address) not started (\(error))", .warning)
        }
    }

    /// `ADDR:PORT[,ADDR:PORT]`: a transparent listener per IP version (`0.0.0.0:10025,[::]:10025`),
    /// all on one port, the one the interception rules divert to.
    private static func socketAddresses(_ text: String) throws -> [SocketAddress] {
        let addresses = try text.split(separator: ",", omittingEmptySubsequences: false)
            .map { try socketAddress(String($0)) }
        guard Set(addresses.map(\.port)).count == 1 else {
            throw ValidationError("the addresses in '\(text)' must share one port")
        }
        return addresses
    }

    /// The port of `ADDR:PORT` (or of the list `socketAddresses` reads).
    private static func port(of text: String) throws -> UInt16 {
        guard let port = try socketAddresses(text).first?.port, let value = UInt16(exactly: port), value != 0 else {
            throw ValidationError("no port in '\(text)'")
        }
        return value
    }

    /// `--serial`, else the firmware's serial file, else the machine id (a lab box has no label).
    private func boxSerial() -> String {
        if let serial { return serial }
        for path in [FirmwareDefaults.serialPath, "/etc/machine-id"] {
            if let text = try? String(contentsOfFile: path, encoding: .utf8) {
                let line = text.trimmingCharacters(in: .whitespacesAndNewlines)
                if !line.isEmpty { return line }
            }
        }
        return "UNSET"
    }

    /// A loaded file takes effect as a whole: an enabled white-list set is logged as enabled.
    private static func loadEvents(_ configuration: Configuration) -> [ConfigEvent] {
        configuration.enabledWhiteListSet.map { [.whiteListSetEnabled($0)] } ?? []
    }

    /// Applies every valid line and reports each bad one with its line number: a typo
    /// must never keep the box from starting, nor be ignored silently.
    private static func load(_ store: ConfigStore) -> (Configuration, [String]) {
        let text: String
        do { text = try store.read() } catch {
            return (Configuration(), ["cannot read \(store.path): \(error); starting on the defaults"])
        }
        let (configuration, problems) = Configuration.load(text)
        return (configuration, problems.map {
            "\(store.path) line \($0.lineNumber): '\($0.line)': \($0.error.message)"
        })
    }
}

/// One mail listener the options ask for: explicit mode with a fixed server, or transparent
/// (TPROXY) mode with the original destination when `upstream` is nil.
struct MailListenerSpec {
    var mailProtocol: MailProtocol
    var listen: String
    var upstream: String?

    /// The start-up line that names it.
    var description: String {
        guard let upstream else { return "\(mailProtocol.logName) transparent proxy on \(listen)" }
        return "\(mailProtocol.logName) proxy on \(listen), server \(upstream)"
    }
}

import ApplianceConfig
import ArgumentParser
import ControlPlane
import Foundation
import Interception
import MailProxy
import Monitoring
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

    @Option(help: "SMTP with implicit TLS (submissions, 465), explicit mode: listen on ADDR:PORT … (docs/tls.md)")
    var smtpsListen: String?

    @Option(help: "… and relay every session, TLS on both halves, to the mail server HOST:PORT.")
    var smtpsUpstream: String?

    @Option(help: "POP3 with implicit TLS (995), explicit mode: listen on ADDR:PORT …")
    var pop3sListen: String?

    @Option(help: "… and relay every session, TLS on both halves, to the POP3 server HOST:PORT.")
    var pop3sUpstream: String?

    @Option(help: "SMTP with implicit TLS, transparent mode: the TPROXY listener for the 'port tls smtp' ports, as --smtp-transparent (default with appliance interception: 0.0.0.0:10465,[::]:10465).")
    var smtpsTransparent: String?

    @Option(help: "POP3 with implicit TLS, transparent mode: the TPROXY listener for the 'port tls pop' ports, as --pop3-transparent (default with appliance interception: 0.0.0.0:10995,[::]:10995).")
    var pop3sTransparent: String?

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
        let (initial, problems) = store.loadReportingProblems()
        let syslog = SyslogSender(settings: initial.syslog, hostname: ProcessInfo.processInfo.hostName,
                                  localSocketPath: syslogSocket)
        let report: @Sendable (String, SyslogSeverity) -> Void = { line, severity in
            FileHandle.standardError.write(Data("mailsecd: \(line)\n".utf8))
            syslog.log(text: line, severity: severity)
        }
        problems.forEach { report($0, .warning) }
        let statistics = MailStatistics()
        let given = TransparentListeners(smtp: smtpTransparent, pop3: pop3Transparent,
                                         smtps: smtpsTransparent, pop3s: pop3sTransparent)
        let interception = try interceptionOptions.startup(
            transparentListenerGiven: given != TransparentListeners(),
            explicitProxyGiven: [smtpListen, pop3Listen, smtpsListen, pop3sListen].contains { $0 != nil })
        let transparent = interception.transparentListeners(given: given, defaults: TransparentListeners(
            smtp: FirmwareDefaults.smtpTransparentListener, pop3: FirmwareDefaults.pop3TransparentListener,
            smtps: FirmwareDefaults.smtpsTransparentListener, pop3s: FirmwareDefaults.pop3sTransparentListener))
        let interceptionDriver = interception.runsTransparentListeners ? InterceptionDriver(
            startup: interception,
            smtpListenerPort: try Self.port(of: transparent.smtp ?? FirmwareDefaults.smtpTransparentListener),
            pop3ListenerPort: try Self.port(of: transparent.pop3 ?? FirmwareDefaults.pop3TransparentListener),
            smtpsListenerPort: try transparent.smtps.map(Self.port(of:)),
            pop3sListenerPort: try transparent.pop3s.map(Self.port(of:)),
            report: report,
            uninspected: { count, family in
                statistics.recordUninspectedSessions(count)
                syslog.log(.uninspectedSessions(count: count, family: family))
            }) : nil

        let credentials = ScanCredentials(apiKeyFile: yscApiKeyFile, clientCertificate: yscClientCert, clientKey: yscClientKey)
        credentials.warnings.forEach { report($0, .warning) }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let scanClient = ScanClient(
            configuration: ScanServices.clientConfiguration(initial, caBundlePath: yscCa, apiKey: credentials.apiKey,
                                                            clientCertificate: credentials.clientCertificate),
            log: { syslog.log($0) })
        let licenseClient = LicenseClient(scanClient: scanClient, serial: FirmwareDefaults.boxSerial(override: serial),
                                          product: FirmwareDefaults.licenseProduct)
        let scanServices = ScanServices(scanClient: scanClient, licenseClient: licenseClient)
        licenseClient.start(on: group.next())
        let proxySettings = ProxySettingsProvider(ProxySettings(initial))
        let tls = TLSWiring.start(stateDirectory: stateDir, anchorsOption: tlsUpstreamCa, configuration: initial, report: report)
        let monitor = MonitorService(scanClient: scanClient, availability: { scanServices.availability },
                                     eventLoop: group.next(), log: { syslog.log($0) }, report: report)
        let webGuard = WebConsoleGuardDriver.needed(by: interception, port: WebConsoleLauncher.port(listen: httpListen, configuration: initial), report: report)
        let services = DaemonServices(syslog: syslog, statistics: statistics, scanStatus: scanServices,
                                      configurationObserver: {
                                          proxySettings.update(ProxySettings($0))
                                          TLSWiring.apply($0, to: tls, anchorsOption: tlsUpstreamCa, report: report)
                                          interceptionDriver?.configurationChanged($0)
                                          webGuard?.follow($0.httpdHosts)
                                          monitor.apply($0)
                                      },
                                      interceptionStatus: { interceptionDriver?.statusLine ?? "off: nothing intercepted" },
                                      monitorStatus: { monitor.statistics.render() },
                                      firmware: FirmwareOperations(restartCommand: restartCommand.map { $0.split(separator: " ").map(String.init) },
                                                                    updateCommand: updateCommand.map { $0.split(separator: " ").map(String.init) }),
                                      siteCertificateAuthority: { TLSWiring.authorityInfo(tls) })
        let console = ApplianceConsole(configuration: initial, store: store, services: services)
        services.configurationChanged(initial, events: initial.loadEvents)

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
        let (plainSpecs, listenerWarnings) = MailListenerSpec.specs([
            (.smtp, .init(listen: smtpListen, upstream: smtpUpstream, transparent: transparent.smtp)),
            (.pop3, .init(listen: pop3Listen, upstream: pop3Upstream, transparent: transparent.pop3)),
        ])
        let (implicitSpecs, implicitWarnings) = MailListenerSpec.specs([
            (.smtp, .init(listen: smtpsListen, upstream: smtpsUpstream, transparent: transparent.smtps)),
            (.pop3, .init(listen: pop3sListen, upstream: pop3sUpstream, transparent: transparent.pop3s)),
        ], implicitTLS: true)
        let listenerSpecs = plainSpecs + implicitSpecs
        (listenerWarnings + implicitWarnings).forEach { report($0, .warning) }
        // One spool for every listener, opened (and cleaned of a crash's leftovers) once, at start.
        let spoolDirectory = listenerSpecs.isEmpty ? nil : try SpoolDirectory.open(path: spool, threadPool: mailThreadPool)
        // SMTP scans as `send`; POP3 as `receive`, within the relay's cap on a RETR's wait (the
        // relay ends the wait earlier when comforting runs out, docs/pop3-client-comforting.md).
        let smtpScan = MailScanService.ysc(client: scanClient, availability: { scanServices.availability })
        let pop3Scan = MailScanService.ysc(client: scanClient, availability: { scanServices.availability },
                                           operation: .receive, budget: POP3ProxyLimits.scanBudget)
        var mailListeners: [ProxyListener] = []
        if let spoolDirectory {
            mailListeners = try await ProxyListener.start(listenerSpecs, group: mailGroup, environment: { spec, upstream in
                var environment = RelayEnvironment(
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
                environment.implicitTLS = spec.implicitTLS
                return environment
            }, report: report)
        }
        report(interception.startupLine, .info)
        let web = WebConsoleLauncher.start(
            .init(listen: httpListen, stateDirectory: stateDir, lan1Networks: webGuard.map { webGuard in
                WebConsoleLauncher.Options.lan1Networks(bridge: interception.portMap?.map.bridge ?? "br0", guarded: webGuard.isInForce)
            } ?? WebConsoleLauncher.Options.lan1Networks(of: interception.portMap?.map.lan1 ?? "lan1")),
            console: console, statistics: statistics, scan: scanServices, gauges: {
                SessionGauges(sessions: budget.counters.sessions, inUseBytes: budget.chargedBytes,
                              budgetBytes: budget.configuration.totalBytes, spoolBytes: budget.counters.onDiskBytes)
            }, syslog: syslog, threadPool: threadPool, report: report)
        // The rules go in once the listeners they divert to are up.
        interceptionDriver?.activate { console.configuration }
        report("started; console on \(control), configuration \(config)", .info)

        await signals.run(onReload: {
            let (reloaded, problems) = store.loadReportingProblems()
            problems.forEach { report($0, .warning) }
            let previous = console.configuration
            console.replaceConfiguration(reloaded)
            if reloaded.enabledWhiteListSet != previous.enabledWhiteListSet {
                services.configurationChanged(reloaded, events: reloaded.loadEvents)
            }
            report("configuration reloaded from \(store.path)", .info)
        })

        // Rules out first: from now on mail passes untouched, not to a closing listener.
        await interceptionDriver?.shutdown()
        web?.cancel()
        await web?.value
        await webGuard?.shutdown()
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

    /// The port of a listener option; an option without one is a usage error.
    private static func port(of text: String) throws -> UInt16 {
        do { return try ListenAddress.port(of: text) } catch { throw ValidationError("\(error)") }
    }
}

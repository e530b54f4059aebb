import ApplianceConfig
import Foundation
import SyslogIO
import Telemetry

/// The running appliance's side of the console: status reports, histories, the log, and
/// applying configuration changes live (syslog targets now; ports and policies as the
/// proxies arrive).
public final class DaemonServices: ApplianceServices {
    public let syslog: SyslogSender
    public let statistics: MailStatistics
    /// Status of the scan service and the licence, rendered for `show status ysc` /
    /// `show status license`; nil until a scan client is wired in.
    private let scanStatus: (any ScanStatusReporting)?
    /// Told of every configuration change (the mail proxies' live settings).
    private let configurationObserver: (@Sendable (Configuration) -> Void)?
    /// The Interception row of `show status mail security` (mode, whether the rules are in).
    private let interceptionStatus: (@Sendable () -> String)?
    /// `show status mail security monitor`, rendered by monitor-only mode; nil when the daemon
    /// was built without it.
    private let monitorStatus: (@Sendable () -> String)?
    /// `restart` and `show environment`: the box's own operations (`FirmwareOperations`).
    private let firmware: FirmwareOperations
    /// `show mail security tls ca`: the site CA of the daemon's TLS interception (mailsecd reads
    /// it from `SiteAuthority`); nil when the daemon runs without one.
    private let siteCertificateAuthority: (@Sendable () -> SiteCertificateAuthorityInfo?)?

    public init(syslog: SyslogSender, statistics: MailStatistics, scanStatus: (any ScanStatusReporting)? = nil,
                configurationObserver: (@Sendable (Configuration) -> Void)? = nil,
                interceptionStatus: (@Sendable () -> String)? = nil,
                monitorStatus: (@Sendable () -> String)? = nil,
                firmware: FirmwareOperations = FirmwareOperations(),
                siteCertificateAuthority: (@Sendable () -> SiteCertificateAuthorityInfo?)? = nil) {
        self.syslog = syslog
        self.statistics = statistics
        self.scanStatus = scanStatus
        self.configurationObserver = configurationObserver
        self.interceptionStatus = interceptionStatus
        self.monitorStatus = monitorStatus
        self.firmware = firmware
        self.siteCertificateAuthority = siteCertificateAuthority
    }

    public func perform(_ operation: ConsoleOperation, configuration: Configuration) -> ConsoleReply {
        switch operation {
        case .showStatusMailSecurity(history: false):
            return ok(statistics.renderMailSecurityStatus(
                use: configuration.mailSecurityEnabled,
                licenseState: scanStatus?.licenseStateName ?? "unknown",
                yscState: scanStatus?.serviceStateName ?? "unknown",
                interception: interceptionStatus?()))
        case .showStatusMailSecurity(history: true):
            return ok(statistics.renderDetectionHistory())
        case .showStatusWhiteList(history: false):
            return ok(statistics.renderWhiteListStatus(patterns: configuration.whiteListPatterns.keys.sorted()))
        case .showStatusWhiteList(history: true):
            return ok(statistics.renderWhiteListHistory())
        case .showStatusMonitor:
            guard let monitorStatus else { return .error("Error: Monitor-only mode is not available") }
            return ok(monitorStatus())
        case .clearMailSecurityHistory:
            statistics.clearDetectionHistory()
            return ok("")
        case .clearWhiteListHistory:
            statistics.clearWhiteListHistory()
            return ok("")
        case .showLog:
            return ok(syslog.recentLines.rendered())
        case .showStatusYSC:
            guard let scanStatus else { return .error("Error: The scan client is not running") }
            return ok(scanStatus.renderServiceStatus())
        case .clearStatusYSC:
            guard let scanStatus else { return .error("Error: The scan client is not running") }
            scanStatus.clearServiceStatistics()
            return ok("")
        case .showStatusLicense:
            guard let scanStatus else { return .error("Error: The licence client is not running") }
            return ok(scanStatus.renderLicenseStatus())
        case .showEnvironment:
            return ok(firmware.environment().rendered())
        case .restart:
            return firmware.restart()
        case .firmwareUpdate(let url):
            return firmware.update(url: url)
        case .showMailSecurityTLSCA:
            guard let authority = siteCertificateAuthority?() else {
                return .error("Error: Encrypted mail inspection is not running (mailsecd has no site CA)")
            }
            return ok(authority.rendered())
        case .showConfig, .save, .help, .showCommand:
            // Answered by the console itself; reaching here is our own wiring mistake.
            return .error("Error: Invalid command name")
        }
    }

    public func configurationChanged(_ configuration: Configuration, events: [ConfigEvent]) {
        syslog.reconfigure(configuration.syslog)
        scanStatus?.configurationChanged(configuration)
        configurationObserver?(configuration)
        for event in events {
            switch event {
            case .statisticsCleared:
                statistics.reset()
            case .whiteListSetEnabled(let set):
                syslog.log(.whiteListSetEnabled(set: set))
            }
        }
    }

    private func ok(_ text: String) -> ConsoleReply { ConsoleReply(ok: true, output: text) }
}

/// What the console needs from the scan client and the licence client.
public protocol ScanStatusReporting: AnyObject, Sendable {
    var licenseStateName: String { get }
    var serviceStateName: String { get }
    func renderServiceStatus() -> String
    func clearServiceStatistics()
    func renderLicenseStatus() -> String
    func configurationChanged(_ configuration: Configuration)
}

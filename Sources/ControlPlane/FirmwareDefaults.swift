import Foundation

/// Where the appliance keeps its files when nothing else is said on the command line.
public enum FirmwareDefaults {
    public static let configPath = "/etc/mailsec/mailsec.conf"
    /// In a directory of its own, so that a sandboxed daemon (firmware/systemd/mailsecd.service:
    /// read-only file system, RuntimeDirectory=mailsec) can create it.
    public static let controlSocket = "/run/mailsec/mailsecd.sock"
    /// The daemon's runtime directory (its unit's RuntimeDirectory=mailsec).
    public static let runtimeDirectory = "/run/mailsec"
    public static let localSyslogSocket = "/dev/log"
    /// The private CA that signed the bundled scan service's certificate.
    public static let yscCABundle = "/etc/mailsec/ysc-ca.pem"
    /// The box's licence serial number, one line.
    public static let serialPath = "/etc/mailsec/serial"
    /// The product the licence is activated for.
    public static let licenseProduct = "mail-security"
    /// Where messages too large for memory wait while they are scanned and delivered.
    public static let spoolDirectory = "/var/spool/mailsec"
    /// Which interfaces are LAN1 and LAN2, and router or bridge mode (the repository's
    /// `firmware/portmap` is installed here).
    public static let portMapPath = "/etc/mailsec/portmap"
    /// The transparent listeners TPROXY delivers intercepted mail to (all addresses: TPROXY
    /// keeps the original destination as the accepted socket's local address), one per IP
    /// version on the same port: the ruleset diverts both families to that port.
    public static let smtpTransparentListener = "0.0.0.0:10025,[::]:10025"
    public static let pop3TransparentListener = "0.0.0.0:10110,[::]:10110"
    /// The same for the implicit-TLS ports (465, 995): TLS from the first byte.
    public static let smtpsTransparentListener = "0.0.0.0:10465,[::]:10465"
    public static let pop3sTransparentListener = "0.0.0.0:10995,[::]:10995"
    /// The firmware's version, one line, written when the package is built (`show environment`).
    public static let versionPath = "/usr/share/mailsec/version"

    /// The licence serial: `override` (`--serial`), else the firmware's serial file, else the
    /// machine id (a lab box has no label).
    public static func boxSerial(override: String?, paths: [String] = [serialPath, "/etc/machine-id"]) -> String {
        if let override { return override }
        for path in paths {
            if let text = try? String(contentsOfFile: path, encoding: .utf8) {
                let line = text.trimmingCharacters(in: .whitespacesAndNewlines)
                if !line.isEmpty { return line }
            }
        }
        return "UNSET"
    }
}

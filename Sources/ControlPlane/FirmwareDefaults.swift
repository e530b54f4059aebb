/// Where the appliance keeps its files when nothing else is said on the command line.
public enum FirmwareDefaults {
    public static let configPath = "/etc/mailsec/mailsec.conf"
    public static let controlSocket = "/run/mailsecd.sock"
    public static let localSyslogSocket = "/dev/log"
}

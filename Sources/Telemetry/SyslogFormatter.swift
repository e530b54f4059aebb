import Foundation

/// Turns one log line into the bytes of one syslog datagram. Pure: the time, host name and
/// process ID are given, so every output can be checked byte for byte.
///
/// RFC 3164 (BSD syslog, what routers send):
/// ```
/// <14>Nov 25 22:45:00 fw1 mailsecd[812]: [MAIL_SEC] Detect spam mail (95)
/// ```
/// RFC 5424 (no structured data, MSGID names the catalogue entry):
/// ```
/// <14>1 2026-11-25T22:45:00.000Z fw1 mailsecd 812 detectSpam - [MAIL_SEC] Detect spam mail (95)
/// ```
public struct SyslogFormatter: Sendable {
    public var format: SyslogFormat
    public var facility: SyslogFacility
    public var hostname: String
    public var appName: String
    public var processID: Int
    /// RFC 3164 §4.1.2 wants local time; RFC 5424 carries the offset, so either is exact.
    public var timeZone: TimeZone

    public init(format: SyslogFormat, facility: SyslogFacility, hostname: String,
                appName: String = "mailsecd", processID: Int, timeZone: TimeZone = TimeZone(identifier: "UTC")!) {
        self.format = format
        self.facility = facility
        self.hostname = hostname
        self.appName = appName
        self.processID = processID
        self.timeZone = timeZone
    }

    /// RFC 5424 §6.2.1 / RFC 3164 §4.1.1: PRI = facility × 8 + severity.
    public static func priority(facility: SyslogFacility, severity: SyslogSeverity) -> Int {
        facility.code * 8 + severity.rawValue
    }

    /// The datagram for a network collector, at most `TelemetryLimits.rfc3164DatagramBytes`
    /// or `rfc5424DatagramBytes` long; a longer message is cut on a UTF-8 character boundary.
    public func datagram(text: String, severity: SyslogSeverity, messageID: String? = nil, date: Date) -> [UInt8] {
        let pri = "<\(Self.priority(facility: facility, severity: severity))>"
        let time = CivilTime(date, timeZone: timeZone)
        switch format {
        case .rfc3164:
            // RFC 3164 §4.1.2: HOSTNAME must not contain spaces; §4.1.3: TAG ≤ 32 alphanumerics,
            // then the conventional "[PID]: " that every BSD syslog(3) writes.
            let header = pri + time.rfc3164 + " "
                + Self.token(hostname, limit: TelemetryLimits.rfc5424HostnameCharacters) + " "
                + Self.tag(appName) + "[\(processID)]: "
            return Self.assemble(header: header, text: text, limit: TelemetryLimits.rfc3164DatagramBytes)
        case .rfc5424:
            // RFC 5424 §6: HEADER SP STRUCTURED-DATA [SP MSG]; "-" is the NILVALUE. The MSG is
            // sent without the UTF-8 BOM (MSG-ANY, §6.4): the catalogue is ASCII and many
            // collectors would show the BOM as garbage.
            let header = pri + "1 " + time.rfc3339 + " "
                + Self.token(hostname, limit: TelemetryLimits.rfc5424HostnameCharacters) + " "
                + Self.token(appName, limit: TelemetryLimits.rfc5424AppNameCharacters) + " "
                + Self.token(String(processID), limit: TelemetryLimits.rfc5424ProcIDCharacters) + " "
                + Self.token(messageID ?? "-", limit: TelemetryLimits.rfc5424MessageIDCharacters) + " - "
            return Self.assemble(header: header, text: text, limit: TelemetryLimits.rfc5424DatagramBytes)
        }
    }

    /// The datagram for the local syslog socket: what glibc's syslog(3) writes,
    /// `<PRI>Mmm dd hh:mm:ss TAG[PID]: MSG` with no HOSTNAME (the local daemon adds its own),
    /// whatever `format` says, because local daemons (rsyslog imuxsock, journald) parse this form.
    public func localDatagram(text: String, severity: SyslogSeverity, date: Date) -> [UInt8] {
        let header = "<\(Self.priority(facility: facility, severity: severity))>"
            + CivilTime(date, timeZone: timeZone).rfc3164 + " " + Self.tag(appName) + "[\(processID)]: "
        return Self.assemble(header: header, text: text, limit: TelemetryLimits.rfc3164DatagramBytes)
    }

    /// Convenience for tests and docs: the datagram as text.
    public func line(text: String, severity: SyslogSeverity, messageID: String? = nil, date: Date) -> String {
        String(decoding: datagram(text: text, severity: severity, messageID: messageID, date: date), as: UTF8.self)
    }

    // MARK: - building blocks

    /// Header + sanitised message, cut to `limit` bytes without splitting a UTF-8 sequence.
    static func assemble(header: String, text: String, limit: Int) -> [UInt8] {
        var out = Array(header.utf8.prefix(limit))
        let room = limit - out.count
        guard room > 0 else { return out }
        var message = Array(text.utf8.prefix(room + 1).map(sanitised))
        if message.count > room {
            var cut = room
            // A continuation byte (10xxxxxx) cannot start a character: back up to a lead byte.
            while cut > 0 && message[cut] & 0xC0 == 0x80 { cut -= 1 }
            message.removeSubrange(cut...)
        }
        out += message
        return out
    }

    /// Control characters (CR, LF, ESC, …) become spaces: one event is one line at the
    /// collector, and text from the wire (virus names, host names) cannot forge a second line.
    private static func sanitised(_ byte: UInt8) -> UInt8 {
        byte < 0x20 || byte == 0x7F ? 0x20 : byte
    }

    /// A header field: PRINTUSASCII only (RFC 5424 §6), bounded, "-" when empty.
    static func token(_ value: String, limit: Int) -> String {
        let printable = value.unicodeScalars.prefix(limit).map { s -> Character in
            (33...126).contains(s.value) ? Character(s) : "_"
        }
        return printable.isEmpty ? "-" : String(printable)
    }

    /// RFC 3164 §4.1.3 TAG: alphanumerics (and the usual `-_./`), at most 32, never empty.
    static func tag(_ value: String) -> String {
        let allowed = value.unicodeScalars.prefix(TelemetryLimits.rfc3164TagCharacters).map { s -> Character in
            s.isASCII && (s.properties.isAlphabetic || ("0"..."9").contains(s) || "-_./".unicodeScalars.contains(s))
                ? Character(s) : "_"
        }
        return allowed.isEmpty ? "-" : String(allowed)
    }
}

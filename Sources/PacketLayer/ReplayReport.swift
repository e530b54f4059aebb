import Telemetry

/// Offline replay of a capture file: the mail messages it carries.
public enum Replay {
    /// Reads the capture at `path` and returns its SMTP and POP3 messages (and encrypted
    /// sessions), ordered by the capture time of their end. Throws only when the file cannot be
    /// opened as a capture; a damaged record ends the reading and what came before is replayed.
    /// With `retention`, each message also carries its content (for `replay --scan`).
    public static func run(path: String, limits: TCPReassemblyLimits = .standard,
                           retention: ContentRetention? = nil) throws -> [ReplayedMessage] {
        let reader = try PcapReader(path: path)
        var analyser = ReplayAnalyser(limits: limits, retention: retention)
        while let frame = try reader.next() {
            analyser.add(frame: frame.bytes[...], linkType: reader.linkType, time: frame.time)
        }
        return analyser.finish()
    }
}

/// Renders replayed messages, one line each:
///
///     2009-10-05 06:06:10 SMTP from=<gurpartap@patriots.in> to=<raj_deol2002in@yahoo.co.in> size=4592 subject="SMTP"
///     2011-03-08 13:54:20 POP3 from=<a@example.com> to=<b@example.com>,<c@example.com> size=1214 subject="Re: hi" incomplete
///     2014-02-04 16:25:05 SMTP encrypted client=192.168.1.2:51225 server=74.125.24.108:25
///
/// - The time is the capture timestamp (UTC) of the packet that ended the message, to the second.
/// - `from=`/`to=`: addresses in angle brackets, comma-separated, `<>` for the null sender;
///   empty when none is known.
/// - `size=`: octets of the message after dot-unstuffing.
/// - `subject="…"`: the decoded Subject; `\` and `"` are escaped with a backslash; empty when
///   the message has none.
/// - A trailing word tells an unfinished message: `incomplete` (the capture or connection ended,
///   or the server answered, before a valid end of data — `CRLF.CRLF`) or `gap` (bytes of the
///   message are missing from the capture).
/// - An `encrypted` line stands for a session that switched to TLS and was not followed.
public enum ReplayReport {
    public static func render(_ messages: [ReplayedMessage]) -> String {
        messages.map(line).map { $0 + "\n" }.joined()
    }

    public static func line(_ message: ReplayedMessage) -> String {
        let head = "\(timestamp(message.time)) \(message.mailProtocol.logName)"
        if message.status == .encrypted {
            return "\(head) encrypted client=\(message.client) server=\(message.server)"
        }
        var line = "\(head) from=\(addresses(message.from)) to=\(addresses(message.to)) size=\(message.size)"
        line += " subject=\"\(escaped(message.subject ?? ""))\""
        switch message.status {
        case .incomplete: line += " incomplete"
        case .gap: line += " gap"
        case .complete, .encrypted: break
        }
        return line
    }

    static func addresses(_ list: [String]) -> String {
        list.map { "<\(escaped($0))>" }.joined(separator: ",")
    }

    /// Text for the report with control characters replaced (no quoting added).
    public static func escapedWord(_ text: String) -> String { escaped(text) }

    static func escaped(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            default:
                // Control characters never reach the report.
                if scalar.value < 0x20 || (0x7F..<0xA0).contains(scalar.value) {
                    out.unicodeScalars.append("\u{FFFD}")
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }

    /// `YYYY-MM-DD hh:mm:ss` in UTC (proleptic Gregorian calendar, no Foundation).
    public static func timestamp(_ time: CaptureTime) -> String {
        let (date, _, secondOfDay) = CivilDate.day(ofSecondsSince1970: Int(time.seconds))
        let (year, month, day) = (date.year, date.month, date.day)
        func two<N: BinaryInteger>(_ n: N) -> String { n < 10 ? "0\(n)" : "\(n)" }
        let y = String(year)
        let paddedYear = String(repeating: "0", count: max(0, 4 - y.count)) + y
        return "\(paddedYear)-\(two(month))-\(two(day)) \(two(secondOfDay / 3600)):\(two(secondOfDay % 3600 / 60)):\(two(secondOfDay % 60))"
    }
}

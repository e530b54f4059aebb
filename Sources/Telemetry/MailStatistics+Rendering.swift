import Foundation

extension MailStatistics {
    /// `show status mail security`:
    /// ```
    /// =======================================================
    /// Item                          Value
    /// -------------------------------------------------------
    /// Use                           on
    /// License                       active
    /// YSC                           available
    /// SMTP inspected                12
    /// …
    /// POP3 rejected, YSC failure    0
    /// =======================================================
    /// ```
    /// `interception`: the daemon's interception row (mode, ports, whether the rules are in).
    public func renderMailSecurityStatus(use: Bool, licenseState: String, yscState: String,
                                         interception: String? = nil) -> String {
        var rows: [(item: String, value: String)] = [
            ("Use", use ? "on" : "off"),
            ("License", licenseState),
            ("YSC", yscState),
        ]
        if let interception {
            rows.append(("Interception", interception))
            // Beside the interception row: mail that crossed the box without being intercepted.
            rows.append(("Sessions not inspected", String(uninspectedSessions)))
        }
        for mailProtocol in MailProtocol.allCases {
            for counter in MailCounter.allCases {
                rows.append(("\(mailProtocol.logName) \(counter.label)", String(value(counter, for: mailProtocol))))
            }
        }
        rows += tls.statusRows
        return StatusTable(rows: rows).rendered()
    }

    /// `show status mail security history`: the count, then one block per detection, newest first.
    public func renderDetectionHistory() -> String {
        let entries = detectionHistory
        let blocks = entries.map { entry -> [(item: String, value: String)] in
            [
                ("Date", CivilTime(entry.date, timeZone: timeZone).router),
                ("Protocol", "\(entry.mailProtocol.logName) (\(entry.mailProtocol.operation))"),
                ("From", entry.from),
                ("To", entry.to),
                ("Subject", entry.subject),
                ("Result", entry.result.rawValue),
                ("Action", entry.action.rawValue),
            ]
        }
        return StatusTable.rendered(sections: [[("Detections", String(entries.count))]] + blocks)
    }

    /// `show status mail security white-list`: total, then matches per pattern in pattern order.
    /// `patterns` (the configured pattern numbers) are listed even with no match yet.
    public func renderWhiteListStatus(patterns: [Int] = []) -> String {
        let counts = whiteListPatternMatches
        let numbers = Set(patterns.filter(TelemetryLimits.whiteListPatternNumbers.contains)).union(counts.keys).sorted()
        var rows: [(item: String, value: String)] = [("Total matches", String(counts.values.reduce(0, &+)))]
        for number in numbers {
            rows.append(("Pattern \(number) matches", String(counts[number] ?? 0)))
        }
        return StatusTable(rows: rows).rendered()
    }

    /// `show status mail security white-list history`: the count, then one block per match, newest first.
    public func renderWhiteListHistory() -> String {
        let entries = whiteListHistory
        let blocks = entries.map { entry -> [(item: String, value: String)] in
            [
                ("Date", CivilTime(entry.date, timeZone: timeZone).router),
                ("Protocol", "\(entry.mailProtocol.logName) (\(entry.mailProtocol.operation))"),
                ("Pattern", String(entry.pattern)),
                ("From", entry.from),
                ("To", entry.to),
                ("Subject", entry.subject),
            ]
        }
        return StatusTable.rendered(sections: [[("Matches", String(entries.count))]] + blocks)
    }
}

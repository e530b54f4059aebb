import Foundation
import Telemetry

/// `/metrics` in the Prometheus text exposition format 0.0.4: `# HELP`, `# TYPE`, one line per
/// series, base units, `_total` on counters. Labels come from fixed sets only (protocol,
/// result, action, reason, class, le, version): no address or subject can ever become a label.
public enum MetricsExposition {
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    public static func render(_ s: MetricsSnapshot) -> String {
        var out = ""
        func family(_ name: String, _ type: String, _ help: String) {
            out += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
        }
        func line(_ name: String, _ labels: [(String, String)], _ value: String) {
            let text = labels.isEmpty ? "" : "{" + labels.map { "\($0.0)=\"\(escape($0.1))\"" }.joined(separator: ",") + "}"
            out += "\(name)\(text) \(value)\n"
        }
        let protocols = MailProtocol.allCases

        family(MetricNames.messagesInspected, "counter", "Messages scanned, per protocol (the console's 'inspected').")
        for p in protocols { line(MetricNames.messagesInspected, [("protocol", p.rawValue)], "\(s.value(.inspected, p))") }

        family(MetricNames.messages, "counter", "Messages by result, per protocol (the console's counters; whitelisted overlaps spam/virus).")
        for p in protocols {
            for (counter, result) in MetricNames.results {
                line(MetricNames.messages, [("protocol", p.rawValue), ("result", result)], "\(s.value(counter, p))")
            }
        }

        family(MetricNames.actions, "counter", "What the appliance did with messages, per protocol.")
        for p in protocols {
            for (action, value) in actions(s, p) {
                line(MetricNames.actions, [("protocol", p.rawValue), ("action", action)], "\(value)")
            }
        }

        family(MetricNames.sessionsNotInspected, "counter", "Mail sessions that crossed the box without being intercepted, by reason.")
        line(MetricNames.sessionsNotInspected, [("reason", MetricNames.notInspectedReasons[0])], "\(s.sessionsNotInspected)")

        family(MetricNames.tlsSessions, "counter", "Encrypted sessions (STARTTLS, STLS) by outcome, per protocol (the console's TLS rows).")
        for p in protocols {
            for (outcome, label) in MetricNames.tlsOutcomes {
                line(MetricNames.tlsSessions, [("protocol", p.rawValue), ("outcome", label)], "\(s.tls[p]?[outcome] ?? 0)")
            }
        }

        family(MetricNames.scanRequests, "counter", "Messages sent to the scan service.")
        line(MetricNames.scanRequests, [], "\(s.scanRequests)")
        family(MetricNames.scanRetries, "counter", "Scan attempts repeated after a failure.")
        line(MetricNames.scanRetries, [], "\(s.scanRetries)")
        family(MetricNames.scanFailures, "counter", "Failed scan attempts by class.")
        for failureClass in MetricNames.scanFailureClasses {
            line(MetricNames.scanFailures, [("class", failureClass)], "\(s.scanFailures[failureClass] ?? 0)")
        }

        family(MetricNames.scanDuration, "histogram", "Response time of successful scan attempts, in seconds.")
        var cumulative = 0
        for (index, bound) in s.scanLatencyBounds.enumerated() {
            cumulative += index < s.scanLatencyBuckets.count ? s.scanLatencyBuckets[index] : 0
            line(MetricNames.scanDuration + "_bucket", [("le", number(bound))], "\(cumulative)")
        }
        let count = s.scanLatencyBuckets.reduce(0, +)
        line(MetricNames.scanDuration + "_bucket", [("le", "+Inf")], "\(count)")
        line(MetricNames.scanDuration + "_sum", [], number(s.scanLatencySumSeconds))
        line(MetricNames.scanDuration + "_count", [], "\(count)")

        family(MetricNames.scanAvailable, "gauge", "1 while the scan service may be used (licence active, breaker not open).")
        line(MetricNames.scanAvailable, [], s.scanAvailable ? "1" : "0")
        family(MetricNames.scanBreakerOpen, "gauge", "1 while the circuit breaker in front of the scan service is open.")
        line(MetricNames.scanBreakerOpen, [], s.scanBreakerOpen ? "1" : "0")
        family(MetricNames.sessions, "gauge", "Mail sessions in flight.")
        line(MetricNames.sessions, [], "\(s.sessionsInFlight)")
        family(MetricNames.memoryInUse, "gauge", "Bytes of the memory budget in use by mail sessions.")
        line(MetricNames.memoryInUse, [], "\(s.memoryInUseBytes)")
        family(MetricNames.memoryBudget, "gauge", "Size of the memory budget, in bytes.")
        line(MetricNames.memoryBudget, [], "\(s.memoryBudgetBytes)")
        family(MetricNames.spool, "gauge", "Bytes of messages spilled to the spool directory.")
        line(MetricNames.spool, [], "\(s.spoolBytes)")
        if let expiry = s.licenseExpiry {
            family(MetricNames.licenseExpiry, "gauge", "End of the licence, as a Unix time.")
            line(MetricNames.licenseExpiry, [], number(expiry))
        }
        family(MetricNames.buildInfo, "gauge", "Always 1; the firmware version as a label.")
        line(MetricNames.buildInfo, [("version", s.version)], "1")
        return out
    }

    /// `mailsec_actions_total` from the console's counters (docs/metrics.md): tag, header,
    /// reject, transfer and tempfail are counted as such; pass is what was relayed unchanged
    /// (clean, plus unscannable relayed unscanned). Over-size messages are split apart,
    /// `oversize_reject` (SMTP 552, `MailStatistics.overSizeRejected`) and `oversize_pass`
    /// (relayed unscanned), so pass and reject keep the meaning they had before the split.
    public static func actions(_ s: MetricsSnapshot, _ p: MailProtocol) -> [(String, Int)] {
        let tempfail = s.value(.rejectedInactiveLicense, p) + s.value(.rejectedYSCFailure, p)
        let pass = s.value(.clean, p) + max(0, s.value(.couldNotScan, p) - tempfail)
        let overSizeRejected = s.overSizeRejected[p] ?? 0
        return [("pass", pass), ("tag", s.value(.tagged, p)), ("header", s.value(.whiteListed, p)),
                ("reject", s.value(.rejected, p)), ("transfer", s.value(.transferred, p)), ("tempfail", tempfail),
                ("oversize_pass", max(0, s.value(.overSize, p) - overSizeRejected)), ("oversize_reject", overSizeRejected)]
    }

    /// Go-style float text (`0.005`, `1`, `2.5`), as Prometheus writes `le`.
    static func number(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 { return String(Int(value)) }
        return String(value)
    }

    /// Label values: backslash, double quote and newline escaped (exposition format).
    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
    }
}

import Testing
import Telemetry
@testable import WebConsole

/// The metric names and labels are an interface: Grafana dashboards and alerts name them.
/// This pins every family, type and label set (docs/metrics.md), so renaming one fails here.
@Suite struct MetricNamesTests {
    static let pinned: [(String, String, Set<String>)] = [
        ("mailsec_messages_inspected_total", "counter", ["protocol"]),
        ("mailsec_messages_total", "counter", ["protocol", "result"]),
        ("mailsec_actions_total", "counter", ["protocol", "action"]),
        ("mailsec_scan_requests_total", "counter", []),
        ("mailsec_scan_retries_total", "counter", []),
        ("mailsec_scan_failures_total", "counter", ["class"]),
        ("mailsec_scan_duration_seconds", "histogram", ["le"]),
        ("mailsec_scan_service_available", "gauge", []),
        ("mailsec_scan_breaker_open", "gauge", []),
        ("mailsec_sessions_in_flight", "gauge", []),
        ("mailsec_memory_budget_used_bytes", "gauge", []),
        ("mailsec_memory_budget_bytes", "gauge", []),
        ("mailsec_spool_bytes", "gauge", []),
        ("mailsec_license_expiry_timestamp_seconds", "gauge", []),
        ("mailsec_build_info", "gauge", ["version"]),
        ("mailsec_sessions_not_inspected_total", "counter", ["reason"]),
        ("mailsec_tls_sessions_total", "counter", ["protocol", "outcome"]),
    ]

    static func sample() -> MetricsSnapshot {
        var s = MetricsSnapshot()
        s.counters[.smtp] = [.inspected: 5, .clean: 2, .spam: 2, .virus: 1, .tagged: 2, .rejected: 1, .couldNotScan: 3,
                             .rejectedYSCFailure: 1, .whiteListed: 0, .overSize: 3]
        s.counters[.pop3] = [.overSize: 2]
        s.overSizeRejected = [.smtp: 1]
        s.sessionsNotInspected = 7
        s.tls = [.smtp: [.inspected: 4, .clientRefusedCertificate: 1], .pop3: [.passed: 2]]
        s.scanLatencyBounds = [0.1, 1]
        s.scanLatencyBuckets = [3, 1, 1]
        s.scanLatencySumSeconds = 2.5
        s.licenseExpiry = 1_900_000_000
        s.version = "1.2.3"
        return s
    }

    @Test func everyFamilyHasItsPinnedNameTypeAndLabels() {
        let text = MetricsExposition.render(Self.sample())
        var types: [String: String] = [:]
        var labels: [String: Set<String>] = [:]
        for line in text.split(separator: "\n") {
            if line.hasPrefix("# TYPE ") {
                let parts = line.split(separator: " ")
                types[String(parts[2])] = String(parts[3])
            } else if !line.hasPrefix("#") {
                let name = String(line.prefix { $0 != "{" && $0 != " " })
                let family = ["_bucket", "_sum", "_count"].reduce(name) { n, suffix in
                    n.hasPrefix("mailsec_scan_duration_seconds") && n.hasSuffix(suffix) ? String(n.dropLast(suffix.count)) : n
                }
                var keys: Set<String> = []
                if let open = line.firstIndex(of: "{"), let close = line.firstIndex(of: "}") {
                    for pair in line[line.index(after: open)..<close].split(separator: ",") {
                        keys.insert(String(pair.prefix { $0 != "=" }))
                    }
                }
                labels[family, default: []].formUnion(keys)
            }
        }
        for (name, type, labelSet) in Self.pinned {
            #expect(types[name] == type, "type of \(name)")
            #expect(labels[name] == labelSet, "labels of \(name)")
        }
        #expect(Set(types.keys) == Set(Self.pinned.map(\.0)))
    }

    @Test func valuesComeFromTheCountersWithFixedLabelValues() {
        let text = MetricsExposition.render(Self.sample())
        #expect(text.contains("mailsec_messages_inspected_total{protocol=\"smtp\"} 5\n"))
        #expect(text.contains("mailsec_messages_total{protocol=\"smtp\",result=\"spam_virus\"} 0\n"))
        #expect(text.contains("mailsec_messages_total{protocol=\"smtp\",result=\"unscannable\"} 3\n"))
        #expect(text.contains("mailsec_actions_total{protocol=\"smtp\",action=\"tempfail\"} 1\n"))
        // pass = clean + unscannable relayed unscanned (3 could not scan, 1 of them tempfailed).
        #expect(text.contains("mailsec_actions_total{protocol=\"smtp\",action=\"pass\"} 4\n"))
        #expect(text.contains("mailsec_scan_duration_seconds_bucket{le=\"0.1\"} 3\n"))
        #expect(text.contains("mailsec_scan_duration_seconds_bucket{le=\"1\"} 4\n"))
        #expect(text.contains("mailsec_scan_duration_seconds_bucket{le=\"+Inf\"} 5\n"))
        #expect(text.contains("mailsec_scan_duration_seconds_count 5\n"))
        #expect(text.contains("mailsec_scan_duration_seconds_sum 2.5\n"))
        #expect(text.contains("mailsec_license_expiry_timestamp_seconds 1900000000\n"))
        #expect(text.contains("mailsec_build_info{version=\"1.2.3\"} 1\n"))
        #expect(Set(MetricNames.results.map(\.1)) == ["clean", "spam", "virus", "spam_virus", "whitelisted", "oversize", "unscannable"])
        #expect(MetricNames.actionLabels == ["pass", "tag", "header", "reject", "transfer", "tempfail", "oversize_pass", "oversize_reject"])
        // Over size split apart: pass and reject keep their meaning.
        #expect(text.contains("mailsec_actions_total{protocol=\"smtp\",action=\"reject\"} 1\n"))
        #expect(text.contains("mailsec_actions_total{protocol=\"smtp\",action=\"oversize_pass\"} 2\n"))
        #expect(text.contains("mailsec_actions_total{protocol=\"smtp\",action=\"oversize_reject\"} 1\n"))
        #expect(text.contains("mailsec_actions_total{protocol=\"pop3\",action=\"oversize_pass\"} 2\n"))
        #expect(text.contains("mailsec_actions_total{protocol=\"pop3\",action=\"oversize_reject\"} 0\n"))
        #expect(text.contains("mailsec_sessions_not_inspected_total{reason=\"ipv6_interception_off\"} 7\n"))
        #expect(text.contains("mailsec_tls_sessions_total{protocol=\"smtp\",outcome=\"inspected\"} 4\n"))
        #expect(text.contains("mailsec_tls_sessions_total{protocol=\"smtp\",outcome=\"client_refused\"} 1\n"))
        #expect(text.contains("mailsec_tls_sessions_total{protocol=\"pop3\",outcome=\"passed\"} 2\n"))
        #expect(text.contains("mailsec_tls_sessions_total{protocol=\"pop3\",outcome=\"handshake_failed\"} 0\n"))
        #expect(MetricNames.tlsOutcomes.map(\.1) == ["inspected", "passed", "exempt", "blocked", "client_refused", "upstream_invalid", "handshake_failed"])
        // Every action label value is rendered, for both protocols.
        for p in ["smtp", "pop3"] {
            for action in MetricNames.actionLabels {
                #expect(text.contains("mailsec_actions_total{protocol=\"\(p)\",action=\"\(action)\"} "))
            }
        }
    }

    @Test func labelValuesAreEscaped() {
        var s = MetricsSnapshot()
        s.version = "a\"b\\c\nd"
        #expect(MetricsExposition.render(s).contains("mailsec_build_info{version=\"a\\\"b\\\\c\\nd\"} 1\n"))
    }
}

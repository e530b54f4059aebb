import Telemetry

/// The dashboard's HTML: the gadgets (mail security with its warning, counters, chart, scan
/// service, licence, sessions and memory) rendered from `DashboardModel`. `gadgets` alone is
/// what the page fetches every `WebConsoleLimits.refreshSeconds` while it is visible.
public enum DashboardPage {
    public static func render(_ model: DashboardModel, strings: Strings, csrf: String) -> String {
        let body = "<div id=\"gadgets\">" + gadgets(model, strings: strings, csrf: csrf) + "</div>"
        // Polls only while the page is visible (Page Visibility API); a hidden tab costs nothing.
        let script = """
        <script>
        (function(){var timer=null;function load(){fetch('/gadgets?range=\(model.range.rawValue)',{credentials:'same-origin'}).then(function(r){return r.ok?r.text():null}).then(function(t){if(t!==null){document.getElementById('gadgets').innerHTML=t}}).catch(function(){})}
        function sync(){if(document.visibilityState==='visible'){if(!timer){load();timer=setInterval(load,\(WebConsoleLimits.refreshSeconds * 1000))}}else if(timer){clearInterval(timer);timer=null}}
        document.addEventListener('visibilitychange',sync);sync();})();
        </script>
        """
        return HTML.page(strings, title: strings.dashboard, noPassword: model.noPassword, loggedIn: true, csrf: csrf,
                         body: body, script: script)
    }

    public static func gadgets(_ model: DashboardModel, strings: Strings, csrf: String) -> String {
        let e = HTML.escape
        var html = "<section class=\"gadget\" id=\"mail-security\"><h2>\(e(strings.latestDetections))</h2>"
        if model.unacknowledged > 0 {
            html += """
            <div class="warning" id="detection-warning">\(e(strings.detectionWarning)) (\(model.unacknowledged))
            <form method="post" action="/acknowledge" class="inline"><input type="hidden" name="csrf" value="\(e(csrf))"><button id="acknowledge">\(e(strings.acknowledge))</button></form></div>
            """
        }
        if model.detections.isEmpty {
            html += "<p>\(e(strings.noDetections))</p>"
        } else {
            html += "<table id=\"detections\"><tr><th>\(e(strings.time))</th><th>\(e(strings.protocolName))</th><th>\(e(strings.direction))</th><th>\(e(strings.from))</th><th>\(e(strings.to))</th><th>\(e(strings.subject))</th><th>\(e(strings.score))</th><th>\(e(strings.virus))</th><th>\(e(strings.result))</th><th>\(e(strings.action))</th></tr>"
            for d in model.detections { html += row(d) }
            html += "</table>"
        }
        html += "</section><section class=\"gadget\" id=\"counters\"><h2>\(e(strings.counters))</h2>"
        for p in MailProtocol.allCases {
            html += "<h3>\(p.logName) (\(e(p == .smtp ? strings.send : strings.receive)))</h3><div class=\"tiles\">"
            for tile in model.tiles[p] ?? [] {
                html += "<a class=\"tile\" id=\"tile-\(p.rawValue)-\(tile.counter.rawValue)\" href=\"\(e(tile.link))\">\(e(tile.label))<b>\(tile.value)</b></a>"
            }
            html += "</div>"
        }
        html += tlsTiles(model, strings: strings)
        html += "<h3>\(e(strings.notInspected))</h3><div class=\"tiles\"><a class=\"tile\" id=\"tile-not-inspected\" href=\"\(DashboardModel.notInspectedLink)\">\(e(strings.notInspected))<b>\(model.notInspected)</b></a></div>"
        html += "</section><section class=\"gadget\" id=\"chart\"><h2>\(e(strings.chart))</h2><p>"
        for range in ChartRange.allCases {
            html += range == model.range ? " <b>\(range.rawValue)</b>" : " <a href=\"/?range=\(range.rawValue)\">\(range.rawValue)</a>"
        }
        html += "</p>"
        for p in MailProtocol.allCases {
            html += "<h3>\(p.logName)</h3>" + Chart.svg(model.chart[p] ?? [], strings: strings)
        }
        let live = model.live
        html += """
        </section><div class="grid"><section class="gadget" id="scan-service"><h2>\(e(strings.scanService))</h2><table>
        <tr><td>\(e(strings.state))</td><td id="scan-state">\(e(live.scanState))</td></tr>
        <tr><td>\(e(strings.latency))</td><td>\(live.scanAverageMilliseconds) ms</td></tr>
        <tr><td>\(e(strings.failures))</td><td id="scan-failures">\(live.totalScanFailures)</td></tr>
        <tr><td>\(e(strings.breaker))</td><td>\(e(live.breakerOpen ? strings.open : strings.closed))</td></tr></table></section>
        <section class="gadget" id="license"><h2>\(e(strings.license))</h2><p id="license-state">\(e(live.licenseState))\(model.licenseDaysLeft.map { ", " + e(strings.daysLeft($0)) } ?? "")</p></section>
        <section class="gadget" id="sessions"><h2>\(e(strings.sessions))</h2><p><b id="sessions-in-flight">\(live.sessionsInFlight)</b></p>
        <p>\(e(strings.memory)): <span id="memory-in-use">\(live.memoryInUseBytes / 1024)</span> / \(live.memoryBudgetBytes / 1024) KiB</p></section></div>
        """
        return html
    }

    /// The TLS outcomes per protocol: counts without a list behind them (a session that never
    /// reached a message has no mail to list), so the tiles are not links.
    static func tlsTiles(_ model: DashboardModel, strings: Strings) -> String {
        let e = HTML.escape
        var html = ""
        for p in MailProtocol.allCases {
            html += "<h3>\(e(strings.tlsSessions)): \(p.logName)</h3><div class=\"tiles\" id=\"tls-\(p.rawValue)\">"
            for tile in model.tls[p] ?? [] {
                html += "<span class=\"tile\" id=\"tile-\(p.rawValue)-tls-\(tile.outcome.rawValue)\">\(e(tile.label))<b>\(tile.value)</b></span>"
            }
            html += "</div>"
        }
        return html
    }

    static func row(_ d: DashboardModel.Detection) -> String {
        let cells = [d.time, d.protocolName, d.direction, d.from, d.to, d.subject, d.score, d.virus, d.result, d.action]
        return "<tr>" + cells.map { "<td>\(HTML.escape($0))</td>" }.joined() + "</tr>"
    }
}

/// The chart gadget: bars per bin as inline SVG (no script library on the box).
enum Chart {
    static func svg(_ series: [(MailCounter, [Int])], strings: Strings) -> String {
        let width = 600.0, height = 80.0
        let peak = max(1, series.flatMap(\.1).max() ?? 1)
        let colours: [MailCounter: String] = [.inspected: "#6b8cc7", .spam: "#e0a030", .virus: "#d9534f"]
        // The page's width, however many bins: the newest bin is always at the right edge.
        var out = "<svg viewBox=\"0 0 \(Int(width)) \(Int(height))\" width=\"100%\" height=\"\(Int(height))\" preserveAspectRatio=\"none\" role=\"img\">"
        var legend = ""
        for (index, (counter, values)) in series.enumerated() where !values.isEmpty {
            let step = width / Double(values.count)
            for (i, v) in values.enumerated() where v > 0 {
                let h = height * Double(v) / Double(peak)
                out += "<rect x=\(fmt(Double(i) * step + Double(index) * step / 3)) y=\(fmt(height - h)) width=\(fmt(max(1, step / 3))) height=\(fmt(h)) fill=\"\(colours[counter] ?? "#888")\"><title>\(HTML.escape(strings.counter(counter))) \(v)</title></rect>"
            }
            legend += " <span style=\"color:\(colours[counter] ?? "#888")\">■ \(HTML.escape(strings.counter(counter)))</span>"
        }
        // The legend is HTML: text inside a stretched SVG would be stretched too.
        return out + "</svg><div><small>" + legend + "</small></div>"
    }

    static func fmt(_ v: Double) -> String { "\"\(Int(v.rounded()))\"" }
}

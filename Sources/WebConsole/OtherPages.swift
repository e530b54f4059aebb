import Telemetry

/// The login page and the list of mails behind a counter.
public enum LoginPage {
    public static func render(strings: Strings, error: String?) -> String {
        let e = HTML.escape
        let message = error.map { "<p class=\"error\" id=\"login-error\">\(e($0))</p>" } ?? ""
        return HTML.page(strings, title: strings.login, noPassword: false, loggedIn: false, csrf: nil, body: """
        <section class="gadget"><h2>\(e(strings.login))</h2>\(message)<form method="post" action="/login">
        <label>\(e(strings.password)) <input type="password" name="password" id="password" autocomplete="current-password"></label>
        <button id="login">\(e(strings.loginButton))</button></form></section>
        """)
    }
}

public enum MailListPage {
    /// The mails behind one tile: the detections (or white-list matches) the store keeps that
    /// the counter counted. Counters of mail the appliance keeps no record of (clean,
    /// inspected, over size, could not scan) say so.
    public static func entries(_ statistics: MailStatistics, protocol p: MailProtocol, counter: MailCounter) -> [DetectionEntry]? {
        let mine = statistics.detectionHistory.filter { $0.mailProtocol == p }
        switch counter {
        case .spam: return mine.filter { $0.result == .spam }
        case .virus: return mine.filter { $0.result == .virus }
        case .spamVirus: return mine.filter { $0.result == .spamVirus }
        case .tagged: return mine.filter { $0.action == .tag || $0.action == .pass }
        case .rejected: return mine.filter { $0.action == .reject }
        case .transferred: return mine.filter { $0.action == .transfer }
        case .whiteListed: return mine.filter { $0.action == .white }
        default: return nil
        }
    }

    public static func render(_ statistics: MailStatistics, protocol p: MailProtocol, counter: MailCounter,
                              strings: Strings, noPassword: Bool, csrf: String) -> String {
        let e = HTML.escape
        var body = "<section class=\"gadget\" id=\"mail-list\"><h2>\(e(strings.mailsBehind)): \(p.logName) \(e(strings.counter(counter))) (\(statistics.value(counter, for: p)))</h2>"
        let list = entries(statistics, protocol: p, counter: counter)
        if list == nil { body += "<p>\(e(strings.notKept))</p>" }
        let shown = list ?? statistics.detectionHistory.filter { $0.mailProtocol == p }
        body += "<table id=\"mails\"><tr><th>\(e(strings.time))</th><th>\(e(strings.protocolName))</th><th>\(e(strings.direction))</th><th>\(e(strings.from))</th><th>\(e(strings.to))</th><th>\(e(strings.subject))</th><th>\(e(strings.score))</th><th>\(e(strings.virus))</th><th>\(e(strings.result))</th><th>\(e(strings.action))</th></tr>"
        for entry in shown {
            body += DashboardPage.row(DashboardModel.detection(entry, strings: strings, timeZone: statistics.timeZone))
        }
        body += "</table><p><a href=\"/\">\(e(strings.back))</a></p></section>"
        return HTML.page(strings, title: strings.mailsBehind, noPassword: noPassword, loggedIn: true, csrf: csrf, body: body)
    }
}

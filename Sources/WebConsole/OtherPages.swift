import Telemetry

/// The login page, the list of mails behind a counter and the sessions not inspected.
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
    /// The mails behind one tile, newest first, within the dashboard's range; says so when
    /// older mails counted by the tile have left the list.
    public static func render(_ model: MailListModel, strings: Strings, noPassword: Bool, csrf: String) -> String {
        let e = HTML.escape
        let p = model.mailProtocol
        var body = "<section class=\"gadget\" id=\"mail-list\"><h2>\(e(strings.mailsBehind)): \(p.logName) \(e(strings.counter(model.counter))) (<span id=\"mail-list-counted\">\(model.counted)</span>)</h2><p>"
        for range in ChartRange.allCases {
            let link = "/mails?protocol=\(p.rawValue)&counter=\(model.counter.rawValue)&range=\(range.rawValue)"
            body += range == model.range ? " <b>\(range.rawValue)</b>" : " <a href=\"\(e(link))\">\(range.rawValue)</a>"
        }
        body += "</p>"
        if model.olderMailsLeft {
            body += "<p class=\"banner\" id=\"mails-left\">\(e(strings.olderMailsLeft(counted: model.counted, kept: model.kept)))</p>"
        }
        if model.rows.isEmpty { body += "<p id=\"no-mails\">\(e(strings.noMails))</p>" }
        let headings = [strings.time, strings.protocolName, strings.direction, strings.from, strings.to, strings.subject,
                        strings.size, strings.outcome, strings.action, strings.score, strings.virus]
        body += "<table id=\"mails\"><tr>" + headings.map { "<th>\(e($0))</th>" }.joined() + "</tr>"
        for r in model.rows {
            let cells = [r.time, r.protocolName, r.direction, r.from, r.to, r.subject, r.size, r.outcome, r.action, r.score, r.virus]
            body += "<tr>" + cells.map { "<td>\(e($0))</td>" }.joined() + "</tr>"
        }
        body += "</table><p><a href=\"/?range=\(model.range.rawValue)\">\(e(strings.back))</a></p></section>"
        return HTML.page(strings, title: strings.mailsBehind, noPassword: noPassword, loggedIn: true, csrf: csrf, body: body)
    }

    /// Mail sessions that crossed the box without inspection: the kernel counts them, the
    /// proxies never saw their mail, so there is no list; the page says why and where to look.
    public static func renderNotInspected(count: Int, strings: Strings, noPassword: Bool, csrf: String) -> String {
        let e = HTML.escape
        let body = """
        <section class="gadget" id="not-inspected"><h2>\(e(strings.notInspected)) (<span id="not-inspected-count">\(count)</span>)</h2>
        <p>\(e(strings.notInspectedExplained))</p><p><a href="/">\(e(strings.back))</a></p></section>
        """
        return HTML.page(strings, title: strings.notInspected, noPassword: noPassword, loggedIn: true, csrf: csrf, body: body)
    }
}

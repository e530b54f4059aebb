/// HTML text helpers. Every value from mail or configuration goes through `escape`: a subject
/// or an address can never become markup on the administrator's screen.
public enum HTML {
    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for c in text {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(c)
            }
        }
        return out
    }

    /// The frame of every page: title, navigation, the no-password banner.
    static func page(_ strings: Strings, title: String, noPassword: Bool, loggedIn: Bool, csrf: String?, body: String,
                     script: String = "") -> String {
        var nav = ""
        if loggedIn {
            nav = """
            <nav><a href="/" id="nav-dashboard">\(escape(strings.dashboard))</a> <a href="/settings" id="nav-settings">\(escape(strings.settings))</a> <a href="/site-ca.pem" id="nav-site-ca">\(escape(strings.siteCA))</a>
            """
            if let csrf, !noPassword {
                nav += """
                 <form method="post" action="/logout" class="inline"><input type="hidden" name="csrf" value="\(escape(csrf))"><button id="logout">\(escape(strings.logout))</button></form>
                """
            }
            nav += "</nav>"
        }
        let banner = noPassword ? "<p class=\"banner\" id=\"no-password\">\(escape(strings.noPasswordWarning))</p>" : ""
        return """
        <!DOCTYPE html>
        <html lang="\(strings.language.rawValue)"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
        <title>\(escape(title)) — \(escape(strings.title))</title><style>\(style)</style></head>
        <body><header><h1>\(escape(strings.title))</h1>\(nav)</header>\(banner)<main>\(body)</main>\(script)</body></html>
        """
    }

    static let style = """
    body{font-family:sans-serif;margin:0;background:#f4f5f7;color:#222}header{background:#23395d;color:#fff;padding:.5em 1em;display:flex;gap:2em;align-items:center}
    header h1{font-size:1.2em;margin:0}nav a{color:#fff;margin-right:1em}main{padding:1em}.inline{display:inline}
    .banner{background:#fff3cd;border:1px solid #e0c060;padding:.5em 1em;margin:0}.gadget{background:#fff;border:1px solid #ccd;border-radius:4px;padding:.5em 1em;margin:0 0 1em}
    .warning{background:#fde2e1;border:1px solid #d9534f;padding:.5em;margin:.5em 0}.tiles{display:flex;flex-wrap:wrap;gap:.5em}
    .tile{border:1px solid #ccd;border-radius:4px;padding:.3em .6em;min-width:7em;text-decoration:none;color:#222}.tile b{display:block;font-size:1.4em}
    table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:.2em .4em;text-align:left;font-size:.9em}
    .grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(20em,1fr));gap:1em}pre{background:#eee;padding:.5em;white-space:pre-wrap}
    .error{color:#b00}.ok{color:#070}
    """
}

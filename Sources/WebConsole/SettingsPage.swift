import ApplianceConfig

/// The settings page: one form per configuration command of the command table (so it offers
/// exactly what the console offers), a command line for the numbered and password commands,
/// the result of the last change (the exact command and the console's reply) and `save`.
public enum SettingsPage {
    /// What the last form did: the line run through the console and its reply.
    public struct Outcome: Equatable, Sendable {
        public var line: String
        public var ok: Bool
        public var output: String

        public init(line: String, ok: Bool, output: String) {
            self.line = line
            self.ok = ok
            self.output = output
        }
    }

    /// Settings with one value or keyword: a form row each. The rest (numbered entries,
    /// passwords, lists) go through the command line.
    public static func formSettings() -> [SettingInfo] {
        Configuration.settings.filter { !$0.indexed && !$0.isPassword }
    }

    public static func render(configuration: Configuration, outcome: Outcome?, strings: Strings, csrf: String) -> String {
        let e = HTML.escape
        var body = ""
        if let outcome {
            body += """
            <section class="gadget" id="outcome"><h2>\(e(strings.commandRun))</h2><pre id="command-run">\(e(outcome.line))</pre>
            <h3>\(e(strings.reply))</h3><pre id="command-reply" class="\(outcome.ok ? "ok" : "error")">\(e(outcome.output.isEmpty ? strings.ok : outcome.output))</pre></section>
            """
        }
        body += """
        <section class="gadget"><form method="post" action="/save"><input type="hidden" name="csrf" value="\(e(csrf))"><button id="save">\(e(strings.save))</button> <code>save</code></form></section>
        <section class="gadget"><h2>\(e(strings.runCommand))</h2><form method="post" action="/settings" id="command-form">
        <input type="hidden" name="csrf" value="\(e(csrf))"><input name="line" id="command-line" size="80" maxlength="\(CommandLimits.maxLineLength)" placeholder="mail security white-list pattern 1 from=*@example.com">
        <button id="run-command">\(e(strings.apply))</button></form></section><section class="gadget"><table>
        <tr><th>Command</th><th>\(e(strings.current))</th><th></th></tr>
        """
        for setting in formSettings() {
            let id = setting.command.replacingSpaces()
            let current = configuration.renderedLines(of: setting.command)
            let effective = Self.effectiveValues[setting.command]?(configuration)
            let shown = current.isEmpty
                ? effective.map { "(\(setting.command) \($0))" } ?? "(\(strings.defaultValue): \(setting.defaultValue))"
                : current.joined(separator: "\n")
            var input: String
            if let choices = setting.choices {
                // Not entered: the default is in force, so it is the one selected.
                let chosen = current.first.map { String($0.dropFirst(setting.command.count + 1)) } ?? effective
                    ?? (choices.contains(setting.defaultValue) ? setting.defaultValue : nil)
                input = "<select name=\"value\" id=\"value-\(id)\">" + choices.map {
                    "<option\($0 == chosen ? " selected" : "")>\(e($0))</option>"
                }.joined() + "</select>"
            } else {
                let value = current.first.map { String($0.dropFirst(setting.command.count + 1)) } ?? ""
                input = "<input name=\"value\" id=\"value-\(id)\" value=\"\(e(value))\" size=\"30\">"
            }
            body += """
            <tr id="row-\(id)"><td><code>\(e(setting.syntax))</code><br><small>\(e(setting.summary))</small></td><td><code>\(e(shown))</code></td>
            <td><form method="post" action="/settings"><input type="hidden" name="csrf" value="\(e(csrf))"><input type="hidden" name="command" value="\(e(setting.command))">\(input)
            <button name="op" value="set" id="apply-\(id)">\(e(strings.apply))</button> <button name="op" value="no" id="default-\(id)">\(e(strings.setDefault))</button></form></td></tr>
            """
        }
        body += "</table></section>"
        return HTML.page(strings, title: strings.settings, noPassword: !configuration.hasAdministratorPassword, loggedIn: true,
                         csrf: csrf, body: body)
    }

    /// Settings another command can set: `show config` prints `smtp detect illegal mail ACTION`
    /// while the spam and virus actions agree, so their rows show the value in force.
    static let effectiveValues: [String: @Sendable (Configuration) -> String] = [
        "mail security smtp detect spam mail": { $0.smtpDetectSpamMail.rawValue },
        "mail security smtp detect virus mail": { $0.smtpDetectVirusMail.rawValue },
    ]

    /// The console line a settings form asks for, or nil when the form names no known command.
    /// `value` is quoted as `show config` quotes it unless it is several words of a list
    /// setting (ports, syslog hosts), which are passed as typed.
    public static func line(fields: [String: String]) -> String? {
        if let line = fields["line"] { return line }
        guard let command = fields["command"], let setting = formSettings().first(where: { $0.command == command }) else { return nil }
        if fields["op"] == "no" { return "no " + setting.command }
        let value = fields["value"] ?? ""
        if setting.choices != nil { return setting.command + " " + value }
        let words = value.split(separator: " ", omittingEmptySubsequences: true)
        let quoteWhole = setting.syntax.hasSuffix("...]") == false
        if quoteWhole || words.count <= 1 { return setting.command + " " + Configuration.quoted(value) }
        return setting.command + " " + value
    }

    /// The line as shown and logged: a password never appears in clear (the console itself
    /// writes only hashes; the web log must not undo that).
    public static func redacted(_ line: String) -> String {
        var out: [Substring] = []
        for word in line.split(separator: " ", omittingEmptySubsequences: true) {
            out.append(word)
            let lowered = word.lowercased()
            if lowered.count >= 2, "password".hasPrefix(lowered) {
                return out.joined(separator: " ") + " ********"
            }
        }
        return line
    }
}

extension String {
    func replacingSpaces() -> String { String(map { $0 == " " ? "-" : $0 }) }
}

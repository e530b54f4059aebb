import Foundation
import Testing
import TestSupport

/// The whole appliance in the network lab, made by the same scripts as `make demo`:
/// `firmware/lab/lab.sh up MODE` (namespaces with a prefix of its own) and
/// `firmware/lab/services.sh up` (Postfix and Dovecot in lan2, yscd in cloud, mailsecd in fw
/// intercepting with its own ruleset). `stop()` runs both scripts' `down`.
final class MailLab: @unchecked Sendable {
    enum Mode: String, Sendable { case router, bridge }
    enum Failure: Error, CustomStringConvertible {
        case setup(String)
        var description: String { switch self { case .setup(let why): return why } }
    }

    let mode: Mode
    let prefix = "mse-" + UUID().uuidString.prefix(5).lowercased() + "-"
    let state: TemporaryDirectory
    let pki: TemporaryDirectory
    private(set) var paths: [String: String] = [:]
    private var stopped = false

    static let root = ProductBinary.repositoryRoot().appendingPathComponent("firmware/lab").path
    static let ip = ["/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"]
        .first { FileManager.default.isExecutableFile(atPath: $0) } ?? "/usr/sbin/ip"

    /// Root, iproute2, nftables, the mail servers and clients, and the built product.
    static var canRun: Bool {
        let fm = FileManager.default
        let ss = ["/usr/bin/ss", "/usr/sbin/ss", "/bin/ss", "/sbin/ss"].contains { fm.isExecutableFile(atPath: $0) }
        return getuid() == 0 && fm.isExecutableFile(atPath: ip) && ss
            && ["/usr/sbin/nft", "/usr/bin/curl", "/usr/bin/python3", "/usr/bin/openssl"].allSatisfy { fm.isExecutableFile(atPath: $0) }
            && PostfixInstance.isInstalled && DovecotInstance.isInstalled && Swaks.isInstalled
            && fm.isExecutableFile(atPath: ProductBinary.path("mailsecd"))
    }

    /// The mail server's address as the office PC reaches it.
    var server: String { mode == .router ? "198.51.100.25" : "192.0.2.25" }
    static let officePC = "192.0.2.10"
    /// Where services.sh points the appliance: yscd in the cloud namespace.
    static let scanServiceURL = "https://203.0.113.10:8443/"
    static let secondPC = "192.0.2.11"
    /// The lab is dual stack (firmware/lab/lab.sh): the same hosts over IPv6.
    var server6: String { mode == .router ? "2001:db8:2::25" : "2001:db8:1::25" }
    static let officePC6 = "2001:db8:1::10"

    /// mailsecd's interception flags (services.sh's LAB_INTERCEPTION_ARGS); nil: the
    /// appliance loads its own ruleset.
    let interceptionArguments: String?

    init(mode: Mode, configuration: String, interceptionArguments: String? = nil) throws {
        self.mode = mode
        self.interceptionArguments = interceptionArguments
        state = try TemporaryDirectory(prefix: "mailsec-lab-e2e")
        pki = try TemporaryDirectory(prefix: "mailsec-lab-pki")
        do {
            try script("lab.sh", ["up", mode.rawValue])
            let config = state.path("mailsec.conf")
            try Data(configuration.utf8).write(to: URL(fileURLWithPath: config))
            let binaries = URL(fileURLWithPath: ProductBinary.path("mailsecd")).deletingLastPathComponent().path
            try script("services.sh", ["up", binaries, config], timeout: 90)
            for line in try script("services.sh", ["paths"]).split(separator: "\n") {
                let parts = line.split(separator: "=", maxSplits: 1).map(String.init)
                if parts.count == 2 { paths[parts[0]] = parts[1] }
            }
        } catch {
            stop()
            throw error
        }
    }

    deinit { stop() }

    /// Both scripts' `down`: the daemons first (mailsecd removes its ruleset), then the namespaces.
    func stop() {
        guard !stopped else { return }
        stopped = true
        _ = try? script("services.sh", ["down"])
        _ = try? script("lab.sh", ["down"])
    }

    @discardableResult
    func script(_ name: String, _ arguments: [String], timeout: TimeInterval = 60) throws -> String {
        let interception = interceptionArguments.map { ["LAB_INTERCEPTION_ARGS=\($0)"] } ?? []
        let run = try CommandRun.run("/usr/bin/env", [
            "LAB_PREFIX=\(prefix)", "LAB_STATE_DIR=\(state.url.path)", "LAB_PKI=\(pki.url.path)"] + interception + [
            "/bin/bash", "\(Self.root)/\(name)"] + arguments, timeout: timeout)
        guard run.status == 0 else {
            throw Failure.setup("\(name) \(arguments.joined(separator: " ")): status \(run.status)\n\(run.stdout)\(run.stderr)")
        }
        return run.stdout
    }

    // MARK: the appliance

    @discardableResult
    func console(_ command: String) throws -> String {
        let run = try CommandRun.run(ProductBinary.path("mailsec"), ["--control", paths["LAB_CONTROL"] ?? "", command])
        guard run.status == 0 else { throw Failure.setup("console '\(command)': \(run.stdout)\(run.stderr)") }
        return run.stdout
    }

    /// Every SMTP and POP3 counter row of `show status mail security`, by item.
    func counters() throws -> [String: Int] {
        var rows: [String: Int] = [:]
        for line in try console("show status mail security").split(separator: "\n")
        where line.hasPrefix("SMTP ") || line.hasPrefix("POP3 ") {
            guard let value = line.split(separator: " ").last.flatMap({ Int($0) }) else { continue }
            rows[line.split(separator: " ").dropLast().joined(separator: " ")] = value
        }
        return rows
    }

    /// One row of `show status mail security`, e.g. `counter("SMTP inspected")`.
    func counter(_ item: String) throws -> Int {
        let status = try console("show status mail security")
        for line in status.split(separator: "\n") where line.hasPrefix(item + " ") {
            return Int(line.dropFirst(item.count).trimmingCharacters(in: .whitespaces)) ?? -1
        }
        throw Failure.setup("no '\(item)' in\n\(status)")
    }

    /// The appliance's interception ruleset as nft lists it ("" when there is none).
    var ruleset: String {
        (try? run(on: "fw", ["/usr/sbin/nft", "list", "table", "inet", "mailsec"]))?.stdout ?? ""
    }

    /// Waits until the daemon applied a change to its ruleset (it does so off its event loops,
    /// shortly after the console command returned).
    func waitForRuleset(_ condition: (String) -> Bool) -> Bool {
        waitUntil(timeout: 15) { condition(ruleset) }
    }

    var syslog: String { read(paths["LAB_SYSLOG"]) }
    var maillog: String { read(paths["LAB_MAILLOG"]) }

    /// mailsecd's PID (to prove a setting took effect without a restart).
    var daemonPID: String? {
        let pids = read(paths["LAB_SERVICES"].map { $0 + "/pids" })
        return pids.split(separator: "\n").first { $0.hasPrefix("mailsecd ") }?.split(separator: " ").dropFirst().first.map(String.init)
    }

    private func read(_ path: String?) -> String {
        path.flatMap { try? String(contentsOfFile: $0, encoding: .utf8) } ?? ""
    }

    // MARK: hosts

    /// `ip netns exec PREFIXhost` as a launcher for a command.
    func on(_ host: String) -> [String] { [Self.ip, "netns", "exec", prefix + host] }

    func run(on host: String, _ command: [String], input: String? = nil, timeout: TimeInterval = 60) throws -> CommandRun {
        let full = on(host) + command
        return try CommandRun.run(full[0], Array(full.dropFirst()), input: input, timeout: timeout)
    }

    /// swaks on `host` (default: the office PC) to `address:port` (default: the mail server's 25;
    /// an IPv6 address in brackets, `[2001:db8:2::25]`).
    func send(_ message: Data, from sender: String = "alice@example.com", to recipient: String = "bob@example.com",
              on host: String = "lan1", address: String? = nil, port: Int = 25) throws -> Swaks.Result {
        try Swaks.send(port: port, host: address ?? server, from: sender, to: [recipient], data: message,
                       helo: "pc.example.com", launcher: on(host), timeout: 60)
    }

    /// swaks with TLS from the first byte (RFC 8314, `--tls-on-connect`) to `address:port`
    /// (default the mail server's 465), verifying the certificate it is shown against `ca` (a
    /// PEM file: the appliance's site CA, or the lab's CA that signed the server's own) and
    /// sending `sni` when given.
    func sendImplicitTLS(_ message: Data, from sender: String = "alice@example.com", to recipient: String = "bob@example.com",
                         address: String? = nil, port: Int = 465, trusting ca: String, sni: String? = nil) throws -> Swaks.Result {
        var arguments = ["--tls-on-connect", "--tls-verify", "--tls-ca-path", ca]
        if let sni { arguments += ["--tls-sni", sni] }
        return try Swaks.send(port: port, host: address ?? server, from: sender, to: [recipient], data: message,
                              helo: "pc.example.com", extraArguments: arguments, launcher: on("lan1"), timeout: 60)
    }

    /// The appliance's site CA (made at its first start), what office clients trust.
    var siteCA: String { paths["LAB_SITE_CA"] ?? "/nonexistent" }
    /// The lab's CA, which signed the mail server's own certificate (mail.example.com).
    var serverCA: String { paths["LAB_SERVER_CA"] ?? "/nonexistent" }

    /// The mail server's own delivery, not crossing the appliance: swaks inside lan2 to 127.0.0.1.
    func sendDirect(_ message: Data, from sender: String = "alice@example.com", to recipient: String = "bob@example.com",
                    port: Int = 25) throws -> Swaks.Result {
        try send(message, from: sender, to: recipient, on: "lan2", address: "127.0.0.1", port: port)
    }

    // MARK: mailboxes

    func mailbox(_ user: String) -> Maildir {
        Maildir(root: URL(fileURLWithPath: paths["LAB_MAIL"] ?? "/nonexistent").appendingPathComponent(user))
    }

    /// The one stored message of `user` holding `token`, as the client sent it (the fields
    /// Postfix adds on the way in taken off), or nil when none arrives within `timeout`.
    func delivered(to user: String, containing token: String, timeout: TimeInterval = 20) -> String? {
        var found: String?
        _ = waitUntil(timeout: timeout) {
            found = copies(to: user, containing: token).first
            return found != nil
        }
        return found
    }

    /// Every stored message of `user` holding `token`, without the fields Postfix added.
    func copies(to user: String, containing token: String) -> [String] {
        mailbox(user).messages().compactMap { url -> String? in
            // Dovecot may have just moved it from new/ to cur/: then it is read on the next poll.
            guard let data = try? Data(contentsOf: url),
                  String(decoding: data, as: UTF8.self).contains(token) else { return nil }
            return String(decoding: PostfixInstance.splitDelivered(data).content, as: UTF8.self)
        }
    }

    /// Proves nothing holding `token` reached `user`: a marker sent straight to the server
    /// afterwards arrived, so nothing sent earlier is still on its way.
    func nothingDelivered(to user: String, containing token: String) throws -> Bool {
        let marker = "marker-" + UUID().uuidString
        let sent = try sendDirect(LabMail.message(subject: marker, body: "marker"), to: "\(user)@example.com")
        guard sent.accepted, delivered(to: user, containing: marker) != nil else {
            throw Failure.setup("marker not delivered: \(sent.transcript)")
        }
        return delivered(to: user, containing: token, timeout: 0) == nil
    }

    /// The server's log line that accepted the message with queue id `queueID` (`client=…`).
    func clientLogLine(queueID: String) -> String? {
        _ = waitUntil(timeout: 5) { maillog.contains("\(queueID): client=") }
        return maillog.split(separator: "\n").first { $0.contains("\(queueID): client=") }.map(String.init)
    }

    // MARK: POP3 clients on the office PC

    /// `curl pop3://SERVER/N`: message N of `user` as curl prints it (or the listing without N).
    /// `implicitTLS`: `pop3s://` (port 995), verifying the certificate against that CA file.
    func curlPOP3(_ user: String, message number: Int? = nil, on host: String = "lan1", address: String? = nil,
                  implicitTLS ca: String? = nil) throws -> CommandRun {
        let target = address ?? server
        let scheme = ca == nil ? "pop3" : "pop3s"
        let url = "\(scheme)://\(target.contains(":") ? "[\(target)]" : target)/" + (number.map(String.init) ?? "")
        return try run(on: host, ["/usr/bin/curl", "-sS", "--max-time", "60", "-u", "\(user):secret"]
                           + (ca.map { ["--cacert", $0] } ?? []) + [url])
    }

    /// Python's poplib on the office PC: every message of `user`, as `SUBJECT|X-header` lines,
    /// or the server's error for a message it could not retrieve (`ERR|…`). `implicitTLS`:
    /// POP3 over TLS on 995 (`POP3_SSL`), verifying the certificate and name against that CA file.
    func poplibSubjects(_ user: String, address: String? = nil, implicitTLS ca: String? = nil) throws -> [String] {
        let script = """
        import poplib, ssl, sys
        if sys.argv[3]:
            box = poplib.POP3_SSL(sys.argv[1], 995, timeout=60, context=ssl.create_default_context(cafile=sys.argv[3]))
        else:
            box = poplib.POP3(sys.argv[1], 110, timeout=60)
        box.user(sys.argv[2]); box.pass_("secret")
        for number in range(1, len(box.list()[1]) + 1):
            try:
                lines = box.retr(number)[1]
            except poplib.error_proto as error:
                print("ERR|" + error.args[0].decode()); continue
            header = [l.decode() for l in lines[:lines.index(b"")]]
            subject = next((l[9:] for l in header if l.startswith("Subject: ")), "")
            marks = [l for l in header if l.startswith("X-Yamaha-Mail-Security:")]
            print(subject + "|" + ";;".join(marks))
        box.quit()
        """
        let result = try run(on: "lan1", ["/usr/bin/python3", "-c", script, address ?? server, user, ca ?? ""])
        guard result.status == 0 else { throw Failure.setup("poplib: \(result.stdout)\(result.stderr)") }
        return result.stdout.split(separator: "\n").map(String.init)
    }
}

/// Test messages.
enum LabMail {
    static let gtube = "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X"
    static let eicar = #"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"#

    static func message(subject: String, body: String, from: String = "alice@example.com",
                        to: String = "bob@example.com") -> Data {
        Data("From: <\(from)>\r\nTo: <\(to)>\r\nSubject: \(subject)\r\nMessage-ID: <\(UUID().uuidString)@example.com>\r\n\r\n\(body)\r\n".utf8)
    }

    /// A subject no other test uses.
    static func subject(_ text: String) -> String { "\(text) \(UUID().uuidString.prefix(8))" }
}

/// One lab for a whole suite, brought up before its first test and removed after its last.
struct MailLabTrait: SuiteTrait, TestScoping {
    let mode: MailLab.Mode
    let configuration: String
    var interceptionArguments: String?

    @TaskLocal static var current: MailLab?

    func provideScope(for test: Test, testCase: Test.Case?,
                      performing function: @Sendable () async throws -> Void) async throws {
        let lab = try MailLab(mode: mode, configuration: configuration, interceptionArguments: interceptionArguments)
        defer { lab.stop() }
        try await Self.$current.withValue(lab) { try await function() }
    }
}

extension Trait where Self == MailLabTrait {
    /// The lab's appliance starts with interception on and every other setting at its default.
    static func mailLab(_ mode: MailLab.Mode) -> MailLabTrait {
        MailLabTrait(mode: mode, configuration: "mail security use on\n")
    }

    /// The appliance in external mode (docs/interception.md): transparent listeners for both
    /// families, no rules of its own; the test loads the site firewall's.
    static func mailLabExternal(_ mode: MailLab.Mode) -> MailLabTrait {
        MailLabTrait(mode: mode, configuration: "mail security use on\n",
                     interceptionArguments: "--interception external --smtp-transparent 0.0.0.0:10025,[::]:10025 "
                         + "--pop3-transparent 0.0.0.0:10110,[::]:10110")
    }
}

extension MailLab {
    static var suite: MailLab {
        get throws {
            guard let lab = MailLabTrait.current else { throw Failure.setup("no .mailLab trait on this suite") }
            return lab
        }
    }
}

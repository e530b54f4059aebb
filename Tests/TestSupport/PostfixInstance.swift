import Foundation

/// A private Postfix started by a test: its own config, queue and data directories and its
/// own log under a `TemporaryDirectory`, an smtpd on `address:port`, and final delivery of a
/// few virtual domains into Maildirs owned by an unprivileged account. The system's Postfix
/// (/etc/postfix) is neither read nor needed: the package's binaries are enough.
///
/// The master runs in the foreground (`master -c DIR -d`) as a `DaemonProcess`, so the test
/// owns its PID; `stop()` (also run on deinit) terminates it and waits for its workers.
///
///     let postfix = try PostfixInstance()
///     try postfix.start()
///     let result = try Swaks.send(port: postfix.port, from: "a@example.org",
///                                 to: ["alice@example.com"], data: message)
///     let files = try postfix.waitForMessages(for: "alice@example.com", count: 1)
public final class PostfixInstance: @unchecked Sendable {
    public struct Configuration: Sendable {
        /// `myhostname`: the name in the greeting and in the `Received:` line it adds.
        public var hostname = "mail.example.org"
        /// Domains delivered locally (`virtual_mailbox_domains`).
        public var domains = ["example.com", "example.net"]
        /// Addresses with a Maildir; other addresses in `domains` get 550 5.1.1 at RCPT.
        public var mailboxes = ["alice@example.com", "bob@example.com", "carol@example.net"]
        /// `message_size_limit` in bytes; a bigger message gets 552 5.3.4 after DATA.
        public var messageSizeLimit = 10_240_000
        /// Recipient address (or domain) → access(5) action, checked at RCPT:
        /// e.g. `"550 5.7.1 no thanks"`, `"450 4.2.0 try later"`, `"REJECT"`.
        public var recipientRules: [String: String] = [:]
        /// Sender address (or domain) → access(5) action, checked at MAIL FROM (reported at RCPT).
        public var senderRules: [String: String] = [:]
        /// `mynetworks`: loopback and the RFC 5737 test nets. No restriction here depends on it
        /// (any client may send to `domains`; mail for other domains is refused with 554
        /// "Relay access denied", never queued); it is there for `extraSettings` rules.
        public var clientNetworks = ["127.0.0.0/8", "192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24"]
        /// ESMTP keywords smtpd does not announce (e.g. `["PIPELINING", "CHUNKING"]`).
        public var hiddenEHLOKeywords: [String] = []
        /// Further main.cf lines (`name = value`), appended last so they win.
        public var extraSettings: [String: String] = [:]
        /// Owner of the Maildirs (`virtual_uid_maps`/`virtual_gid_maps`).
        public var mailAccount = MailAccount.nobody
        /// A second smtpd on this port speaking TLS from the first byte (RFC 8314 submissions,
        /// `smtpd_tls_wrappermode`); needs `smtpd_tls_cert_file` and `…_key_file` in `extraSettings`.
        public var implicitTLSPort: Int?

        public init() {}
    }

    public let configuration: Configuration
    public let directory: TemporaryDirectory
    public private(set) var port = 0
    public private(set) var address = "127.0.0.1"
    private var master: DaemonProcess?

    public var configDirectory: URL { directory.url.appendingPathComponent("conf") }
    public var queueDirectory: URL { directory.url.appendingPathComponent("queue") }
    public var mailRoot: URL { directory.url.appendingPathComponent("mail") }
    public var logURL: URL { directory.url.appendingPathComponent("maillog") }

    public static let postconf = "/usr/sbin/postconf"
    public static var isInstalled: Bool { FileManager.default.isExecutableFile(atPath: postconf) }

    public init(configuration: Configuration = Configuration()) throws {
        guard Self.isInstalled else { throw MailServerError.notInstalled("postfix (\(Self.postconf))") }
        guard MailAccount.named("postfix") != nil, Self.postdropGroup != nil else {
            throw MailServerError.notInstalled("user postfix and group postdrop")
        }
        self.configuration = configuration
        directory = try TemporaryDirectory(prefix: "mailsec-postfix")
    }

    deinit { stop() }

    // MARK: lifecycle

    /// Writes the configuration and starts the master; returns once smtpd accepts connections.
    public func start(port: Int = TCPPort.free(), address: String = "127.0.0.1", timeout: TimeInterval = 15) throws {
        precondition(master == nil, "PostfixInstance started twice")
        self.port = port
        self.address = address
        try createDirectories()
        try writeConfiguration()
        let daemonDirectory = try Self.daemonDirectory(config: configDirectory)
        // Own process group: on SIGTERM the master signals its group to end the workers (outside
        // a group of its own that fails, and it exits via a fatal error 1 s later).
        let process = try DaemonProcess(daemonDirectory + "/master", ["-c", configDirectory.path, "-d"],
                                        directory: directory.url, ownProcessGroup: true)
        master = process
        let ready = waitUntil(timeout: timeout) { !process.isRunning || TCPPort.isListening(port, host: address) }
        guard ready, process.isRunning else {
            // A fatal error before postlogd runs goes to syslog only (/dev/log), not to maillog.
            let why = "postfix master on \(address):\(port) (running: \(process.isRunning)); "
                + "a config error found before postlogd starts is logged to syslog only\n\(log)\n\(process.standardError)"
            stop()
            throw MailServerError.startFailed(why)
        }
    }

    /// Terminates the master (it signals its process group to end the workers) and waits,
    /// bounded, until no process of that group is left.
    public func stop() {
        guard let process = master else { return }
        master = nil
        process.stopGroup(signal: SIGTERM, timeout: 5)
    }

    public var isRunning: Bool { master?.isRunning ?? false }

    /// PIDs of the master's live worker processes (smtpd, qmgr, …).
    public var workerPIDs: [Int32] { master?.childPIDs() ?? [] }

    /// The master's PID while running.
    public var pid: Int32? { master?.pid }

    // MARK: mail

    /// The Maildir of `address` (one of `configuration.mailboxes`).
    public func mailbox(_ address: String) -> Maildir {
        Maildir(root: mailRoot.appendingPathComponent(Self.mailboxPath(address)))
    }

    public func waitForMessages(for address: String, count: Int, timeout: TimeInterval = 10) throws -> [URL] {
        do {
            return try mailbox(address).waitForMessages(count: count, timeout: timeout)
        } catch {
            throw MailServerError.timedOut("\(count) message(s) for \(address)\n--- maillog ---\n\(log)")
        }
    }

    public func readMessage(_ url: URL) throws -> Data { try Data(contentsOf: url) }

    /// Postfix's own log (`maillog_file`, written by postlogd; no syslog needed).
    public var log: String { (try? String(contentsOf: logURL, encoding: .utf8)) ?? "" }

    /// Waits until the log contains `text` (log lines arrive through postlogd, slightly late).
    @discardableResult
    public func waitForLog(containing text: String, timeout: TimeInterval = 10) -> Bool {
        waitUntil(timeout: timeout) { log.contains(text) }
    }

    // MARK: setup

    static var postdropGroup: UInt32? { getgrnam("postdrop").map { $0.pointee.gr_gid } }

    static func mailboxPath(_ address: String) -> String {
        let parts = address.split(separator: "@", maxSplits: 1)
        let domain = parts.count == 2 ? String(parts[1]) : "localdomain"
        return "\(domain)/\(parts.first.map(String.init) ?? address)/"
    }

    private func createDirectories() throws {
        let fm = FileManager.default
        let postfixUser = MailAccount.named("postfix")!
        // setgid_group must be a group of its own (postdrop), distinct from mail_owner's group.
        let postdrop = Self.postdropGroup ?? postfixUser.gid
        try fm.createDirectory(at: configDirectory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        // Postfix checks the queue's ownership and modes (postfix-files): the queue root and
        // pid/ belong to root, the rest to mail_owner, public/ and maildrop/ to setgid_group.
        try fm.createDirectory(at: queueDirectory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        for name in ["active", "bounce", "corrupt", "defer", "deferred", "flush", "hold", "incoming",
                     "private", "saved", "trace"] {
            try makeDirectory(queueDirectory.appendingPathComponent(name), mode: 0o700, owner: MailAccount(uid: postfixUser.uid, gid: 0))
        }
        try makeDirectory(queueDirectory.appendingPathComponent("maildrop"), mode: 0o730, owner: MailAccount(uid: postfixUser.uid, gid: postdrop))
        try makeDirectory(queueDirectory.appendingPathComponent("public"), mode: 0o710, owner: MailAccount(uid: postfixUser.uid, gid: postdrop))
        try makeDirectory(queueDirectory.appendingPathComponent("pid"), mode: 0o755, owner: MailAccount(uid: 0, gid: 0))
        try makeDirectory(directory.url.appendingPathComponent("data"), mode: 0o700, owner: MailAccount(uid: postfixUser.uid, gid: 0))
        try makeDirectory(mailRoot, mode: 0o755, owner: configuration.mailAccount)
        for address in configuration.mailboxes {
            let box = mailbox(address)
            try makeDirectory(box.root.deletingLastPathComponent(), mode: 0o755, owner: configuration.mailAccount)
            try box.create(owner: configuration.mailAccount)
        }
    }

    private func makeDirectory(_ url: URL, mode: Int, owner: MailAccount) throws {
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true, attributes: nil)
        chmod(url.path, mode_t(mode))
        try owner.chown(url)
    }

    private func writeConfiguration() throws {
        let c = configuration
        let conf = configDirectory.path
        let top = directory.url.path
        func table(_ name: String, _ entries: [(String, String)]) throws -> String {
            let text = entries.map { "\($0.0) \($0.1)\n" }.joined()
            try text.write(toFile: "\(conf)/\(name)", atomically: true, encoding: .utf8)
            return "texthash:\(conf)/\(name)"
        }
        let mailboxes = try table("virtual_mailboxes", c.mailboxes.map { ($0, Self.mailboxPath($0)) })
        let recipients = try table("recipient_access", c.recipientRules.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
        let senders = try table("sender_access", c.senderRules.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })

        var main: [(String, String)] = [
            ("compatibility_level", "3.6"),
            ("queue_directory", queueDirectory.path),
            ("data_directory", "\(top)/data"),
            ("mail_owner", "postfix"),
            ("setgid_group", "postdrop"),
            // Log to a file through postlogd: no syslog daemon is needed (Postfix ≥ 3.4).
            ("maillog_file", logURL.path),
            ("maillog_file_prefixes", top),
            ("myhostname", c.hostname),
            ("mydomain", "example.org"),
            ("myorigin", "$myhostname"),
            ("mydestination", ""),
            ("inet_interfaces", address),
            ("inet_protocols", "ipv4"),
            ("mynetworks", c.clientNetworks.joined(separator: " ")),
            ("relay_domains", ""),
            // No DNS at all: no resolver is reachable in tests, and lookups would only slow it.
            ("smtp_dns_support_level", "disabled"),
            ("smtp_host_lookup", "native"),
            ("smtpd_peername_lookup", "no"),
            ("alias_maps", ""),
            ("alias_database", ""),
            ("local_recipient_maps", ""),
            ("biff", "no"),
            // Leave headers as the client sent them (no Message-ID/Date/From added).
            ("local_header_rewrite_clients", ""),
            ("virtual_mailbox_domains", c.domains.joined(separator: ", ")),
            ("virtual_mailbox_base", mailRoot.path),
            ("virtual_mailbox_maps", mailboxes),
            ("virtual_uid_maps", "static:\(c.mailAccount.uid)"),
            ("virtual_gid_maps", "static:\(c.mailAccount.gid)"),
            ("virtual_mailbox_limit", "0"),
            ("mailbox_size_limit", "0"),
            ("message_size_limit", String(c.messageSizeLimit)),
            ("smtpd_banner", "$myhostname ESMTP"),
            ("smtpd_client_restrictions", ""),
            ("smtpd_helo_restrictions", ""),
            ("smtpd_sender_restrictions", ""),
            // Nothing leaves this instance: only `domains` are accepted, from any client.
            ("smtpd_relay_restrictions", "reject_unauth_destination"),
            ("smtpd_recipient_restrictions", "check_recipient_access \(recipients), check_sender_access \(senders), permit"),
            ("smtpd_discard_ehlo_keywords", c.hiddenEHLOKeywords.joined(separator: ", ")),
            // Fast: deliver at once, retry soon, never slow a client down.
            ("in_flow_delay", "0"),
            ("queue_run_delay", "1s"),
            ("minimal_backoff_time", "1s"),
            ("maximal_backoff_time", "2s"),
            ("smtpd_error_sleep_time", "0"),
            ("smtpd_soft_error_limit", "100"),
            ("smtpd_hard_error_limit", "100"),
        ]
        main += c.extraSettings.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        let mainCF = "# Private test instance; written by PostfixInstance.\n"
            + main.map { "\($0.0) = \($0.1)\n" }.joined()
        try mainCF.write(toFile: "\(conf)/main.cf", atomically: true, encoding: .utf8)

        // Nothing chrooted: the queue is not set up as a chroot jail.
        let masterCF = """
        # service type private unpriv chroot wakeup maxproc command
        \(address):\(port) inet n - n - - smtpd
        \(configuration.implicitTLSPort.map { "\(address):\($0) inet n - n - - smtpd -o smtpd_tls_wrappermode=yes" } ?? "")
        pickup    unix n - n 60 1 pickup
        cleanup   unix n - n - 0 cleanup
        qmgr      unix n - n 300 1 qmgr
        rewrite   unix - - n - - trivial-rewrite
        bounce    unix - - n - 0 bounce
        defer     unix - - n - 0 bounce
        trace     unix - - n - 0 bounce
        verify    unix - - n - 1 verify
        flush     unix n - n 1000? 0 flush
        proxymap  unix - - n - - proxymap
        tlsmgr    unix - - n 1000? 1 tlsmgr
        smtp      unix - - n - - smtp
        relay     unix - - n - - smtp
        showq     unix n - n - - showq
        error     unix - - n - - error
        retry     unix - - n - - error
        discard   unix - - n - - discard
        local     unix - n n - - local
        virtual   unix - n n - - virtual
        lmtp      unix - - n - - lmtp
        anvil     unix - - n - 1 anvil
        scache    unix - - n - 1 scache
        postlog   unix-dgram n - n - 1 postlogd

        """
        try masterCF.write(toFile: "\(conf)/master.cf", atomically: true, encoding: .utf8)

        // Postfix re-reads a configuration file every 300 ms until it is at least a couple of
        // seconds old (it might still be being edited); backdating saves that wait at start.
        let settled = Date().addingTimeInterval(-60)
        for name in try FileManager.default.contentsOfDirectory(atPath: conf) {
            try FileManager.default.setAttributes([.modificationDate: settled], ofItemAtPath: "\(conf)/\(name)")
        }
    }

    private static func daemonDirectory(config: URL) throws -> String {
        let result = try CommandRun.run(postconf, ["-c", config.path, "-h", "daemon_directory"], timeout: 10)
        let dir = result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        guard result.status == 0, FileManager.default.isExecutableFile(atPath: dir + "/master") else {
            throw MailServerError.notInstalled("postfix master in '\(dir)': \(result.stderr)")
        }
        return dir
    }
}

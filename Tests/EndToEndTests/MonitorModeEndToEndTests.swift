import Foundation
import Testing
import TestSupport

/// Monitor-only mode end to end: two network namespaces of the test's own joined by a veth
/// pair (192.0.2.0/24, or 2001:db8:6d::/64 for the same run over IPv6: the capture follows an
/// IPv6 SMTP session live as it does an IPv4 one). The "server" namespace runs a tiny SMTP server (Python sockets), the
/// bundled scan service (yscd) and mailsecd with `mail security monitor` on its veth end; the
/// "client" namespace sends a clean, a GTUBE and an EICAR message with Python's smtplib while
/// tcpdump records the exchange. The mail must arrive byte for byte as sent (the appliance is
/// not in the path), and mailsecd must count and log the two detections. The recording is then
/// replayed with `mailsec replay` and `mailsec replay --scan`.
@Suite(.serialized, .enabled(if: getuid() == 0 && FileManager.default.isExecutableFile(atPath: MonitorNetwork.ip)
                                && FileManager.default.isExecutableFile(atPath: MonitorNetwork.python)
                                && FileManager.default.isExecutableFile(atPath: MonitorNetwork.tcpdump),
                             "needs root, ip, /usr/bin/python3 and tcpdump"))
struct MonitorModeEndToEndTests {
    static let gtube = "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X"
    static let eicar = #"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"#

    static func message(_ subject: String, _ body: String) -> Data {
        Data(("From: Alice <alice@example.com>\r\nTo: Bob <bob@example.net>\r\nSubject: \(subject)\r\n"
              + "Message-ID: <\(subject)@example.com>\r\n\r\n\(body)\r\n.a line that starts with a dot\r\n").utf8)
    }

    @Test(arguments: [MonitorNetwork.Family.ipv4, .ipv6])
    func detectionsAreCountedAndLoggedWhileMailPassesUntouched(_ family: MonitorNetwork.Family) throws {
        let net = try MonitorNetwork(family)
        defer { net.tearDown() }
        let dir = net.dir

        // The scan service and the daemon, in the server namespace; monitor mode is switched
        // on from the console once the daemon runs, so the live start is what is tested.
        let pki = dir.path("pki")
        let made = try runCommand(ProductBinary.repositoryRoot().appendingPathComponent("firmware/make-pki.sh").path, [pki])
        try #require(made.status == 0, "\(made.stderr)")
        let scanPort = TCPPort.free()
        let yscd = try net.start(in: net.server, ProductBinary.path("yscd"),
                                 ["--listen", "127.0.0.1:\(scanPort)", "--cert", pki + "/server.pem", "--key", pki + "/server.key"])
        try #require(waitUntil(timeout: 30) { yscd.standardOutput.contains("yscd: ready") }, "\(yscd.standardError)")
        let config = dir.path("mailsec.conf")
        for command in ["ysc url https://127.0.0.1:\(scanPort)/", "ysc retry 1"] {
            let result = try runCommand(ProductBinary.path("mailsec"), ["--config", config, command])
            try #require(result.status == 0, "\(result.stdout)")
        }
        let control = dir.path("ctl.sock")
        let daemon = try net.start(in: net.server, ProductBinary.path("mailsecd"), [
            "--config", config, "--control", control, "--syslog-socket", dir.path("no-syslog"),
            "--ysc-ca", pki + "/ca.pem", "--serial", "E2E-MON-1", "--spool", dir.path("spool"),
        ])
        func console(_ command: String) -> String {
            (try? runCommand(ProductBinary.path("mailsec"), ["--control", control, command]))?.stdout ?? ""
        }
        func configure(_ command: String) -> Bool {
            (try? runCommand(ProductBinary.path("mailsec"), ["--control", control, command]))?.status == 0
        }
        try #require(waitUntil(timeout: 30) { console("show status mail security").contains("License                       active") },
                     "licence not active: \(daemon.standardError)")
        #expect(configure("mail security monitor \(net.serverLink)"))
        try #require(waitUntil(timeout: 10) { MonitorNetwork.rows(console("show status mail security monitor"))["Capture"] == "running" },
                     "capture did not start: \(console("show status mail security monitor"))\(daemon.standardError)")

        // The SMTP server, and tcpdump recording on the client side.
        let received = dir.path("received")
        try FileManager.default.createDirectory(atPath: received, withIntermediateDirectories: true)
        try MonitorNetwork.smtpServer.write(toFile: dir.path("server.py"), atomically: true, encoding: .utf8)
        let server = try net.start(in: net.server, MonitorNetwork.python, [dir.path("server.py"), net.serverAddress, "25", received])
        try #require(waitUntil(timeout: 10) { server.standardOutput.contains("ready") }, "\(server.standardError)")
        let recording = dir.path("exchange.pcap")
        let tcpdump = try net.start(in: net.client, MonitorNetwork.tcpdump,
                                    ["-i", net.clientLink, "--immediate-mode", "-U", "-s", "0", "-w", recording, "tcp port 25"])
        try #require(waitUntil(timeout: 10) { tcpdump.standardError.contains("listening on") }, "\(tcpdump.standardError)")

        // The mail, sent from the client namespace.
        let messages = [("clean", "Hello Bob, nothing to see here."), ("gtube", Self.gtube), ("eicar", Self.eicar)]
        var files: [String] = []
        for (subject, body) in messages {
            let path = dir.path("\(subject).eml")
            try Self.message(subject, body).write(to: URL(fileURLWithPath: path))
            files.append(path)
        }
        try MonitorNetwork.smtpClient.write(toFile: dir.path("client.py"), atomically: true, encoding: .utf8)
        let sent = try runCommand(MonitorNetwork.ip, ["netns", "exec", net.client, MonitorNetwork.python, dir.path("client.py"),
                                                      net.serverAddress, "25"] + files, timeout: 60)
        try #require(sent.status == 0, "\(sent.stdout)\(sent.stderr)")

        // Untouched: the server has each message exactly as sent.
        for (index, file) in files.enumerated() {
            let arrived = FileManager.default.contents(atPath: "\(received)/received-\(index + 1).eml")
            #expect(arrived == FileManager.default.contents(atPath: file), "message \(index + 1) altered or missing")
        }

        // Counted and logged.
        var rows: [String: String] = [:]
        let counted = waitUntil(timeout: 30) {
            rows = MonitorNetwork.rows(console("show status mail security monitor"))
            return rows["SMTP scanned"] == "3"
        }
        #expect(counted, "\(rows)")
        #expect(rows["SMTP messages seen"] == "3")
        #expect(rows["SMTP clean"] == "1")
        #expect(rows["SMTP spam"] == "1")
        #expect(rows["SMTP virus"] == "1")
        #expect(rows["SMTP could not scan"] == "0")
        #expect(rows["Sessions followed"] == "1")
        #expect(Int(rows["Packets captured"] ?? "") ?? 0 > 10)
        let log = console("show log")
        #expect(log.contains("[MAIL_SEC] Monitor: SMTP: Detect spam mail (100)"), "\(log)")
        #expect(log.contains("[MAIL_SEC] Monitor: SMTP: Detect virus mail (EICAR-Test-File)"), "\(log)")
        // The inline counters are not the monitor's: nothing was inspected in the path.
        #expect(MonitorNetwork.rows(console("show status mail security"))["SMTP inspected"] == "0")

        // Switched off live.
        #expect(configure("no mail security monitor"))
        #expect(waitUntil(timeout: 10) { MonitorNetwork.rows(console("show status mail security monitor"))["Capture"] == "off" })

        // The recording replays to the same three messages, and --scan judges them alike.
        _ = tcpdump.stop(timeout: 5)
        let replay = try runCommand(ProductBinary.path("mailsec"), ["replay", recording])
        #expect(replay.status == 0)
        let lines = replay.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 3, "\(replay.stdout)")
        for (line, subject) in zip(lines, ["clean", "gtube", "eicar"]) {
            #expect(line.contains(" SMTP from=<alice@example.com> to=<bob@example.net> ") && line.hasSuffix("subject=\"\(subject)\""), "\(line)")
        }
        let scanned = try runCommand(MonitorNetwork.ip, ["netns", "exec", net.server, ProductBinary.path("mailsec"), "replay", "--scan",
                                                         "--config", config, "--ysc-ca", pki + "/ca.pem", recording], timeout: 120)
        let verdicts = scanned.stdout.split(separator: "\n").map { String($0[($0.range(of: " scan=")?.upperBound ?? $0.endIndex)...]) }
        #expect(verdicts.count == 3, "\(scanned.stdout)\(scanned.stderr)")
        #expect(verdicts.count == 3 && verdicts[0].hasPrefix("clean ") && verdicts[1].hasPrefix("spam score=100")
                    && verdicts[2].hasPrefix("virus ") && verdicts[2].hasSuffix("viruses=EICAR-Test-File"), "\(verdicts)")
    }
}

/// Two namespaces with a veth pair between them, and the processes started in them; all of it
/// removed by `tearDown()` (processes by PID first, then the namespaces, which take the veth).
final class MonitorNetwork: @unchecked Sendable {
    static let ip = "/usr/sbin/ip"
    static let python = "/usr/bin/python3"
    static let tcpdump = "/usr/bin/tcpdump"

    /// The addresses of the two ends: IPv4 documentation range or the IPv6 documentation prefix.
    enum Family: String, Sendable, CustomStringConvertible {
        case ipv4, ipv6
        var client: String { self == .ipv4 ? "192.0.2.61" : "2001:db8:6d::61" }
        var server: String { self == .ipv4 ? "192.0.2.62" : "2001:db8:6d::62" }
        var prefixLength: Int { self == .ipv4 ? 24 : 64 }
        var description: String { rawValue }
    }

    let family: Family
    var clientAddress: String { family.client }
    var serverAddress: String { family.server }

    let dir: TemporaryDirectory
    let client: String
    let server: String
    let clientLink: String
    let serverLink: String
    private var processes: [ManagedProcess] = []

    init(_ family: Family = .ipv4) throws {
        self.family = family
        dir = try TemporaryDirectory(prefix: "monitor-e2e")
        // Unique per run: several developers' tests may build namespaces at once.
        let tag = String(UUID().uuidString.filter(\.isHexDigit).prefix(6)).lowercased()
        client = "msmon-\(tag)-c"
        server = "msmon-\(tag)-s"
        clientLink = "msm\(tag)c"
        serverLink = "msm\(tag)s"
        do {
            for arguments in [
                ["netns", "add", client], ["netns", "add", server],
                ["link", "add", clientLink, "type", "veth", "peer", "name", serverLink],
                ["link", "set", clientLink, "netns", client], ["link", "set", serverLink, "netns", server],
                // nodad: an IPv6 address is usable at once, not after duplicate address detection.
                ["-n", client, "addr", "add", "\(family.client)/\(family.prefixLength)", "dev", clientLink]
                    + (family == .ipv6 ? ["nodad"] : []),
                ["-n", server, "addr", "add", "\(family.server)/\(family.prefixLength)", "dev", serverLink]
                    + (family == .ipv6 ? ["nodad"] : []),
                ["-n", client, "link", "set", clientLink, "up"], ["-n", server, "link", "set", serverLink, "up"],
                ["-n", client, "link", "set", "lo", "up"], ["-n", server, "link", "set", "lo", "up"],
            ] {
                let result = try runCommand(Self.ip, arguments)
                guard result.status == 0 else { throw SetupError("ip \(arguments.joined(separator: " ")): \(result.stderr)") }
            }
        } catch {
            tearDown()
            throw error
        }
    }

    struct SetupError: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    /// Starts `executable` inside `namespace` (`ip netns exec` replaces itself with it, so the
    /// PID is the program's own).
    @discardableResult
    func start(in namespace: String, _ executable: String, _ arguments: [String]) throws -> ManagedProcess {
        let process = try ManagedProcess(Self.ip, ["netns", "exec", namespace, executable] + arguments, directory: dir.url)
        processes.append(process)
        return process
    }

    func tearDown() {
        for process in processes.reversed() { _ = process.stop(timeout: 5) }
        processes = []
        _ = try? runCommand(Self.ip, ["netns", "del", client])
        _ = try? runCommand(Self.ip, ["netns", "del", server])
        _ = try? runCommand(Self.ip, ["link", "del", clientLink])
    }

    /// The rows of a status table: item → value.
    static func rows(_ table: String) -> [String: String] {
        var rows: [String: String] = [:]
        for line in table.split(separator: "\n") where line.count > 30 && !line.hasPrefix("=") && !line.hasPrefix("-") {
            let item = line.prefix(30).trimmingCharacters(in: .whitespaces)
            rows[item] = line.dropFirst(30).trimmingCharacters(in: .whitespaces)
        }
        return rows
    }

    /// A minimal SMTP server: accepts everything, stores each message's content (dot-unstuffed)
    /// as received-N.eml in the directory given.
    static let smtpServer = #"""
    import os, socket, sys
    address, port, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    listener = socket.socket(socket.AF_INET6 if ":" in address else socket.AF_INET)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((address, port))
    listener.listen(5)
    print("ready", flush=True)
    count = 0
    while True:
        conn, _ = listener.accept()
        reader = conn.makefile("rb")
        conn.sendall(b"220 sink.example.net ESMTP\r\n")
        while True:
            line = reader.readline()
            if not line:
                break
            verb = line[:4].upper()
            if verb == b"DATA":
                conn.sendall(b"354 go ahead\r\n")
                data = b""
                while True:
                    part = reader.readline()
                    if not part or part == b".\r\n":
                        break
                    data += part[1:] if part.startswith(b".") else part
                count += 1
                with open(os.path.join(out, "received-%d.tmp" % count), "wb") as f:
                    f.write(data)
                os.rename(os.path.join(out, "received-%d.tmp" % count), os.path.join(out, "received-%d.eml" % count))
                conn.sendall(b"250 2.0.0 queued\r\n")
            elif verb == b"QUIT":
                conn.sendall(b"221 2.0.0 bye\r\n")
                break
            else:
                conn.sendall(b"250 sink.example.net\r\n")
        conn.close()
    """#

    /// Sends each file given, as is, in one SMTP session.
    static let smtpClient = #"""
    import smtplib, sys
    host, port, files = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
    with smtplib.SMTP(host, port, timeout=30) as session:
        for name in files:
            with open(name, "rb") as f:
                session.sendmail("alice@example.com", ["bob@example.net"], f.read())
    """#
}

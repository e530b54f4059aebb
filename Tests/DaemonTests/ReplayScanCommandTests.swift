import Foundation
import Testing
import TestSupport

/// `mailsec replay --scan FILE.pcap`: each message scanned by the real bundled scan service
/// (yscd over HTTPS with the firmware's private CA), the verdict appended to its line.
@Suite(.serialized) struct ReplayScanCommandTests {
    static let gtube = "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X"
    static let eicar = #"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"#
    static let fixtures = ReplayCommandTests.fixtures

    /// yscd on a free loopback port, and a configuration file that points at it.
    final class ScanService {
        let dir: TemporaryDirectory
        let port = TCPPort.free()
        let config: String
        let caBundle: String
        private let process: ManagedProcess

        init(extraCommands: [String] = []) throws {
            dir = try TemporaryDirectory(prefix: "replay-scan")
            let pki = dir.path("pki")
            let made = try runCommand(ProductBinary.repositoryRoot().appendingPathComponent("firmware/make-pki.sh").path, [pki])
            guard made.status == 0 else { throw Failure("make-pki: \(made.stderr)") }
            caBundle = pki + "/ca.pem"
            process = try ManagedProcess(ProductBinary.path("yscd"),
                                         ["--listen", "127.0.0.1:\(port)", "--cert", pki + "/server.pem", "--key", pki + "/server.key"],
                                         directory: dir.url)
            config = dir.path("mailsec.conf")
            for command in ["ysc url https://127.0.0.1:\(port)/"] + extraCommands {
                let result = try runCommand(ProductBinary.path("mailsec"), ["--config", config, command])
                guard result.status == 0 else { throw Failure("\(command): \(result.stdout)") }
            }
            let port = port
            guard waitUntil(timeout: 30, { TCPPort.isListening(port) }) else { throw Failure("yscd did not start") }
        }

        func replay(_ capture: String, extra: [String] = []) throws -> (status: Int32, stdout: String, stderr: String) {
            try runCommand(ProductBinary.path("mailsec"),
                           ["replay", "--scan", "--config", config, "--ysc-ca", caBundle] + extra + [capture], timeout: 120)
        }

        deinit { process.stop(timeout: 2) }
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    /// A capture the test makes: a clean, a GTUBE and an EICAR message in one SMTP session.
    static func makeCapture(in dir: TemporaryDirectory) throws -> String {
        func message(_ subject: String, _ body: String) -> String {
            "From: alice@example.com\r\nTo: bob@example.net\r\nSubject: \(subject)\r\nMessage-ID: <\(subject)@example.com>\r\n\r\n\(body)\r\n"
        }
        var capture = SyntheticCapture()
        capture.smtpSession(client: [192, 0, 2, 10], clientPort: 41000, server: [192, 0, 2, 25],
                            from: "alice@example.com", to: "bob@example.net",
                            messages: [message("clean", "Hello Bob."), message("gtube", gtube), message("eicar", eicar)])
        let path = dir.path("made.pcap")
        try capture.write(to: path)
        return path
    }

    @Test func verdictsOfGTUBEAndEICARAndACleanMessage() throws {
        let service = try ScanService()
        let result = try service.replay(try Self.makeCapture(in: service.dir))
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 3)
        #expect(lines.count == 3 && lines[0].contains("subject=\"clean\"") && lines[0].hasSuffix(" scan=clean score=0 viruses=-"), "\(lines)")
        #expect(lines.count == 3 && lines[1].contains("subject=\"gtube\"") && lines[1].hasSuffix(" scan=spam score=100 viruses=-"), "\(lines)")
        #expect(lines.count == 3 && lines[2].contains("subject=\"eicar\"") && lines[2].contains(" scan=virus ")
                    && lines[2].hasSuffix("viruses=EICAR-Test-File"), "\(lines)")
        // Without --scan the same lines, without the verdicts.
        let plain = try runCommand(ProductBinary.path("mailsec"), ["replay", service.dir.path("made.pcap")])
        #expect(plain.stdout == lines.map { String($0[..<$0.range(of: " scan=")!.lowerBound]) + "\n" }.joined())
    }

    /// `mail security max size` of the configuration: a larger message is not sent to the
    /// service, as the daemon would not scan it either.
    @Test func theConfiguredMaxSizeLeavesLargeMessagesUnscanned() throws {
        let service = try ScanService(extraCommands: ["mail security max size 1"])
        let dir = service.dir
        var capture = SyntheticCapture()
        let big = "Subject: big\r\n\r\n" + String(repeating: "\(Self.gtube) padding padding padding\r\n", count: 12_000)
        capture.smtpSession(client: [192, 0, 2, 10], clientPort: 41001, server: [192, 0, 2, 25],
                            from: "alice@example.com", to: "bob@example.net", messages: [big])
        try capture.write(to: dir.path("big.pcap"))
        let result = try service.replay(dir.path("big.pcap"))
        #expect(result.status == 0)
        #expect(result.stdout.hasSuffix(" scan=unscanned (over max size)\n"), "\(result.stdout)")
    }

    /// The corpus captures: every line is the checked-in replay line plus a verdict; TLS
    /// sessions and unfinished messages are unscanned, with the reason.
    @Test(arguments: ["zeek__smtp.pcap", "sv__smtp-rfc2231.pcap", "zeek__pop3.pcap", "arkime__smtp-decrypted.pcap",
                      "sv__pop3.pcap", "sv__smtp-pipelined-rset-data-replies.pcap"])
    func corpusLinesGainAVerdict(capture: String) throws {
        let service = try ScanService()
        let expected = try String(contentsOf: Self.fixtures.appendingPathComponent(
            capture.replacingOccurrences(of: ".pcap", with: ".replay.expected")), encoding: .utf8)
            .split(separator: "\n").map(String.init)
        let result = try service.replay(Self.fixtures.appendingPathComponent(capture).path)
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == expected.count)
        for (line, plain) in zip(lines, expected) {
            #expect(line.hasPrefix(plain + " scan="), "\(line)")
            let verdict = String(line.dropFirst(plain.count + 6))
            if plain.contains(" encrypted ") {
                #expect(verdict == "unscanned (encrypted session)")
            } else if plain.hasSuffix(" incomplete") {
                #expect(verdict == "unscanned (incomplete message)")
            } else if plain.hasSuffix(" gap") {
                #expect(verdict == "unscanned (bytes missing from the capture)")
            } else if plain.contains(" size=0 ") {
                #expect(verdict == "unscanned (empty message)")
            } else {
                let keyword = verdict.split(separator: " ").first.map(String.init) ?? ""
                #expect(["clean", "spam", "virus", "spam+virus"].contains(keyword), "\(line)")
                #expect(verdict.contains(" score=") && verdict.contains(" viruses="), "\(line)")
            }
        }
    }

    /// A real attachment: the corpus's zipped EICAR is found inside the archive.
    @Test func theZippedEICAROfTheCorpusIsAVirus() throws {
        let service = try ScanService()
        let result = try service.replay(Self.fixtures.appendingPathComponent("sv__smtp-rfc2231.pcap").path)
        let virusLines = result.stdout.split(separator: "\n").filter { $0.contains(" scan=virus ") }
        #expect(virusLines.count == 1, "\(result.stdout)")
        #expect(virusLines.first?.hasSuffix("viruses=EICAR-Test-File") == true)
    }

    /// With no scan service listening every message is `unscanned (reason)`, and the command
    /// still succeeds (the capture was read).
    @Test func anUnreachableServiceLeavesMessagesUnscanned() throws {
        let dir = try TemporaryDirectory(prefix: "replay-scan-down")
        let capture = try Self.makeCapture(in: dir)
        let config = dir.path("mailsec.conf")
        for command in ["ysc url https://127.0.0.1:\(TCPPort.free())/", "ysc retry 0", "ysc connection timeout 2"] {
            _ = try runCommand(ProductBinary.path("mailsec"), ["--config", config, command])
        }
        let result = try runCommand(ProductBinary.path("mailsec"), ["replay", "--scan", "--config", config, capture], timeout: 60)
        #expect(result.status == 0)
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.count == 3)
        #expect(lines.allSatisfy { $0.contains(" scan=unscanned (") }, "\(result.stdout)")
    }

    @Test func aMissingConfigurationIsAnError() throws {
        let dir = try TemporaryDirectory(prefix: "replay-scan-noconf")
        let result = try runCommand(ProductBinary.path("mailsec"),
                                    ["replay", "--scan", "--config", dir.path("missing.conf"),
                                     Self.fixtures.appendingPathComponent("zeek__smtp.pcap").path])
        #expect(result.status == 1)
        #expect(result.stdout.hasPrefix("Error: Cannot read the configuration"))
    }
}

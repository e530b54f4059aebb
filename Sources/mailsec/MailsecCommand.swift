import ApplianceConfig
import ArgumentParser
import ControlPlane
import Foundation
import Monitoring
import PacketLayer

/// `mailsec`: the router-style console. One command from the arguments, or an interactive
/// session; against the running daemon (control socket) or offline on a config file.
@main
struct MailsecCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mailsec",
        abstract: "Console of the mail security appliance.",
        discussion: """
            mailsec 'show status mail security'      one command against the daemon
            mailsec                                  interactive console (prompt '# ')
            mailsec --config FILE 'COMMAND'          offline, directly on a config file
            mailsec --administrator-password-file F 'COMMAND'   a change when 'administrator password' is set
            mailsec replay FILE.pcap                 the mail messages in a capture, one line each
            mailsec replay --scan [--config FILE] [--ysc-ca FILE] FILE.pcap
                                                     … each also scanned by the configured scan service
            """
    )

    @Option(help: "Control socket of the running mailsecd.")
    var control: String = FirmwareDefaults.controlSocket

    @Option(help: "Work offline on this configuration file instead of the daemon.")
    var config: String?

    @Option(help: "Enter administrator mode first with the password in this file (its first line), for changes when 'administrator password' is set.")
    var administratorPasswordFile: String?

    @Flag(help: "Ask for the login password (when one is set) before the interactive console starts: the serial console of the appliance.")
    var login = false

    @Option(help: .hidden)
    var writeCliReference: String?

    @Argument(parsing: .captureForPassthrough, help: "The command (quote it, or give its words).")
    var words: [String] = []

    func run() throws {
        if let directory = writeCliReference {
            try CLIReferenceWriter.write(to: directory)
            return
        }
        if words.first?.lowercased() == "replay" {
            try replay(Array(words.dropFirst()))
            return
        }
        let session: ConsoleSession
        do {
            session = try config.map { try ConsoleSession.offline(configPath: $0) } ?? ConsoleSession.daemon(controlPath: control)
        } catch {
            FileHandle.standardError.write(Data("\(error)\n".utf8))
            throw ExitCode(1)
        }
        if let administratorPasswordFile {
            let password: String
            do {
                let text = try String(contentsOfFile: administratorPasswordFile, encoding: .utf8)
                password = String(text.split(separator: "\n", omittingEmptySubsequences: false).first ?? "")
            } catch {
                FileHandle.standardError.write(Data("Error: Cannot read \(administratorPasswordFile)\n".utf8))
                throw ExitCode(1)
            }
            let reply = session.run(AdministratorLogin.request(password: password))
            if !reply.ok {
                FileHandle.standardOutput.write(Data(reply.output.utf8))
                throw ExitCode(1)
            }
        }
        if words.isEmpty {
            InteractiveConsole(session: session, asksLoginPassword: login).run()
            return
        }
        let reply = session.run(words.joined(separator: " "))
        FileHandle.standardOutput.write(Data(reply.output.utf8))
        if !reply.ok { throw ExitCode(1) }
    }

    /// `mailsec replay [--scan [--config FILE] [--ysc-ca FILE]] FILE.pcap`: offline, no daemon
    /// needed; the SMTP and POP3 messages the capture holds (TCP streams reassembled), one line
    /// each, oldest first; with `--scan` each also scanned (the scan service, spam level and
    /// max size of the configuration file, the firmware's one by default).
    private func replay(_ arguments: [String]) throws {
        var scan = false
        var configPath = config
        var caBundle = FirmwareDefaults.yscCABundle
        var files: [String] = []
        var rest = arguments[...]
        while let word = rest.popFirst() {
            switch word {
            case "--scan": scan = true
            case "--config", "--ysc-ca":
                guard let value = rest.popFirst() else { return try usageError() }
                if word == "--config" { configPath = value } else { caBundle = value }
            default: files.append(word)
            }
        }
        guard files.count == 1, let path = files.first else { return try usageError() }
        do {
            if scan {
                let configuration = try Self.replayConfiguration(configPath ?? FirmwareDefaults.configPath,
                                                                 required: configPath != nil)
                let client = ScanServices.clientConfiguration(configuration, caBundlePath: caBundle)
                let report = try ReplayScan(configuration: configuration, clientConfiguration: client).run(path: path)
                FileHandle.standardOutput.write(Data(report.utf8))
            } else {
                let messages = try Replay.run(path: path)
                FileHandle.standardOutput.write(Data(ReplayReport.render(messages).utf8))
            }
        } catch let error as ReplayConfigError {
            FileHandle.standardOutput.write(Data("Error: \(error.text)\n".utf8))
            throw ExitCode(1)
        } catch {
            FileHandle.standardOutput.write(Data("Error: Cannot read the capture \(path) (\(error))\n".utf8))
            throw ExitCode(1)
        }
    }

    private func usageError() throws {
        FileHandle.standardOutput.write(Data("Error: Insufficient or too many parameters\n".utf8))
        throw ExitCode(1)
    }

    struct ReplayConfigError: Error { let text: String }

    /// The configuration whose `ysc …` and `mail security spam level/max size` the scan uses.
    /// The firmware's default file may be missing (a workstation): the defaults apply then.
    private static func replayConfiguration(_ path: String, required: Bool) throws -> Configuration {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            if required { throw ReplayConfigError(text: "Cannot read the configuration \(path)") }
            return Configuration()
        }
        let (configuration, problems) = Configuration.load(text)
        for problem in problems {
            FileHandle.standardError.write(Data("mailsec: \(path) line \(problem.lineNumber): \(problem.error.message)\n".utf8))
        }
        return configuration
    }
}

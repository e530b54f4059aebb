import Foundation

/// Runs the real `swaks` SMTP client against a server and reports what happened.
///
/// swaks converts the data file's line endings to CRLF, dot-stuffs it, and always sends one
/// more CRLF before the final `.` (see `messageAsSent(file:)`), so compare what arrives through
/// the appliance with what arrives when the same file is sent straight to the server.
public enum Swaks {
    public static let path = "/usr/bin/swaks"
    public static var isInstalled: Bool { FileManager.default.isExecutableFile(atPath: path) }

    public struct Result: Sendable {
        public var status: Int32
        /// swaks's transcript (`-> ` client lines, `<- ` server replies, `<** ` error replies).
        public var transcript: String
        public var standardError: String
        /// The reply code of every complete server reply, in order (greeting first).
        public var replyCodes: [Int]

        /// The queue id from a `250 … queued as ID` reply (Postfix), if any.
        public var queueID: String? {
            guard let range = transcript.range(of: "queued as ") else { return nil }
            return String(transcript[range.upperBound...].prefix { $0.isLetter || $0.isNumber })
        }

        /// True when swaks reports success (exit status 0: every step was accepted).
        public var accepted: Bool { status == 0 }

        public init(status: Int32, transcript: String, standardError: String, replyCodes: [Int]) {
            self.status = status
            self.transcript = transcript
            self.standardError = standardError
            self.replyCodes = replyCodes
        }
    }

    /// Sends `data` (a whole message: header and body) from `from` to `to` via `host:port`.
    /// `headers` are swaks `--header "Name: value"` options (replacing or adding a field).
    /// `launcher`: a command that runs swaks for us, e.g. `ip netns exec NS` to send from
    /// inside a network namespace.
    public static func send(port: Int, host: String = "127.0.0.1", from: String, to: [String],
                            data: Data, headers: [(String, String)] = [],
                            helo: String = "client.example.org", extraArguments: [String] = [],
                            launcher: [String] = [], timeout: TimeInterval = 30) throws -> Result {
        guard isInstalled else { throw MailServerError.notInstalled("swaks (\(path))") }
        let scratch = try TemporaryDirectory(prefix: "mailsec-swaks")
        let file = scratch.url.appendingPathComponent("message.eml")
        try data.write(to: file)
        var arguments = ["--server", "\(host):\(port)", "--from", from, "--to", to.joined(separator: ","),
                         "--helo", helo, "--data", "@" + file.path, "--timeout", "\(Int(timeout))s"]
        for (name, value) in headers { arguments += ["--header", "\(name): \(value)"] }
        arguments += extraArguments
        let command = launcher + [path] + arguments
        let run = try CommandRun.run(command[0], Array(command.dropFirst()), timeout: timeout + 5)
        return Result(status: run.status, transcript: run.stdout, standardError: run.stderr,
                      replyCodes: replyCodes(in: run.stdout))
    }

    /// The message a server receives (after un-dot-stuffing, before its own additions) when
    /// swaks sends `file`: line endings made CRLF, plus the one CRLF swaks adds before `.`.
    public static func messageAsSent(file: Data) -> Data {
        MailText.crlfLineEndings(file) + Data("\r\n".utf8)
    }

    /// Reply codes from transcript lines `<-  250 …` / `<** 550 …`; a multi-line reply
    /// (`250-…` continuation lines) counts once, at its last line.
    static func replyCodes(in transcript: String) -> [Int] {
        transcript.split(separator: "\n", omittingEmptySubsequences: true).compactMap { line in
            guard line.hasPrefix("<-") || line.hasPrefix("<**") else { return nil }
            let reply = line.drop { $0 == "<" || $0 == "-" || $0 == "*" || $0 == "~" }.drop { $0 == " " }
            guard reply.count >= 3, let code = Int(reply.prefix(3)) else { return nil }
            let separator = reply.dropFirst(3).first
            return separator == "-" ? nil : code
        }
    }
}

import ApplianceConfig
import ControlPlane
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The interactive console: prompt `# `, one command per line, `exit`/`quit` to leave.
///
/// Session history as on the router: `show history` lists the commands of this session,
/// `!!` repeats the last one and `!N` the N-th. After `login timer` seconds without input
/// the session ends, as a router logs an idle terminal out.
struct InteractiveConsole {
    let session: ConsoleSession
    /// The serial console (`mailsec --login`): ask for `login password`, when one is set,
    /// before the first prompt.
    var asksLoginPassword = false
    /// Bound on the remembered commands, so a long session cannot grow without limit.
    static let historyLimit = 200

    func run() {
        var history: [String] = []
        let timeout = loginTimer()
        if asksLoginPassword {
            // The first thing a terminal on the serial port shows after a (re)start.
            write("\r\nMail security appliance console\r\n")
            if !logIn() { return }
        }
        while true {
            write("# ")
            guard waitForInput(seconds: timeout) else {
                write("\nLogged out (login timer expired)\n")
                return
            }
            guard let raw = readLine(strippingNewline: true) else {
                write("\n")
                return
            }
            var line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty { continue }
            if let recalled = recall(line, history: history) {
                guard let command = recalled else {
                    write("Error: No such command in history\n")
                    continue
                }
                line = command
                write(line + "\n")
            }
            switch line.lowercased() {
            case "exit", "quit", "logout":
                return
            case "administrator":
                // Router style: the password is asked for, never part of the history.
                write("Password: ")
                let password = readPassword()
                write("\n")
                write(session.run(AdministratorLogin.request(password: password)).output)
                continue
            case "show history":
                for (index, command) in history.enumerated() { write("\(index + 1)  \(command)\n") }
                continue
            default:
                break
            }
            history.append(line)
            if history.count > Self.historyLimit { history.removeFirst() }
            write(session.run(line).output)
        }
    }

    /// Router style: `Password: ` until the login password is entered, a few tries per
    /// session; the password is checked against the hash in the running configuration.
    private func logIn() -> Bool {
        let reply = session.run("show config")
        let configuration = reply.ok ? Configuration.load(reply.output).0 : Configuration()
        guard configuration.hasLoginPassword else { return true }
        for _ in 0..<AdministratorLogin.maximumAttempts {
            write("Password: ")
            let password = readPassword()
            write("\n")
            if configuration.verifyLoginPassword(password) { return true }
            write("Error: Password incorrect\n")
        }
        return false
    }

    /// `!!` → last command, `!N` → N-th; nil when the line is not a recall, .some(nil) when
    /// the recall names nothing.
    private func recall(_ line: String, history: [String]) -> String?? {
        guard line.hasPrefix("!") else { return nil }
        if line == "!!" { return .some(history.last) }
        guard let index = Int(line.dropFirst()), index >= 1, index <= history.count else { return .some(nil) }
        return .some(history[index - 1])
    }

    /// The configured `login timer` (nil: never log out).
    private func loginTimer() -> Int? {
        let reply = session.run("show config")
        guard reply.ok else { return Configuration().loginTimer }
        return Configuration.load(reply.output).0.loginTimer
    }

    private func waitForInput(seconds: Int?) -> Bool {
        guard let seconds else { return true }
        var descriptor = pollfd(fd: STDIN_FILENO, events: Int16(POLLIN), revents: 0)
        let deadline = Date().addingTimeInterval(TimeInterval(seconds))
        while true {
            let left = deadline.timeIntervalSinceNow
            if left <= 0 { return false }
            let rc = poll(&descriptor, 1, Int32(min(left * 1000, Double(Int32.max))))
            if rc > 0 { return true }
            if rc == 0 { return false }
            if errno != EINTR { return true }
        }
    }

    /// One line from standard input, not echoed when it is a terminal.
    private func readPassword() -> String {
        var saved = termios()
        let isTerminal = isatty(STDIN_FILENO) == 1 && tcgetattr(STDIN_FILENO, &saved) == 0
        if isTerminal {
            var quiet = saved
            quiet.c_lflag &= ~tcflag_t(ECHO)
            tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet)
        }
        defer { if isTerminal { tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved) } }
        return readLine(strippingNewline: true) ?? ""
    }

    private func write(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }
}

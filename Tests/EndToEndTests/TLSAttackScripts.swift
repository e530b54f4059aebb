import Foundation
import TestSupport

/// The attacker's side of the STARTTLS/STLS negative tests (docs/tls.md, "How an upgrade runs"),
/// as Python run by the test: a raw-socket client that writes exactly the segments an attack
/// needs, and a server that misbehaves the way a man in the middle upstream of the appliance
/// would (the "striptls" list of downgrade and injection attacks).
enum TLSAttackScripts {
    /// A client over one socket. `say(NAME, BYTES)` writes BYTES as one segment and prints
    /// `NAME reply-line | reply-line …`; `secure(NAME)` starts TLS trusting the CA in argv[2]
    /// with SNI NAME, after checking that nothing arrived in plaintext beyond the answer read;
    /// `pending()` is whatever else arrives within a second. argv[1] is the appliance's port.
    /// A reply ends at an SMTP line without "-" after its code, or, with `listing=True` (a POP3
    /// multi-line answer such as CAPA's), at the "." line.
    static let client = #"""
    import socket, ssl, sys
    port, ca = int(sys.argv[1]), sys.argv[2]
    s = socket.create_connection(("127.0.0.1", port), timeout=30)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    buf = b""
    def readline():
        global buf
        while b"\n" not in buf:
            chunk = s.recv(4096)
            if not chunk:
                line, buf = buf, b""
                return line
            buf += chunk
        line, buf = buf.split(b"\n", 1)
        return line + b"\n"
    def reply(listing=False):
        lines = []
        while True:
            line = readline().decode(errors="replace")
            if not line:
                return lines + ["EOF"]
            lines.append(line.strip())
            if listing:
                if line.strip() == "." or line.startswith("-ERR"):
                    return lines
            elif line[3:4] != "-":
                return lines
    def say(name, data, listing=False):
        s.sendall(data)
        lines = reply(listing)
        print(name, " | ".join(lines), flush=True)
        return lines
    def pending():
        global buf
        s.settimeout(1)
        try:
            while True:
                chunk = s.recv(4096)
                if not chunk:
                    buf += b"EOF"
                    break
                buf += chunk
        except (socket.timeout, TimeoutError, ssl.SSLWantReadError):
            pass
        s.settimeout(30)
        out, buf = buf, b""
        return out.decode(errors="replace")
    def secure(name):
        global s
        print("PLAINTEXT-AFTER-GO-AHEAD", repr(buf), flush=True)
        s = ssl.create_default_context(cafile=ca).wrap_socket(s, server_hostname=name)
        print("TLS", s.version(), flush=True)

    """#

    /// A server that speaks SMTP like a real one, offers STARTTLS, and answers it with argv[2]
    /// (Python escapes: "454 4.7.0 …\r\n", or a go-ahead followed by injected data). argv[1]:
    /// its port on 127.0.0.1.
    static let lyingSMTPServer = #"""
    import socket, sys, threading
    port = int(sys.argv[1])
    answer = sys.argv[2].encode().decode("unicode_escape").encode("latin-1")
    server = socket.create_server(("127.0.0.1", port))
    def session(c):
        try:
            f = c.makefile("rb")
            c.sendall(b"220 mx.example.net ESMTP\r\n")
            for line in f:
                command = line.strip().upper()
                if command.startswith(b"EHLO"):
                    c.sendall(b"250-mx.example.net\r\n250-PIPELINING\r\n250 STARTTLS\r\n")
                elif command == b"STARTTLS":
                    c.sendall(answer)
                elif command == b"QUIT":
                    c.sendall(b"221 2.0.0 Bye\r\n")
                    break
                else:
                    c.sendall(b"250 2.0.0 Ok\r\n")
        except OSError:
            pass
        finally:
            c.close()
    while True:
        connection, _ = server.accept()
        threading.Thread(target=session, args=(connection,), daemon=True).start()
    """#

    /// Runs `client` followed by `steps` against the appliance on `port`, trusting `ca`;
    /// returns the printed lines.
    static func runClient(port: Int, ca: String, steps: String) throws -> [String] {
        let run = try CommandRun.run("/usr/bin/python3", ["-c", client + steps, String(port), ca], timeout: 60)
        guard run.status == 0 else { throw MailServerError.setupFailed("attack client: \(run.stdout)\(run.stderr)") }
        return run.stdout.split(separator: "\n").map(String.init)
    }

    /// The first printed line starting with `name` and a space, without that prefix.
    static func line(_ name: String, in lines: [String]) -> String? {
        lines.first { $0.hasPrefix(name + " ") }.map { String($0.dropFirst(name.count + 1)) }
    }
}

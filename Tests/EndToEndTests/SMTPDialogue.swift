import Foundation
import TestSupport

/// A hostile SMTP client with full control of every byte and of the pace (smuggling variants,
/// floods, trickles): a short Python script over a raw socket, run as a child process. It
/// prints every reply line it read, `CLOSED` when the peer closed, and the seconds it took.
struct SMTPDialogue {
    struct Step: Codable {
        /// Bytes to send (base64 in the script's input).
        var send: Data
        /// Reply lines (final lines of multi-line replies) to read after sending.
        var replies: Int = 1
        /// Seconds between single bytes (0: all at once).
        var drip: Double = 0
    }

    struct Outcome {
        var lines: [String]
        var closed: Bool
        var seconds: Double
        /// The three-digit codes of the final reply lines, in order.
        var codes: [Int] { lines.compactMap { $0.count >= 4 && $0.dropFirst(3).first == " " ? Int($0.prefix(3)) : nil } }
    }

    static let script = #"""
    import base64, json, select, socket, sys, time
    spec = json.load(sys.stdin)
    start = time.monotonic()
    s = socket.create_connection(("127.0.0.1", spec["port"]), timeout=spec["timeout"])
    buf = b""
    out = []
    closed = False
    def line():
        global buf, closed
        while b"\n" not in buf:
            chunk = s.recv(65536)
            if not chunk:
                closed = True
                return None
            buf += chunk
        l, buf = buf.split(b"\n", 1)
        return l.decode("latin-1").rstrip("\r")
    def reply():
        while True:
            l = line()
            if l is None:
                return False
            out.append(l)
            if l[3:4] != "-":
                return True
    try:
        ok = reply()
        for step in spec["steps"]:
            if not ok:
                break
            data = base64.b64decode(step["send"])
            if step["drip"] > 0:
                for i in range(len(data)):
                    s.sendall(data[i:i + 1])
                    r, _, _ = select.select([s], [], [], step["drip"])
                    if r:
                        break
            else:
                s.sendall(data)
            for _ in range(step["replies"]):
                ok = reply()
                if not ok:
                    break
        if ok and spec["drain"]:
            while reply():
                pass
    except (BrokenPipeError, ConnectionResetError):
        closed = True
    except socket.timeout:
        out.append("TIMEOUT")
    print(json.dumps({"lines": out, "closed": closed, "seconds": time.monotonic() - start}))
    """#

    /// Runs the steps against `port`. `drain`: after the last step, read until the peer closes.
    static func run(port: Int, steps: [Step], drain: Bool = false, timeout: Double = 60) throws -> Outcome {
        struct Spec: Encodable {
            var port: Int
            var timeout: Double
            var drain: Bool
            var steps: [Step]
        }
        let input = String(decoding: try JSONEncoder().encode(Spec(port: port, timeout: timeout, drain: drain, steps: steps)), as: UTF8.self)
        let result = try runCommand("/usr/bin/python3", ["-c", script], input: input, timeout: timeout + 30)
        guard let data = result.stdout.data(using: .utf8),
              let object = try JSONSerialization.jsonObject(with: data) as? [String: Any],
              let lines = object["lines"] as? [String], let closed = object["closed"] as? Bool,
              let seconds = object["seconds"] as? Double
        else { throw MailServerError.setupFailed("dialogue: \(result.stdout) \(result.stderr)") }
        return Outcome(lines: lines, closed: closed, seconds: seconds)
    }

    static func step(_ text: String, replies: Int = 1, drip: Double = 0) -> Step {
        Step(send: Data(text.utf8), replies: replies, drip: drip)
    }

    static func step(bytes: [UInt8], replies: Int = 1) -> Step {
        Step(send: Data(bytes), replies: replies)
    }

    /// Opens a plain connection to 127.0.0.1:`port` and reads the first reply (greeting or
    /// refusal) with a 20 s bound; the descriptor stays open for the caller to close.
    static func connect(port: Int) -> (descriptor: Int32, greeting: String) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var timeout = timeval(tv_sec: 20, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        _ = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Foundation.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        var buffer = [UInt8](repeating: 0, count: 512)
        let n = recv(fd, &buffer, buffer.count, 0)
        return (fd, n > 0 ? String(decoding: buffer[0..<n], as: UTF8.self) : "")
    }
}

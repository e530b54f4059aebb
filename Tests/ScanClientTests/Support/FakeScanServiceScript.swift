/// A minimal HTTPS stand-in for the scan service, used while the bundled `yscd` is not yet
/// available to this branch. It speaks the same protocol (v1/scan, v1/health,
/// v1/license/activate) and knows the same fault injections, so the tests exercise libcurl,
/// TLS verification, keep-alive and the classification against a real server over sockets.
enum FakeScanServiceScript {
    static let source = #"""
import json, socket, ssl, sys, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

args = dict(a.split("=", 1) for a in sys.argv[1:])
PORT = int(args["port"]); LATENCY = int(args.get("latency", "0")) / 1000.0
STATUS = int(args.get("status", "0")); GARBAGE = args.get("garbage") == "1"
DROP = args.get("drop") == "1"; MAX = int(args.get("max", str(10 * 1024 * 1024)))
EXPIRES = args.get("expires", "2099-12-31")
GTUBE = b"XJS*C4JDBQADN1.NSBESC-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X"
EICAR = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a): pass
    def setup(self):
        self.request.do_handshake()
        super().setup()
    def reply(self, code, obj=None, raw=None):
        body = raw if raw is not None else json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def do_GET(self):
        if self.path == "/v1/health": self.reply(200, {"status": "ok", "engines": [{"name": "fake", "state": "up"}]})
        else: self.reply(404, {"error": "not found"})
    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        if length > MAX:
            self.reply(413, {"error": "message too large"}); self.close_connection = True; return
        body = self.rfile.read(length)
        if DROP:
            self.close_connection = True; self.connection.shutdown(socket.SHUT_RDWR); return
        if LATENCY: time.sleep(LATENCY)
        if STATUS: self.reply(STATUS, {"error": "injected status"}); return
        if GARBAGE: self.reply(200, raw=b"\x00\xffthis is not json{"); return
        if self.path == "/v1/scan":
            if self.headers.get("Content-Type") != "message/rfc822" or self.headers.get("X-Operation") not in ("send", "receive") or not self.headers.get("X-Request-Id"):
                self.reply(400, {"error": "bad request headers"}); return
            viruses = ["Eicar-Test-Signature"] if EICAR in body else []
            self.reply(200, {"spam_score": 100 if GTUBE in body else 0, "viruses": viruses, "engines": ["fake"], "elapsed_ms": 1})
        elif self.path == "/v1/license/activate":
            req = json.loads(body)
            if req.get("serial", "").startswith("UNKNOWN"): self.reply(404, {"product": req.get("product"), "state": "unknown"}); return
            self.reply(200, {"product": req.get("product"), "state": "active", "expires": EXPIRES})
        else: self.reply(404, {"error": "not found"})

class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256
    def get_request(self):
        conn, addr = self.socket.accept()
        # The handshake runs in the handler's thread, not in the accept loop.
        return ctx.wrap_socket(conn, server_side=True, do_handshake_on_connect=False), addr

ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(args["cert"], args["key"])
server = Server(("127.0.0.1", PORT), Handler)
print("listening", flush=True)
server.serve_forever()
"""#
}

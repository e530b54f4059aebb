"""The cases compared side by side: what runs in the appliance namespace for each, and whose CPU
time counts as the appliance's."""
import os
import resource
import shutil

from .lab import CLOUD, POP3_DIVERT_PORT, SERVER, SMTP_DIVERT_PORT, SMTPS_DIVERT_PORT, SMTPS_PORT, wait_listening
from .measure import BENCH_DIR
from .processes import run, wait_for

# The one signature of clamd's own database: EICAR's MD5 and size (an .hdb line).
EICAR_HDB = "44d88612fea8a8f36de82e1278abb02f:68:Bench-EICAR-Test-Signature\n"
YSC_PORT = 8443
# Descriptors for 100+ sessions (client side, server side, spill files): the hard limit we have.
NOFILE = resource.getrlimit(resource.RLIMIT_NOFILE)[1]


# The name the TLS cases' certificates carry (the bench's PKI adds it) and the client asks for.
TLS_SERVER_NAME = "mail.example.com"


class Case:
    name = ""
    label = ""
    divert = None
    pop3 = True
    # A TLS case is measured in one cell only, SMTP over implicit TLS (run_bench.TLS_CELL).
    tls = False

    def __init__(self, context):
        self.context = context
        self.started = []

    def start(self):
        """Starts the case's processes; returns the PIDs whose CPU time is the appliance's."""
        return []

    def stop(self):
        for process in reversed(self.started):
            self.context.processes.stop(process)
        self.started = []

    def spawn(self, name, argv, namespace, **popen):
        process = self.context.processes.start(name, argv, namespace, **popen)
        self.started.append(process)
        return process


class PlainRouting(Case):
    name, label = "routing", "plain routing"


class HAProxy(Case):
    name, label, divert = "haproxy", "haproxy (TPROXY relay)", "tproxy"

    def start(self):
        path = os.path.join(self.context.work, "haproxy.cfg")
        backends = [("smtp", SMTP_DIVERT_PORT, 25), ("pop3", POP3_DIVERT_PORT, 110)]
        with open(path, "w") as file:
            file.write(f"global\n  maxconn {NOFILE // 4}\n\ndefaults\n  mode tcp\n  timeout connect 10s\n"
                       "  timeout client 120s\n  timeout server 120s\n\n")
            for name, port, server_port in backends:
                file.write(f"frontend {name}_in\n  bind 0.0.0.0:{port} transparent\n  default_backend {name}\n\n"
                           f"backend {name}\n  source 0.0.0.0 usesrc clientip\n"
                           f"  server {name} {SERVER}:{server_port}\n\n")
        process = self.spawn("haproxy", ["/usr/sbin/haproxy", "-db", "-f", path], self.context.lab.fw)
        if not wait_listening(self.context.lab.fw, SMTP_DIVERT_PORT):
            raise RuntimeError("haproxy did not start: " + self.context.processes.log("haproxy"))
        return [process.pid]


class Mailsecd(Case):
    divert = "tproxy"
    scanning = True

    def start(self):
        context = self.context
        lab = context.lab
        # yscd on a network address serves only clients with its API key; the appliance gets it.
        key = os.path.join(context.work, "ysc-api.key")
        with open(os.open(key, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as handle:
            handle.write(os.urandom(24).hex() + "\n")
        yscd = self.spawn(f"yscd-{self.name}", [context.binary("yscd"), "--listen", f"{CLOUD}:{YSC_PORT}",
                                                "--cert", f"{context.pki}/server.pem",
                                                "--key", f"{context.pki}/server.key",
                                                "--api-key-file", key], lab.cloud)
        if not wait_listening(lab.cloud, YSC_PORT):
            raise RuntimeError("yscd did not start: " + context.processes.log(f"yscd-{self.name}"))
        directory = os.path.join(context.work, self.name)
        os.makedirs(os.path.join(directory, "spool"), exist_ok=True)
        config = os.path.join(directory, "mailsec.conf")
        self.control = os.path.join(directory, "ctl.sock")
        for command in [f"mail security use {'on' if self.scanning else 'off'}",
                        f"ysc url https://{CLOUD}:{YSC_PORT}/", "save"]:
            run([context.binary("mailsec"), "--config", config, command])
        daemon = self.spawn(f"mailsecd-{self.name}", [
            "prlimit", f"--nofile={NOFILE}", "--",
            context.binary("mailsecd"), "--config", config, "--control", self.control,
            "--syslog-socket", os.path.join(directory, "no-syslog"), "--ysc-ca", f"{context.pki}/ca.pem",
            "--serial", "BENCH-0001", "--spool", os.path.join(directory, "spool"),
            "--ysc-api-key-file", key,
            # smtp-source's sessions all come from one office address: no per-client limit in the way
            "--sessions-per-client", "100000",
            # One listener per IP version, as on the box (docs/interception.md): the IPv6 row.
            "--smtp-transparent", f"0.0.0.0:{SMTP_DIVERT_PORT},[::]:{SMTP_DIVERT_PORT}",
            "--pop3-transparent", f"0.0.0.0:{POP3_DIVERT_PORT},[::]:{POP3_DIVERT_PORT}",
        ] + self.extra_arguments(), lab.fw)
        if not wait_listening(lab.fw, SMTP_DIVERT_PORT):
            raise RuntimeError("mailsecd did not start: " + context.processes.log(f"mailsecd-{self.name}"))
        if self.scanning and not wait_for(lambda: "License                       active" in self.console("show status mail security"), 30):
            raise RuntimeError("mailsecd: the licence did not become active")
        return [daemon.pid, yscd.pid]

    def extra_arguments(self):
        return []

    def console(self, command):
        return run([self.context.binary("mailsec"), "--control", self.control, command], self.context.lab.fw,
                   check=False).stdout


class MailsecdRelay(Mailsecd):
    name, label, scanning = "mailsecd-relay", "mailsecd relay only (use off)", False


class MailsecdScan(Mailsecd):
    name, label, scanning = "mailsecd-scan", "mailsecd + yscd scanning", True


class ClamSMTP(Case):
    """clamsmtpd in front of the server as its documentation describes (clamd on a local socket,
    MaxConnections above the sessions, clamd threads for as many), NAT redirect for
    interception. SMTP only."""
    name, label, divert, pop3 = "clamsmtp", "clamsmtpd + clamd", "redirect", False

    def start(self):
        context = self.context
        directory = os.path.join(context.work, "clamsmtp")
        for sub in ("db", "tmp", "spool"):
            os.makedirs(os.path.join(directory, sub), exist_ok=True)
        with open(os.path.join(directory, "db", "bench.hdb"), "w") as file:
            file.write(EICAR_HDB)
        socket_path = os.path.join(directory, "clamd.sock")
        with open(os.path.join(directory, "clamd.conf"), "w") as file:
            file.write(f"LocalSocket {socket_path}\nFixStaleSocket yes\nForeground yes\n"
                       f"DatabaseDirectory {directory}/db\nTemporaryDirectory {directory}/tmp\n"
                       "MaxThreads 32\nMaxConnectionQueueLength 256\nReadTimeout 180\nBytecode no\n"
                       "LogTime no\nLogVerbose no\n")
        clamd = self.spawn("clamd", ["/usr/sbin/clamd", "-c", os.path.join(directory, "clamd.conf")], context.lab.fw)
        if not wait_for(lambda: os.path.exists(socket_path), 60):
            raise RuntimeError("clamd did not start: " + context.processes.log("clamd"))
        with open(os.path.join(directory, "clamsmtpd.conf"), "w") as file:
            # No User: it stays root like clamd, so clamd can read its temporary files.
            file.write(f"OutAddress: {SERVER}:25\nMaxConnections: 512\nTimeOut: 180\n"
                       f"Listen: 0.0.0.0:{SMTP_DIVERT_PORT}\nClamAddress: {socket_path}\n"
                       f"TempDirectory: {directory}/spool\nPidFile: {directory}/clamsmtpd.pid\n")
        clamsmtpd = self.spawn("clamsmtpd", ["/usr/sbin/clamsmtpd", "-d", "1", "-f",
                                             os.path.join(directory, "clamsmtpd.conf")], context.lab.fw,
                               env=dict(os.environ, LD_PRELOAD=self.listen_backlog_shim(directory)))
        if not wait_listening(context.lab.fw, SMTP_DIVERT_PORT):
            raise RuntimeError("clamsmtpd did not start: " + context.processes.log("clamsmtpd"))
        return [clamsmtpd.pid, clamd.pid]

    @staticmethod
    def listen_backlog_shim(directory):
        """clamsmtpd's accept queue of 5 raised to mailsecd's and haproxy's (why: in the shim's
        source, bench/listen_backlog_shim.c). Built with the C compiler of the system or the one
        beside swift."""
        compiler = shutil.which("cc") or shutil.which("clang")
        if compiler is None:
            raise RuntimeError("no C compiler for bench/listen_backlog_shim.c")
        library = os.path.join(directory, "listen_backlog_shim.so")
        run([compiler, "-shared", "-fPIC", "-O2", "-o", library,
             os.path.join(BENCH_DIR, "listen_backlog_shim.c"), "-ldl"])
        return library


def start_tls_server(case):
    """The server's side of the TLS cases: haproxy in the server's namespace terminating
    implicit TLS on SERVER:465 in front of the same smtp-sink (its CPU is not the appliance's)."""
    context = case.context
    bundle = os.path.join(context.work, "tls-server-bundle.pem")
    with open(bundle, "w") as out:
        for name in ("server.pem", "server.key"):
            with open(os.path.join(context.pki, name)) as part:
                out.write(part.read())
    path = os.path.join(context.work, "haproxy-tls-server.cfg")
    with open(path, "w") as file:
        file.write(f"global\n  maxconn {NOFILE // 4}\n\ndefaults\n  mode tcp\n  timeout connect 10s\n"
                   "  timeout client 120s\n  timeout server 120s\n\n"
                   f"frontend smtps_server\n  bind {SERVER}:{SMTPS_PORT} ssl crt {bundle}\n  default_backend sink\n\n"
                   f"backend sink\n  server sink {SERVER}:25\n")
    case.spawn(f"haproxy-tls-server-{case.name}", ["/usr/sbin/haproxy", "-db", "-f", path], context.lab.server)
    if not wait_listening(context.lab.server, SMTPS_PORT):
        raise RuntimeError("the TLS server side did not start: " + context.processes.log(f"haproxy-tls-server-{case.name}"))
    return bundle


class HAProxyTLS(Case):
    """The reference for TLS inspection: haproxy terminating TLS on both sides (the client's with
    the bench CA's certificate for the server's name, the server's verified against that CA),
    in plain TCP mode in between: it decrypts and re-encrypts but reads nothing."""
    name, label, divert, pop3, tls = "haproxy-tls", "haproxy, TLS terminated on both sides", "redirect-smtps", False, True

    def start(self):
        context = self.context
        bundle = start_tls_server(self)
        path = os.path.join(context.work, "haproxy-tls.cfg")
        with open(path, "w") as file:
            file.write(f"global\n  maxconn {NOFILE // 4}\n\ndefaults\n  mode tcp\n  timeout connect 10s\n"
                       "  timeout client 120s\n  timeout server 120s\n\n"
                       f"frontend smtps_in\n  bind 0.0.0.0:{SMTPS_DIVERT_PORT} ssl crt {bundle}\n  default_backend smtps\n\n"
                       f"backend smtps\n  server smtps {SERVER}:{SMTPS_PORT} ssl verify required "
                       f"ca-file {context.pki}/ca.pem sni str({TLS_SERVER_NAME})\n")
        process = self.spawn("haproxy-tls", ["/usr/sbin/haproxy", "-db", "-f", path], context.lab.fw)
        if not wait_listening(context.lab.fw, SMTPS_DIVERT_PORT):
            raise RuntimeError("haproxy (TLS) did not start: " + context.processes.log("haproxy-tls"))
        return [process.pid]

    def client_ca(self):
        return f"{self.context.pki}/ca.pem"


class MailsecdTLS(Mailsecd):
    """mailsecd inspecting implicit TLS (docs/tls.md): the client is shown a leaf of the site CA
    made at first start, the server's certificate is verified against the bench CA, and the
    mail inside is scanned by yscd."""
    name, label, divert, pop3, tls, scanning = "mailsecd-tls", "mailsecd + yscd, TLS inspected", "redirect-smtps", False, True, True

    def start(self):
        start_tls_server(self)
        pids = super().start()
        if not wait_for(lambda: os.path.exists(self.client_ca()), 20):
            raise RuntimeError("mailsecd made no site CA")
        if not wait_listening(self.context.lab.fw, SMTPS_DIVERT_PORT):
            raise RuntimeError("mailsecd is not listening for implicit TLS")
        return pids

    def extra_arguments(self):
        return ["--state-dir", os.path.join(self.context.work, self.name, "state"), "--tls-upstream-ca", f"{self.context.pki}/ca.pem",
                "--smtps-listen", f"0.0.0.0:{SMTPS_DIVERT_PORT}", "--smtps-upstream", f"{SERVER}:{SMTPS_PORT}"]

    def client_ca(self):
        return os.path.join(self.context.work, self.name, "state", "tls", "site-ca.pem")


ALL_CASES = [PlainRouting, HAProxy, MailsecdRelay, MailsecdScan, ClamSMTP, HAProxyTLS, MailsecdTLS]

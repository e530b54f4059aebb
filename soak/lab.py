"""The soak's lab: the network lab and its daemons (firmware/lab), plus the office's own Postfix in
PREFIXlan1 and the appliance's spool on a small tmpfs; the operations the faults need (kill,
freeze, restart with fault switches), resource samples of mailsecd, and a removal that undoes
everything on every way out. Processes are only ever ended by their recorded PID (or, for a mail
server, the process group it leads)."""
import os
import re
import signal
import subprocess
import time
import uuid

FIRMWARE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "firmware")
LAB_SH = os.path.join(FIRMWARE, "lab", "lab.sh")
SERVICES_SH = os.path.join(FIRMWARE, "lab", "services.sh")
SERVER = "198.51.100.25"
YSC_PORT = 8443
# The scan client keeps at most this many idle connections (ScanClient's CurlEngine).
SCAN_CONNECTION_CACHE = 64
# The transparent listeners, when mailsecd has no --interception of its own (rules set here).
SMTP_TPROXY_PORT, POP3_TPROXY_PORT = 10025, 10110
# Policy routing for the diverted packets (the values PacketLayer's renderer uses by default).
FWMARK, ROUTE_TABLE = "0x1", "100"
# The appliance's configuration in the soak: detected viruses are refused (554), spam tagged,
# short scan timeouts so that a frozen scan service costs seconds, not minutes; max size above
# the largest soak message, so every message is scanned.
SOAK_CONFIG = """mail security use on
mail security spam level 3
mail security max size 6
mail security smtp detect illegal mail reject
mail security inactive transfer reject
ysc connection timeout 3
ysc request timeout 5
ysc retry 1
"""
# Office Postfix retry times: short, so a 10,000-message soak drains in minutes. Its timeouts
# stay above the appliance's longest scan deadline.
OFFICE_POSTFIX_TIMES = {"queue_run_delay": "2s", "minimal_backoff_time": "2s",
                        "maximal_backoff_time": "8s", "smtp_data_done_timeout": "300s",
                        "smtp_connect_timeout": "10s"}


class Lab:
    def __init__(self, work, binaries, say):
        self.work, self.bin, self.say = work, binaries, say
        self.prefix = "mss-" + uuid.uuid4().hex[:5] + "-"
        self.env = dict(os.environ, LAB_PREFIX=self.prefix, LAB_STATE_DIR=work)
        self.children = []          # every Popen we started (reaped by us)
        self.lab_made = self.services_made = False
        self.spool = os.path.join(work, "spool")
        self.spool_mounted = False
        self.mailsecd = None        # Popen of the current mailsecd
        self.mailsecd_argv = None
        self.yscd = None
        self.yscd_argv = None
        self.office = None          # Popen of the office Postfix master
        self.samples = []
        self.generation = 0
        self.restart_leftovers = []
        self.own_rules = False
        self.lock = __import__("threading").Lock()

    # --- plumbing -------------------------------------------------------------------------
    def ns(self, short):
        return self.prefix + short

    def run(self, argv, timeout=120, check=True):
        r = subprocess.run(argv, env=self.env, capture_output=True, text=True, timeout=timeout)
        if check and r.returncode != 0:
            raise RuntimeError(f"{' '.join(argv)}: {r.returncode}\n{r.stdout}\n{r.stderr}")
        return r

    def in_ns(self, short, argv, timeout=120, check=True):
        return self.run(["ip", "netns", "exec", self.ns(short)] + argv, timeout=timeout, check=check)

    def spawn_in_ns(self, short, argv, name, group=False):
        """Starts argv in the namespace; with `group` as the leader of its own process group
        (a mail server's master ends its workers through it)."""
        out = open(os.path.join(self.work, f"{name}.out"), "ab")
        p = subprocess.Popen(["ip", "netns", "exec", self.ns(short)] + argv, env=self.env, stdout=out,
                             stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=group)
        self.children.append(p)
        return p

    def wait_child(self, p, timeout):
        try:
            p.wait(timeout)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()

    def wait_until(self, seconds, predicate, step=0.2):
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            if predicate():
                return True
            time.sleep(step)
        return False

    def listening(self, short, port):
        r = self.in_ns(short, ["ss", "-Hltn", f"sport = :{port}"], check=False)
        return "LISTEN" in r.stdout

    def paths(self):
        r = self.run([SERVICES_SH, "paths"])
        return dict(line.split("=", 1) for line in r.stdout.split())

    def recorded(self, name):
        """The last PID services.sh recorded for `name`."""
        pid = None
        with open(os.path.join(self.p["LAB_SERVICES"], "pids")) as f:
            for line in f:
                fields = line.split()
                if fields[0] == name:
                    pid = int(fields[1])
        return pid

    def record(self, name, pid):
        """Appends to services.sh's PID list so its `down` also ends what the soak restarted."""
        with open(f"/proc/{pid}/stat") as f:
            started = f.read().rsplit(")", 1)[1].split()[19]
        with open(os.path.join(self.p["LAB_SERVICES"], "pids"), "a") as f:
            f.write(f"{name} {pid} {started}\n")

    @staticmethod
    def argv_of(pid):
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return [a.decode() for a in f.read().split(b"\0")[:-1]]

    # --- up and down ----------------------------------------------------------------------
    def up(self, spool_size):
        self.lab_made = True
        self.run([LAB_SH, "up", "router"])
        conf = os.path.join(self.work, "soak.conf")
        with open(conf, "w") as f:
            f.write(SOAK_CONFIG)
        help_text = subprocess.run([os.path.join(self.bin, "mailsecd"), "--help"], capture_output=True, text=True).stdout
        if "--interception" not in help_text:
            # No interception of its own yet: transparent listeners, the ruleset set here.
            self.env["LAB_INTERCEPTION_ARGS"] = (f"--smtp-transparent 0.0.0.0:{SMTP_TPROXY_PORT} "
                                                 f"--pop3-transparent 0.0.0.0:{POP3_TPROXY_PORT}")
            self.own_rules = True
        self.services_made = True
        self.run([SERVICES_SH, "up", self.bin, conf], timeout=180)
        self.p = self.paths()
        if self.own_rules:
            self.apply_rules()
        self.office_up()
        # The appliance's spool moves to a small tmpfs of its own (filled by the spool fault):
        # mounted before mailsecd starts, so its mount namespace (ip netns exec) holds it.
        os.makedirs(self.spool, mode=0o700)
        self.run(["mount", "-t", "tmpfs", "-o", f"size={spool_size},mode=0700", "tmpfs", self.spool])
        self.spool_mounted = True
        first = self.recorded("mailsecd")
        self.mailsecd_argv = self.argv_of(first)
        i = self.mailsecd_argv.index("--spool")
        self.mailsecd_argv[i + 1] = self.spool
        os.kill(first, signal.SIGTERM)
        self.wait_until(15, lambda: not self.alive(first))
        self.start_mailsecd()
        ysc = self.recorded("yscd")
        self.yscd_argv = self.argv_of(ysc)
        self.yscd_pid = ysc
        self.lan2_pid = self.recorded("postfix")
        self.lan2_argv = self.argv_of(self.lan2_pid)
        self.say(f"lab {self.prefix} up: office Postfix, appliance (spool tmpfs {spool_size}), mail server, scan service")

    def apply_rules(self):
        lan = "{ \"lan1\", \"lan2\" }"
        rules = f"""table inet mailsec {{
  chain prerouting {{
    type filter hook prerouting priority mangle; policy accept;
    iifname {lan} meta nfproto ipv4 meta l4proto tcp socket transparent 1 meta mark set {FWMARK} accept
    iifname "lan1" fib daddr oifname "lan2" meta nfproto ipv4 tcp dport 25 meta mark set {FWMARK} tproxy ip to :{SMTP_TPROXY_PORT} accept
    iifname "lan1" fib daddr oifname "lan2" meta nfproto ipv4 tcp dport 110 meta mark set {FWMARK} tproxy ip to :{POP3_TPROXY_PORT} accept
  }}
}}
"""
        path = os.path.join(self.work, "rules.nft")
        with open(path, "w") as f:
            f.write(rules)
        self.in_ns("fw", ["nft", "-f", path])
        self.in_ns("fw", ["ip", "rule", "add", "fwmark", FWMARK, "lookup", ROUTE_TABLE])
        self.in_ns("fw", ["ip", "route", "replace", "local", "0.0.0.0/0", "dev", "lo", "table", ROUTE_TABLE])

    def office_up(self):
        """The office's sending MTA: a private Postfix in PREFIXlan1 on 127.0.0.1:25, relayhost the
        mail server (crossing the appliance); its bounces to the office senders are discarded
        (the log keeps what the sender was told)."""
        pf = os.path.join(self.work, "office")
        q = os.path.join(pf, "queue")
        os.makedirs(os.path.join(pf, "conf"))
        subprocess.run(["install", "-d", "-m", "0755", "-o", "root", "-g", "root", q, q + "/pid"], check=True)
        for d in "active bounce corrupt defer deferred flush hold incoming private saved trace".split():
            subprocess.run(["install", "-d", "-m", "0700", "-o", "postfix", "-g", "root", f"{q}/{d}"], check=True)
        subprocess.run(["install", "-d", "-m", "0730", "-o", "postfix", "-g", "postdrop", q + "/maildrop"], check=True)
        subprocess.run(["install", "-d", "-m", "0710", "-o", "postfix", "-g", "postdrop", q + "/public"], check=True)
        subprocess.run(["install", "-d", "-m", "0700", "-o", "postfix", "-g", "root", pf + "/data"], check=True)
        times = "".join(f"{k} = {v}\n" for k, v in OFFICE_POSTFIX_TIMES.items())
        with open(os.path.join(pf, "conf", "main.cf"), "w") as f:
            f.write(f"""compatibility_level = 3.6
queue_directory = {q}
data_directory = {pf}/data
mail_owner = postfix
setgid_group = postdrop
maillog_file = {pf}/maillog
maillog_file_prefixes = {self.work}
myhostname = pc.example.org
mydomain = example.org
myorigin = $myhostname
mydestination = $myhostname
local_transport = discard:
local_recipient_maps =
alias_maps =
alias_database =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = permit_mynetworks, reject
relayhost = [{SERVER}]:25
smtp_dns_support_level = disabled
smtp_host_lookup = native
smtpd_peername_lookup = no
smtp_tls_security_level = none
disable_mime_output_conversion = yes
local_header_rewrite_clients =
message_size_limit = 20000000
biff = no
in_flow_delay = 0
smtpd_error_sleep_time = 0
{times}""")
        with open(os.path.join(pf, "conf", "master.cf"), "w") as f:
            f.write("""127.0.0.1:25 inet n - n - - smtpd
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
smtp      unix - - n - - smtp
relay     unix - - n - - smtp
showq     unix n - n - - showq
error     unix - - n - - error
retry     unix - - n - - error
discard   unix - - n - - discard
anvil     unix - - n - 1 anvil
scache    unix - - n - 1 scache
postlog   unix-dgram n - n - 1 postlogd
""")
        past = time.time() - 60   # Postfix waits for freshly written configuration to settle
        for name in ("main.cf", "master.cf"):
            os.utime(os.path.join(pf, "conf", name), (past, past))
        self.office_conf = os.path.join(pf, "conf")
        self.office_log = os.path.join(pf, "maillog")
        daemon_dir = self.run(["postconf", "-c", self.office_conf, "-h", "daemon_directory"]).stdout.strip()
        self.office = self.spawn_in_ns("lan1", [daemon_dir + "/master", "-c", self.office_conf, "-d"], "office-postfix", group=True)
        if not self.wait_until(20, lambda: self.listening("lan1", 25)):
            raise RuntimeError("the office Postfix is not listening")

    def down(self):
        """Undoes everything, whatever got made: our children by PID (servers by their group),
        the lab's daemons (services.sh down, which also ends what we restarted: recorded there),
        the tmpfs, the namespaces (and with them the nft tables and routes set in them)."""
        for p in reversed(self.children):
            if p.poll() is None:
                try:
                    os.killpg(p.pid, signal.SIGTERM) if p is self.office else p.terminate()
                except ProcessLookupError:
                    pass
                self.wait_child(p, 10)
            if p is self.office:
                try:
                    os.killpg(p.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        if self.services_made:
            self.run([SERVICES_SH, "down"], check=False, timeout=180)
        if self.spool_mounted:
            if self.run(["umount", self.spool], check=False).returncode != 0:
                self.run(["umount", "-l", self.spool], check=False)
        if self.lab_made:
            self.run([LAB_SH, "down"], check=False, timeout=120)

    # --- the appliance --------------------------------------------------------------------
    @staticmethod
    def alive(pid):
        try:
            with open(f"/proc/{pid}/stat") as f:
                return f.read().rsplit(")", 1)[1].split()[0] != "Z"
        except FileNotFoundError:
            return False

    def start_mailsecd(self):
        with self.lock:
            self.generation += 1
            self.mailsecd = self.spawn_in_ns("fw", self.mailsecd_argv, "mailsecd")
            # ip netns exec execs: the child's PID is mailsecd's.
        self.wait_until(20, lambda: self.alive(self.mailsecd.pid) and self.argv_of(self.mailsecd.pid)[:1] == self.mailsecd_argv[:1])
        self.record("mailsecd", self.mailsecd.pid)
        ready = lambda: "License" in self.console("show status mail security") and re.search(
            r"License +active", self.console("show status mail security")) is not None
        if not self.wait_until(30, ready, step=0.5):
            self.say("mailsecd restarted; licence not active yet (the unavailable policy applies meanwhile)")

    def console(self, command):
        r = subprocess.run([os.path.join(self.bin, "mailsec"), "--control", self.p["LAB_CONTROL"], command],
                           capture_output=True, text=True, timeout=30)
        return r.stdout

    def kill_mailsecd(self):
        """SIGKILL, then what the dead daemon left in its spool (must be nothing)."""
        with self.lock:
            pid = self.mailsecd.pid
            os.kill(pid, signal.SIGKILL)
            self.mailsecd.wait()
        left = self.spool_state()
        self.restart_leftovers.append({"time": time.time(), "entries": left[0], "used": left[1]})
        return left

    def spool_state(self):
        entries = [e for e in os.listdir(self.spool) if e != "soak-filler"]
        st = os.statvfs(self.spool)
        used = (st.f_blocks - st.f_bfree) * st.f_frsize
        filler = os.path.join(self.spool, "soak-filler")
        if os.path.exists(filler):
            used -= os.stat(filler).st_blocks * 512
        return len(entries), used

    def measure(self):
        """mailsecd's RSS (kB), open descriptors, descriptors on spill files, spool entries and
        bytes used."""
        pid = self.mailsecd.pid
        try:
            with open(f"/proc/{pid}/status") as f:
                rss = int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1))
            fds = os.listdir(f"/proc/{pid}/fd")
            scan_sockets = self.scan_service_sockets(pid)
            spill = ysc = 0
            for fd in fds:
                try:
                    target = os.readlink(f"/proc/{pid}/fd/{fd}")
                except OSError:
                    continue
                if target.startswith(self.spool):
                    spill += 1
                elif target.startswith("socket:[") and target[8:-1] in scan_sockets:
                    ysc += 1
        except (FileNotFoundError, ProcessLookupError, AttributeError):
            return None
        entries, used = self.spool_state()
        return {"rss_kb": rss, "fds": len(fds) - ysc, "scan_connections": ysc, "spill_fds": spill, "spool_entries": entries, "spool_used": used}

    @staticmethod
    def scan_service_sockets(pid):
        """Inodes of the process's TCP sockets to the scan service's port: the scan client's
        keep-alive cache (libcurl, bounded by CurlEngine.maxCachedConnections), counted apart."""
        inodes = set()
        try:
            with open(f"/proc/{pid}/net/tcp") as f:
                next(f)
                for line in f:
                    cols = line.split()
                    if int(cols[2].split(":")[1], 16) == YSC_PORT:
                        inodes.add(cols[9])
        except (OSError, StopIteration):
            pass
        return inodes

    @staticmethod
    def tcp_sockets(pid):
        """The TCP sockets of `pid`'s network namespace by inode: (state, local port, remote
        port), from /proc/PID/net/tcp (columns: sl, local, remote, st, …, inode)."""
        sockets = {}
        with open(f"/proc/{pid}/net/tcp") as f:
            next(f)
            for line in f:
                cols = line.split()
                sockets[cols[9]] = (cols[3], int(cols[1].split(":")[1], 16), int(cols[2].split(":")[1], 16))
        return sockets

    @staticmethod
    def fd_detail(pid):
        """What the descriptors are: kinds of targets, TCP sockets by state and remote port."""
        try:
            tcp = {inode: f"tcp {state} local:{local} remote:{remote}"
                   for inode, (state, local, remote) in Lab.tcp_sockets(pid).items()}
        except (OSError, StopIteration):
            tcp = {}
        kinds = {}
        for fd in os.listdir(f"/proc/{pid}/fd"):
            try:
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue
            if target.startswith("socket:["):
                target = tcp.get(target[8:-1], "socket (not tcp)")
            elif target.startswith("/"):
                target = "file " + os.path.dirname(target)
            else:
                target = target.split(":")[0] + ":" + target.split(":")[1].split("[")[0] if ":" in target else target
            kinds[target] = kinds.get(target, 0) + 1
        return kinds

    def wait_settled(self, baseline, timeout):
        """Samples until the descriptors are back to `baseline` (or stop changing) and the spool
        is empty; returns the last sample."""
        m = last = None
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            m = self.measure()
            if m and m["spill_fds"] == 0 and m["spool_entries"] == 0 and (
                    (baseline and m["fds"] <= baseline["fds"]) or (not baseline and last and m["fds"] == last["fds"])):
                break
            last = m or last
            time.sleep(0.5)
        m = m or last
        try:
            m["fd_detail"] = self.fd_detail(self.mailsecd.pid)
        except (OSError, TypeError):
            pass
        return m

    def sample_loop(self, stop):
        while not stop.wait(2.0):
            with self.lock:
                m = self.measure()
                generation = self.generation
            if m:
                m.update(time=time.time(), generation=generation)
                self.samples.append(m)

    def resource_summary(self):
        """First third against last third of the longest mailsecd life, and the peaks."""
        by_gen = {}
        for s in self.samples:
            by_gen.setdefault(s["generation"], []).append(s)
        if not by_gen:
            return {}
        longest = max(by_gen.values(), key=len)
        third = max(1, len(longest) // 3)
        first, last = longest[:third], longest[-third:]
        mean = lambda rows, key: round(sum(r[key] for r in rows) / len(rows), 1)
        return {
            "samples": len(self.samples), "mailsecd_lives": len(by_gen),
            "longest_life_samples": len(longest),
            "longest_life_seconds": round(longest[-1]["time"] - longest[0]["time"], 1),
            "rss_kb_first_third": mean(first, "rss_kb"), "rss_kb_last_third": mean(last, "rss_kb"),
            "fds_first_third": mean(first, "fds"), "fds_last_third": mean(last, "fds"),
            "rss_kb_peak": max(s["rss_kb"] for s in self.samples),
            "fds_peak": max(s["fds"] for s in self.samples),
            "spill_fds_peak": max(s["spill_fds"] for s in self.samples),
            "final": self.samples[-1],
            "spool_entries_max": max(s["spool_entries"] for s in self.samples),
            "leftovers_after_kill": self.restart_leftovers,
        }

    # --- the scan service -----------------------------------------------------------------
    def restart_yscd(self, extra):
        try:
            os.kill(self.yscd_pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.wait_until(10, lambda: not self.alive(self.yscd_pid))
        p = self.spawn_in_ns("cloud", self.yscd_argv + extra, "yscd")
        self.yscd_pid = p.pid
        self.wait_until(15, lambda: self.listening("cloud", 8443))
        self.record("yscd", p.pid)

    def signal_yscd(self, number):
        os.kill(self.yscd_pid, number)

    # --- the mail server ------------------------------------------------------------------
    def kill_server(self):
        """SIGKILL to the server Postfix's whole process group (master, smtpd, cleanup …)."""
        try:
            os.killpg(self.lan2_pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.wait_until(10, lambda: not self.listening("lan2", 25))

    def start_server(self):
        p = self.spawn_in_ns("lan2", ["setsid"] + self.lan2_argv, "server-postfix", group=True)
        self.lan2_pid = p.pid
        self.wait_until(20, lambda: self.listening("lan2", 25))
        self.record("postfix", p.pid)

    # --- the network ----------------------------------------------------------------------
    def reset_connections(self, seconds):
        """Every SMTP connection through the appliance gets a TCP RST for `seconds`: a reject
        rule on both halves (client → proxy on input, proxy → server on output)."""
        rules = """table inet soakfault {
  chain input { type filter hook input priority filter; policy accept; tcp dport 25 reject with tcp reset; }
  chain output { type filter hook output priority filter; policy accept; tcp dport 25 reject with tcp reset; }
}
"""
        path = os.path.join(self.work, "reset.nft")
        with open(path, "w") as f:
            f.write(rules)
        self.in_ns("fw", ["nft", "-f", path])
        time.sleep(seconds)
        self.in_ns("fw", ["nft", "delete", "table", "inet", "soakfault"])

    # --- the spool ------------------------------------------------------------------------
    def fill_spool(self):
        filler = os.path.join(self.spool, "soak-filler")
        with open(filler, "wb") as f:
            block = b"\0" * (1 << 20)
            try:
                while True:
                    f.write(block)
                    f.flush()
            except OSError:
                pass

    def empty_spool(self):
        try:
            os.unlink(os.path.join(self.spool, "soak-filler"))
        except FileNotFoundError:
            pass

    # --- outcomes -------------------------------------------------------------------------
    def office_queue(self):
        r = self.run(["postqueue", "-c", self.office_conf, "-j"], check=False)
        return [line for line in r.stdout.splitlines() if line.strip()]

    def queued_message_ids(self):
        """Message-IDs still in the office queue (postqueue -j lists queue ids; the log maps them)."""
        import json
        qids = set()
        for line in self.office_queue():
            try:
                qids.add(json.loads(line)["queue_id"])
            except (ValueError, KeyError):
                pass
        ids = set()
        if qids and os.path.exists(self.office_log):
            with open(self.office_log, errors="replace") as f:
                for line in f:
                    m = re.search(r": ([0-9A-F]{6,}): message-id=(\S+)", line)
                    if m and m.group(1) in qids:
                        ids.add(m.group(2))
        return ids

    def server_queue(self):
        conf = os.path.join(self.p["LAB_SERVICES"], "postfix", "conf")
        r = self.run(["postqueue", "-c", conf, "-j"], check=False)
        return [line for line in r.stdout.splitlines() if line.strip()]

    def wait_drained(self, timeout):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if not self.office_queue() and not self.server_queue():
                return True
            time.sleep(3)
        self.say(f"office queue not drained: {len(self.office_queue())} left")
        return False

    def lan1_log(self):
        return self.office_log

    def lan2_log(self):
        return self.p["LAB_MAILLOG"]

    def maildir(self, user):
        return os.path.join(self.p["LAB_MAIL"], user)

    # --- POP3 states (soak.py check_pop3_states) ----------------------------------------
    def seed_mailbox(self, user, contents):
        """Puts messages straight into the user's Maildir (new/), owned like Postfix's
        deliveries (nobody), as a mail server's earlier deliveries; returns their file names."""
        new = os.path.join(self.maildir(user), "new")
        owner = os.stat(self.maildir(user))
        names = []
        for n, data in enumerate(contents):
            name = f"{int(time.time())}.soakstate{n}.{uuid.uuid4().hex[:8]}"
            path = os.path.join(new, name)
            with open(path, "wb") as f:
                f.write(data)
            os.chown(path, owner.st_uid, owner.st_gid)
            os.chmod(path, 0o600)
            names.append(name)
        return names

    def mailbox_ids(self, user):
        """The Message-IDs in the user's Maildir (new/ and cur/: Dovecot moves what it has seen
        to cur/ and renames it with flags, so file names are no measure of "unchanged")."""
        import ledger
        return sorted(mid for mid, copies in ledger.read_maildir(self.maildir(user)).items() for _ in copies)

    def remove_from_mailbox(self, user, message_ids):
        import messages
        for sub in ("new", "cur"):
            d = os.path.join(self.maildir(user), sub)
            for name in os.listdir(d):
                path = os.path.join(d, name)
                with open(path, "rb") as f:
                    if messages.message_id_of(f.read()) in message_ids:
                        os.unlink(path)

    def mail_sockets(self, port):
        """mailsecd's TCP sockets with `port` at either end (a session's two halves): what a
        session left open, if anything."""
        pid = self.mailsecd.pid
        try:
            ports = {inode: (local, remote) for inode, (_, local, remote) in self.tcp_sockets(pid).items()}
            count = 0
            for fd in os.listdir(f"/proc/{pid}/fd"):
                try:
                    target = os.readlink(f"/proc/{pid}/fd/{fd}")
                except OSError:
                    continue
                if target.startswith("socket:[") and port in ports.get(target[8:-1], ()):
                    count += 1
            return count
        except (OSError, StopIteration):
            return None

    def shape_server(self, rate):
        """Slows what the mail server sends (a token bucket on its interface) to `rate`, or
        lifts that with None: a RETR's content then takes seconds to cross, long enough to cut
        the server's connection in the middle of it."""
        if rate:
            self.in_ns("lan2", ["tc", "qdisc", "replace", "dev", "eth0", "root", "tbf", "rate", rate,
                                "burst", "64kb", "latency", "500ms"])
        else:
            self.in_ns("lan2", ["tc", "qdisc", "del", "dev", "eth0", "root"], check=False)

    def kill_server_connections(self, port):
        """Destroys the appliance's connections to the mail server's `port` (ss -K, SOCK_DESTROY:
        mailsecd's socket fails at once, the server gets a reset); returns how many."""
        r = self.in_ns("fw", ["ss", "-HKtn", "dst", SERVER, "dport", "=", f":{port}"], check=False)
        if r.returncode != 0:
            raise RuntimeError(f"ss -K: {r.returncode} {r.stderr.strip()}")
        return len([line for line in r.stdout.splitlines() if line.strip()])

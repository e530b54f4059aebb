"""The router-mode namespace lab (firmware/lab/lab.sh) with the benchmark's own prefix, and the
interception rules each case needs in the appliance namespace."""
import os
import socket

from .processes import run, wait_for

PC = "192.0.2.10"
SERVER = "198.51.100.25"
CLOUD = "203.0.113.10"
# The lab's IPv6 beside it (firmware/lab/lab.sh, documentation prefix 2001:db8::/32): the IPv6
# row of the matrix sends the same load from the same PC to the same server over IPv6.
PC6 = "2001:db8:1::10"
SERVER6 = "2001:db8:2::25"
SMTP_DIVERT_PORT = 10025
# Implicit TLS (RFC 8314): the server's port and where the TLS cases listen for it.
SMTPS_PORT = 465
SMTPS_DIVERT_PORT = 10465
POP3_DIVERT_PORT = 10110
TPROXY_MARK = 1
TPROXY_TABLE = 100


class Lab:
    def __init__(self, repository, state_dir):
        self.script = os.path.join(repository, "firmware/lab/lab.sh")
        self.prefix = f"bench{os.getpid() % 100000}-"
        self.env = dict(os.environ, LAB_PREFIX=self.prefix, LAB_STATE_DIR=state_dir)
        self.is_up = False

    def ns(self, role):
        return self.prefix + role

    @property
    def pc(self):
        return self.ns("lan1")

    @property
    def fw(self):
        return self.ns("fw")

    @property
    def server(self):
        return self.ns("lan2")

    @property
    def cloud(self):
        return self.ns("cloud")

    def up(self):
        self.is_up = True  # from here on, `down` runs on every exit path
        run(["/bin/bash", self.script, "up", "router"], env=self.env)
        # TPROXY in router mode: marked packets are delivered locally (docs/interception.md).
        run(["ip", "rule", "add", "fwmark", str(TPROXY_MARK), "lookup", str(TPROXY_TABLE)], self.fw)
        run(["ip", "route", "add", "local", "0.0.0.0/0", "dev", "lo", "table", str(TPROXY_TABLE)], self.fw)
        run(["ip", "-6", "rule", "add", "fwmark", str(TPROXY_MARK), "lookup", str(TPROXY_TABLE)], self.fw)
        run(["ip", "-6", "route", "add", "local", "::/0", "dev", "lo", "table", str(TPROXY_TABLE)], self.fw)
        for ns in (self.pc, self.fw, self.server, self.cloud):
            # Many short connections per second from one client address: reuse TIME_WAIT ports.
            run(["sysctl", "-qw", "net.ipv4.tcp_tw_reuse=1"], ns)
            run(["sysctl", "-qw", "net.ipv4.ip_local_port_range=10240 65000"], ns)
            run(["sysctl", "-qw", "net.core.somaxconn=4096"], ns)
            self.quick_acks(ns)
        # The veth links come up asynchronously: start nothing before the lab actually crosses.
        crosses = lambda: run(["ping", "-c1", "-W1", SERVER], self.pc, check=False).returncode == 0 \
            and run(["ping", "-c1", "-W1", SERVER6], self.pc, check=False).returncode == 0 \
            and run(["ping", "-c1", "-W1", CLOUD], self.fw, check=False).returncode == 0
        if not wait_for(crosses, 15, interval=0.3):
            raise RuntimeError("the lab does not cross: ping from lan1 to the server fails")

    def quick_acks(self, ns):
        """Every route of the namespace with `quickack`: no delayed ACKs. A relay that writes a
        multi-line reply in several small writes (clamsmtpd does, with Nagle on) otherwise waits
        for the peer's delayed-ACK timer (~40 ms) per reply — a property of two hosts on a
        quiet loopback-speed link, which would make the lab, not the relay, set its pace. Applied
        to every namespace, so it is the same for every case."""
        for family in (["-4"], ["-6"]):
            routes = run(["ip"] + family + ["-o", "route", "show"], ns).stdout.splitlines()
            for route in routes:
                words = route.split()
                for flag in ("linkdown", "pref", "medium"):
                    # Shown by `ip route show`, not accepted back (`pref medium` is the default).
                    if flag in words:
                        words.remove(flag)
                run(["ip"] + family + ["route", "change"] + words + ["quickack", "1"], ns)

    def down(self):
        if self.is_up:
            run(["/bin/bash", self.script, "down"], env=self.env, check=False)
            self.is_up = False

    def divert(self, how):
        """how: None (plain routing), "tproxy" (transparent listeners on the divert ports, the
        client's address kept towards the server), "redirect" (NAT to a local listener) or
        "redirect-smtps" (the same for port 465)."""
        rules = ["flush ruleset"]
        if how == "tproxy":
            # IPv6 in a table of its own, so the IPv4 table stays what earlier runs measured.
            rules += [tproxy_table("ip", "bench", SERVER), tproxy_table("ip6", "bench6", SERVER6)]
        elif how == "redirect-smtps":
            # Implicit TLS to explicit listeners (haproxy's and mailsecd's --smtps-listen alike).
            rules.append(f"""table ip bench {{
  chain divert {{
    type nat hook prerouting priority dstnat; policy accept;
    iifname "lan1" ip daddr {SERVER} tcp dport {SMTPS_PORT} redirect to :{SMTPS_DIVERT_PORT}
  }}
}}""")
        elif how == "redirect":
            rules.append(f"""table ip bench {{
  chain divert {{
    type nat hook prerouting priority dstnat; policy accept;
    iifname "lan1" ip daddr {SERVER} tcp dport 25 redirect to :{SMTP_DIVERT_PORT}
  }}
}}""")
        run(["nft", "-f", "-"], self.fw, input="\n".join(rules) + "\n")


def tproxy_table(family, name, server):
    """The TPROXY diversion of the SMTP and POP3 ports to `server`, for one address family."""
    return f"""table {family} {name} {{
  chain divert {{
    type filter hook prerouting priority mangle; policy accept;
    iifname "lan2" meta l4proto tcp socket transparent 1 meta mark set {TPROXY_MARK} accept
    iifname "lan1" {family} daddr {server} tcp dport 25 tproxy to :{SMTP_DIVERT_PORT} meta mark set {TPROXY_MARK} accept
    iifname "lan1" {family} daddr {server} tcp dport 110 tproxy to :{POP3_DIVERT_PORT} meta mark set {TPROXY_MARK} accept
  }}
}}"""


def listening(namespace, address, port):
    """True once something accepts on address:port inside the namespace."""
    result = run(["ss", "-Hltn", f"sport = :{port}"], namespace, check=False)
    return str(port) in result.stdout


def wait_listening(namespace, port, timeout=20):
    return wait_for(lambda: listening(namespace, None, port), timeout)

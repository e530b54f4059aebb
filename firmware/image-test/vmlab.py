"""The firmware test's surroundings: namespaces and taps for the appliance's virtual machine,
qemu, and its serial console driven like a person at a terminal would.

    PREFIXlan1  office PC, eth0 192.0.2.10/24           ─┐
    PREFIXlan2  mail server (Postfix, Dovecot), eth0     │  PREFIXwire: one bridge per NIC of
                192.0.2.25/24                            ├─ the VM (tap PREFIXtap1/2/3 + a veth
    PREFIXcloud scan service (yscd), 203.0.113.10/24     │  to the namespace); qemu runs here
                via 203.0.113.1 (the VM's third NIC)    ─┘

The VM's first NIC is LAN1, the second LAN2 (the image bridges them), the third its management
port. Every name starts with the prefix; `Lab.down` removes exactly what `up` made and ends
qemu by its PID.
"""
import os
import re
import shutil
import signal
import socket
import subprocess
import threading
import time


def run(*args, check=True, **kw):
    return subprocess.run(list(args), check=check, capture_output=True, text=True, **kw)


def in_ns(ns, *args, check=True, **kw):
    return run("ip", "netns", "exec", ns, *args, check=check, **kw)


class Lab:
    def __init__(self, prefix, work):
        self.prefix = prefix
        self.work = work
        tap = prefix.replace("-", "")
        self.pc, self.server, self.cloud, self.wire = (prefix + n for n in ("lan1", "lan2", "cloud", "wire"))
        self.taps = [f"{tap}tap{i}" for i in (1, 2, 3)]
        self.made = []

    def up(self):
        existing = run("ip", "netns", "list").stdout.split()
        for ns in (self.pc, self.server, self.cloud, self.wire):
            if ns in existing:
                raise RuntimeError(f"namespace {ns} exists already: a previous run left it (ip netns del {ns})")
        for ns in (self.pc, self.server, self.cloud, self.wire):
            self.made.append(ns)
            run("ip", "netns", "add", ns)
            in_ns(ns, "ip", "link", "set", "lo", "up")
        for index, (ns, address, gateway) in enumerate((
                (self.pc, "192.0.2.10/24", None),
                (self.server, "192.0.2.25/24", None),
                (self.cloud, "203.0.113.10/24", "203.0.113.1")), start=1):
            tap, bridge, port = self.taps[index - 1], f"br{index}", f"to{index}"
            in_ns(self.wire, "ip", "tuntap", "add", "dev", tap, "mode", "tap")
            in_ns(self.wire, "ip", "link", "add", bridge, "type", "bridge", "stp_state", "0", "forward_delay", "0")
            run("ip", "link", "add", port, "netns", self.wire, "type", "veth", "peer", "name", "eth0", "netns", ns)
            for link in (tap, port):
                in_ns(self.wire, "ip", "link", "set", link, "master", bridge)
                in_ns(self.wire, "ip", "link", "set", link, "up")
            in_ns(self.wire, "ip", "link", "set", bridge, "up")
            in_ns(ns, "ip", "link", "set", "eth0", "up")
            in_ns(ns, "ip", "addr", "add", address, "dev", "eth0")
            if gateway:
                in_ns(ns, "ip", "route", "add", "default", "via", gateway)

    def down(self):
        for ns in reversed(self.made):
            # What still runs inside was started by this test (the lab's daemons, qemu).
            for pid in run("ip", "netns", "pids", ns, check=False).stdout.split():
                try:
                    os.kill(int(pid), signal.SIGKILL)
                except (ProcessLookupError, ValueError):
                    pass
            run("ip", "netns", "del", ns, check=False)
        self.made = []

    def leftovers(self):
        """Namespaces of ours still present (should be none after down)."""
        existing = run("ip", "netns", "list").stdout.split()
        return [ns for ns in (self.pc, self.server, self.cloud, self.wire) if ns in existing]


class VM:
    """qemu with the image, its NICs on the lab's taps, the serial port on a UNIX socket."""

    def __init__(self, lab, image, work, accel="tcg", second_serial=None):
        self.lab, self.image, self.work, self.accel = lab, image, work, accel
        self.process = None
        self.serial_path = os.path.join(work, "serial.sock")
        self.serial_log = os.path.join(work, "serial.log")
        # A file the guest's second serial port (ttyS1) writes to: the boot report of a
        # diagnostic run (boot_test.py --boot-report); None: no second port.
        self.second_serial = second_serial

    def start(self):
        nics = []
        for index, tap in enumerate(self.lab.taps, start=1):
            nics += ["-netdev", f"tap,id=n{index},ifname={tap},script=no,downscript=no",
                     "-device", f"virtio-net-pci,netdev=n{index},mac=52:54:00:00:53:0{index}"]
        if self.accel == "kvm":
            accel = ["-accel", "kvm", "-cpu", "host"]
        else:
            # Two settings of the emulator itself, not of the appliance (docs/firmware.md, Figures):
            # - the translation cache bounded (tb-size, MiB): qemu keeps the code it translated
            #   across a reset, and until each stale translation is invalidated every write to a
            #   page that held code (the previous boot's kernel and programs) takes a slow path:
            #   the boot loader and the kernel's decompressor, which rewrite those pages, took
            #   70-180 s at every reboot instead of seconds. A bounded cache is flushed whole
            #   every few seconds, and the stale translations with it;
            # - no "fast string" feature flags (erms, fsrm): with them glibc's memcpy and the
            #   kernel's copies to and from user space use `rep movsb`, which the emulator runs
            #   a byte per step, about 5 times slower than the vector copies used without them.
            accel = ["-accel", "tcg,tb-size=128", "-cpu", "max,erms=off,fsrm=off"]
        command = ["ip", "netns", "exec", self.lab.wire, shutil.which("qemu-system-x86_64") or "qemu-system-x86_64",
                   *accel, "-m", "1024", "-smp", "2", "-display", "none", "-monitor", "none", "-no-user-config",
                   "-drive", f"file={self.image},format=raw,if=virtio", *nics,
                   "-chardev", f"socket,id=ser0,path={self.serial_path},server=on,wait=off,logfile={self.serial_log}",
                   "-serial", "chardev:ser0"]
        if self.second_serial:
            command += ["-chardev", f"file,id=ser1,path={self.second_serial}", "-serial", "chardev:ser1"]
        self.stderr = open(os.path.join(self.work, "qemu.err"), "w")
        # `ip netns exec` execs qemu: this PID is qemu's own.
        self.process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=self.stderr, stderr=self.stderr)
        self.started = time.monotonic()

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None


class SerialConsole:
    """The appliance's serial console: waits for what a person would see, types lines."""

    PROMPT = re.compile(rb"(?:^|\n)# $")

    def __init__(self, path, transcript):
        self.path = path
        self.buffer = bytearray()
        self.lock = threading.Condition()
        self.transcript = open(transcript, "ab")
        # The same with the seconds since the port was opened before each line (where the time
        # goes: boot loader, kernel, services), beside it: console.txt -> console.timed.txt.
        root, ext = os.path.splitext(transcript)
        self.timed = open(root + ".timed" + ext, "ab")
        self.line_start = True
        self.opened = time.monotonic()
        self.sock = None
        for _ in range(100):
            try:
                self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                self.sock.connect(path)
                break
            except OSError:
                self.sock.close()
                self.sock = None
                time.sleep(0.1)
        if self.sock is None:
            raise RuntimeError(f"cannot connect to the serial port {path}")
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        while True:
            try:
                data = self.sock.recv(4096)
            except OSError:
                data = b""
            with self.lock:
                if not data:
                    self.closed = True
                    self.lock.notify_all()
                    return
                # Bounded: only the recent output is needed to find prompts and answers.
                self.buffer += data
                if len(self.buffer) > 1 << 20:
                    del self.buffer[: len(self.buffer) - (1 << 19)]
                    self.mark = 0
                self.transcript.write(data)
                self.transcript.flush()
                self._timed(data)
                self.lock.notify_all()

    mark = 0
    closed = False

    def _timed(self, data):
        stamp = f"[{time.monotonic() - self.opened:8.2f}] ".encode()
        out = bytearray()
        for line in data.splitlines(keepends=True):
            if self.line_start:
                out += stamp
            out += line
            self.line_start = line.endswith(b"\n")
        self.timed.write(out)
        self.timed.flush()

    def expect(self, pattern, timeout):
        """Waits until `pattern` (bytes regex) appears after the mark; moves the mark past it."""
        regex = re.compile(pattern) if isinstance(pattern, bytes) else pattern
        deadline = time.monotonic() + timeout
        with self.lock:
            while True:
                match = regex.search(self.buffer, self.mark)
                if match:
                    self.mark = match.end()
                    return match
                left = deadline - time.monotonic()
                if left <= 0 or self.closed:
                    tail = bytes(self.buffer[-600:]).decode("utf-8", "replace")
                    raise TimeoutError(f"serial console: no {regex.pattern!r} within {timeout}s; last output:\n{tail}")
                self.lock.wait(min(left, 1))

    def type(self, text):
        # A person types; the UART takes what it can, qemu holds the rest back.
        self.sock.sendall(text.encode())

    def wait_for_prompt(self, timeout):
        """The console's prompt (after `Password: ` when a login password is set)."""
        return self.expect(self.PROMPT, timeout)

    def command(self, line, timeout=60):
        """Types `line` at the prompt; returns what the console printed before the next prompt."""
        with self.lock:
            self.mark = len(self.buffer)
        self.type(line + "\r")
        self.expect(re.escape(line.encode()) + rb"\r?\r\n", timeout)
        start = self.mark
        # From the newline ending the echo: the prompt's pattern anchors on it (an empty answer
        # is followed by the prompt at once).
        with self.lock:
            self.mark -= 1
        match = self.expect(self.PROMPT, timeout)
        with self.lock:
            return bytes(self.buffer[start:max(start, match.start())]).decode("utf-8", "replace").replace("\r\n", "\n")

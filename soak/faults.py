"""The fault schedule: one fault every interval, cycling through the list, while messages are
being injected. Each fault is logged with its start and end (the ledger explains duplicates and
retries against these times)."""
import random
import signal
import time

# How long a fault lasts. The freeze outlasts the appliance's scan request timeout (5 s in the
# soak's configuration) by a margin, so requests time out, not just slow down.
FREEZE_SECONDS = 12
FAULTY_SERVICE_SECONDS = 10
RESET_SECONDS = 1.5
SPOOL_FULL_SECONDS = 10
SERVER_DOWN_SECONDS = 5
YSCD_DOWN_SECONDS = 5

ALL = ["mailsecd-kill", "reset-mid-data", "spool-full", "yscd-freeze", "server-kill", "yscd-503",
       "yscd-kill", "yscd-garbage"]


class Schedule:
    def __init__(self, lab, names, interval, say):
        self.lab, self.names, self.interval, self.say = lab, [n for n in names if n], interval, say
        self.log = []
        self.rng = random.Random(7)

    def run(self, finished):
        """Injects faults until `finished()` says the injection is over and every fault of the
        list has been injected at least once (a short run still sees each; the office Postfix
        is still retrying then)."""
        n = 0
        done = lambda: finished() and n >= len(self.names)
        while not done() and self.names:
            # A little jitter, so faults do not always hit the same phase of a session.
            deadline = time.monotonic() + self.interval * (0.75 + 0.5 * self.rng.random())
            while time.monotonic() < deadline:
                if done():
                    return
                time.sleep(0.2)
            name = self.names[n % len(self.names)]
            n += 1
            entry = {"fault": name, "start": time.time()}
            try:
                entry["detail"] = getattr(self, name.replace("-", "_"))()
            except Exception as error:   # a fault that could not be injected is reported, not hidden
                entry["error"] = repr(error)
            entry["end"] = time.time()
            self.log.append(entry)
            self.say(f"fault {name}: {entry.get('detail', entry.get('error'))}")

    def reset_mid_data(self):
        self.lab.reset_connections(RESET_SECONDS)
        return f"every SMTP connection through the appliance reset for {RESET_SECONDS} s"

    def server_kill(self):
        self.lab.kill_server()
        time.sleep(SERVER_DOWN_SECONDS)
        self.lab.start_server()
        return f"server Postfix SIGKILLed (whole group), restarted after {SERVER_DOWN_SECONDS} s"

    def yscd_kill(self):
        self.lab.signal_yscd(signal.SIGKILL)
        time.sleep(YSCD_DOWN_SECONDS)
        self.lab.restart_yscd([])
        return f"yscd SIGKILLed, restarted after {YSCD_DOWN_SECONDS} s"

    def yscd_freeze(self):
        self.lab.signal_yscd(signal.SIGSTOP)
        time.sleep(FREEZE_SECONDS)
        self.lab.signal_yscd(signal.SIGCONT)
        return f"yscd SIGSTOPped for {FREEZE_SECONDS} s (request timeout 5 s), then SIGCONT"

    def yscd_garbage(self):
        self.lab.restart_yscd(["--inject-garbage"])
        time.sleep(FAULTY_SERVICE_SECONDS)
        self.lab.restart_yscd([])
        return f"yscd answered 200 with a non-JSON body for {FAULTY_SERVICE_SECONDS} s"

    def yscd_503(self):
        self.lab.restart_yscd(["--inject-status", "503"])
        time.sleep(FAULTY_SERVICE_SECONDS)
        self.lab.restart_yscd([])
        return f"yscd answered 503 for {FAULTY_SERVICE_SECONDS} s"

    def mailsecd_kill(self):
        entries, used = self.lab.kill_mailsecd()
        self.lab.start_mailsecd()
        return f"mailsecd SIGKILLed and restarted; spool after the kill: {entries} entries, {used} bytes used"

    def spool_full(self):
        self.lab.fill_spool()
        time.sleep(SPOOL_FULL_SECONDS)
        self.lab.empty_spool()
        return f"spool tmpfs filled for {SPOOL_FULL_SECONDS} s"

"""Every process the benchmark starts, recorded by PID and ended by PID (never by name)."""
import os
import signal
import subprocess
import time

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


class Processes:
    def __init__(self, log_dir):
        self.log_dir = log_dir
        self.running = {}  # pid -> (name, Popen)

    def start(self, name, argv, namespace=None, **popen):
        """Starts `argv` (inside `namespace` with `ip netns exec`, which execs: the PID is the
        program's own). Output goes to LOG_DIR/name.log."""
        if namespace:
            argv = ["ip", "netns", "exec", namespace] + list(argv)
        log = open(os.path.join(self.log_dir, f"{name}.log"), "ab")
        process = subprocess.Popen(argv, stdout=popen.pop("stdout", log), stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, start_new_session=True, **popen)
        log.close()
        self.running[process.pid] = (name, process)
        return process

    def stop(self, process, timeout=5):
        """SIGTERM, a bounded wait, then SIGKILL; only this PID."""
        if process.pid not in self.running:
            return
        del self.running[process.pid]
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=timeout)

    def stop_all(self):
        for _, process in list(self.running.values())[::-1]:
            self.stop(process)

    def log(self, name):
        try:
            with open(os.path.join(self.log_dir, f"{name}.log"), errors="replace") as file:
                return file.read()[-4000:]
        except OSError:
            return ""


def cpu_ticks(pids):
    """utime + stime (all threads) of each PID, summed, in clock ticks."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
        except (OSError, IndexError, ValueError):
            pass
    return total


def ticks_to_ms(ticks):
    return ticks * 1000.0 / CLOCK_TICKS


def wait_for(predicate, timeout, interval=0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()


def run(argv, namespace=None, timeout=60, check=True, **kwargs):
    if namespace:
        argv = ["ip", "netns", "exec", namespace] + list(argv)
    result = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, **kwargs)
    if check and result.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)}: {result.returncode}\n{result.stdout}{result.stderr}")
    return result

"""One cell of the matrix: a load against a case, with the appliance's CPU time around it."""
import json
import os
import statistics
import subprocess
import time

from .lab import SERVER
from .processes import cpu_ticks, run, ticks_to_ms
from .servers import POP3_PASSWORD, POP3_USER_PREFIX

BENCH_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RUN_TIMEOUT_S = 180   # no single load run may take longer than this


def smtp_source(lab, sessions, count, size, server=SERVER):
    """smtp-source from the office PC to the server (an IPv6 server in brackets); seconds, or
    None when it failed."""
    argv = ["/usr/sbin/smtp-source", "-s", str(sessions), "-m", str(count), "-l", str(size),
            "-f", "load@example.com", "-t", "sink@example.com", "-M", "bench.example", f"{server}:25"]
    started = time.perf_counter()
    try:
        result = run(argv, lab.pc, timeout=RUN_TIMEOUT_S, check=False)
    except subprocess.TimeoutExpired:
        return None, "timeout"
    elapsed = time.perf_counter() - started
    if result.returncode != 0 or "fatal" in result.stderr or "error" in result.stderr.lower():
        return None, (result.stderr or result.stdout).strip()[-300:]
    return elapsed, None


def smtps_load(cafile, server_name, port=465):
    """A load like `smtp_source`, over implicit TLS (bench/smtps_load.py: smtp-source has no
    TLS): the client verifies the certificate it is shown against `cafile` for `server_name`."""
    def load(lab, sessions, count, size, server=SERVER):
        argv = ["/usr/bin/python3", os.path.join(BENCH_DIR, "smtps_load.py"), server.strip("[]"), str(port),
                str(sessions), str(count), str(size), cafile, server_name, str(RUN_TIMEOUT_S - 10)]
        try:
            result = run(argv, lab.pc, timeout=RUN_TIMEOUT_S, check=False)
        except subprocess.TimeoutExpired:
            return None, "timeout"
        try:
            report = json.loads(result.stdout)
        except ValueError:
            return None, (result.stderr or result.stdout).strip()[-300:]
        if report["errors"] or result.returncode != 0:
            return None, f"{report.get('failed')} failed: " + "; ".join(report["errors"])[:300]
        if report["elapsed_s"]:
            load.client_busy.append(report.get("client_cpu_s", 0) / report["elapsed_s"])
        return report["elapsed_s"], None
    # Per run: the client's CPU time over its elapsed time (1.0: the client was the bottleneck).
    load.client_busy = []
    return load


def smtp_latencies(lab, size, count):
    result = run(["/usr/bin/python3", os.path.join(BENCH_DIR, "smtp_latency.py"), SERVER, "25", str(size), str(count),
                  "60"], lab.pc, timeout=RUN_TIMEOUT_S, check=False)
    try:
        return json.loads(result.stdout)
    except ValueError:
        return {"times_ms": [], "errors": count}


def pop3_load(lab, clients):
    result = run(["/usr/bin/python3", os.path.join(BENCH_DIR, "pop3_load.py"), SERVER, "110", str(clients),
                  POP3_USER_PREFIX, POP3_PASSWORD, "120"], lab.pc, timeout=RUN_TIMEOUT_S, check=False)
    try:
        return json.loads(result.stdout)
    except ValueError:
        return {"messages": 0, "bytes": 0, "elapsed_s": 0, "errors": [result.stderr[-300:]]}


def percentile(values, fraction):
    if not values:
        return None
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, int(round(fraction * (len(ordered) - 1)))))
    return ordered[index]


class Cell:
    """Repetitions of one load; medians of messages/s and of CPU ms per message."""

    def __init__(self):
        self.rates = []
        self.cpu_ms = []
        self.failures = []
        self.latency = None

    def add(self, messages, seconds, ticks):
        if seconds and messages:
            self.rates.append(messages / seconds)
            self.cpu_ms.append(ticks_to_ms(ticks) / messages)

    @property
    def rate(self):
        return statistics.median(self.rates) if self.rates else None

    @property
    def cpu(self):
        return statistics.median(self.cpu_ms) if self.cpu_ms else None

    def as_dict(self):
        return {"rate": self.rate, "cpu_ms": self.cpu, "rates": self.rates, "failures": self.failures[:3],
                "latency": self.latency}


def measure_smtp(lab, pids, sessions, size, repetitions, target_s, max_count, server=SERVER, load=smtp_source):
    """`load`: smtp_source, or another function of the same shape (`smtps_load`)."""
    cell = Cell()
    # A pilot run sizes the count so each repetition lasts about target_s, within bounds.
    minimum = max(sessions, 10)
    pilot, error = load(lab, sessions, minimum, size, server)
    if pilot is None:
        cell.failures.append(error)
        return cell
    count = int(min(max_count, max(minimum, minimum / pilot * target_s)))
    for _ in range(repetitions):
        before = cpu_ticks(pids)
        seconds, error = load(lab, sessions, count, size, server)
        ticks = cpu_ticks(pids) - before
        if seconds is None:
            cell.failures.append(error)
        else:
            cell.add(count, seconds, ticks)
    return cell


def measure_pop3(lab, pids, clients, repetitions):
    cell = Cell()
    for _ in range(repetitions):
        before = cpu_ticks(pids)
        result = pop3_load(lab, clients)
        ticks = cpu_ticks(pids) - before
        if result["errors"]:
            cell.failures.extend(result["errors"][:2])
        else:
            cell.add(result["messages"], result["elapsed_s"], ticks)
    return cell

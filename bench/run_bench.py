#!/usr/bin/python3
"""The benchmark: plain routing, haproxy, mailsecd (relay only, scanning) and clamsmtpd side by
side in the router-mode lab, and TLS inspection beside haproxy terminating TLS on both sides;
the memory run; the scan service alone. Writes a Markdown report
and a chart.

    run_bench.py --binaries .build/release --out docs/benchmarks-results.md --chart docs/benchmarks.png [--quick]

Everything it starts is recorded by PID and ended by PID; the lab is torn down on every exit
path (normal end, error, SIGINT/SIGTERM).
"""
import argparse
import json
import os
import shutil
import signal
import sys
import tempfile
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from benchlib import cases as case_module          # noqa: E402
from benchlib.lab import SERVER6, Lab               # noqa: E402
from benchlib.measure import measure_pop3, measure_smtp, percentile, smtp_latencies, smtps_load  # noqa: E402
from benchlib.memory import run_memory             # noqa: E402
from benchlib.processes import Processes, run      # noqa: E402
from benchlib.profile import profile_cell           # noqa: E402
from benchlib.report import write_report            # noqa: E402
from benchlib.scanthroughput import run_scan_throughput  # noqa: E402
from benchlib.servers import Dovecot, start_smtp_sink  # noqa: E402

REPOSITORY = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

FULL = {
    "sizes": [1024, 50 * 1024, 1024 * 1024],
    "sessions": [1, 10, 100],
    "repetitions": 5,
    "target_s": 1.5,
    "max_count": {1024: 20000, 50 * 1024: 5000, 1024 * 1024: 400},
    "latency_count": {1024: 100, 50 * 1024: 100, 1024 * 1024: 30},
    "pop3_sizes": [1024, 50 * 1024, 1024 * 1024],
    "pop3_clients": [1, 10],
    "pop3_mailbox": {1024: 200, 50 * 1024: 100, 1024 * 1024: 10},
    "memory": (1000, 5 * 1024 * 1024),
    "scan_seconds": 4.0,
}
QUICK = {
    "sizes": [50 * 1024],
    "sessions": [1, 100],
    "repetitions": 1,
    "target_s": 1.0,
    "max_count": {50 * 1024: 2000},
    "latency_count": {50 * 1024: 50},
    "pop3_sizes": [50 * 1024],
    "pop3_clients": [10],
    "pop3_mailbox": {50 * 1024: 30},
    "memory": (100, 1024 * 1024),
    "scan_seconds": 1.5,
}


# The cell measured over IPv6 as well, with scanning (issue 18): SMTP 50 KB × 100.
IPV6_CELL = (50 * 1024, 100)
# The one cell of the TLS cases (issue 17): SMTP over implicit TLS, 50 KB × 100.
TLS_CELL = (50 * 1024, 100)


class Context:
    def __init__(self, binaries, work, processes, lab, pki):
        self.binaries = binaries
        self.work = work
        self.processes = processes
        self.lab = lab
        self.pki = pki

    def binary(self, name):
        return os.path.join(self.binaries, name)


def machine_description(binaries):
    def first_line(argv):
        try:
            result = run(argv, check=False, timeout=20)
            return (result.stdout or result.stderr).strip().splitlines()[0]
        except Exception:
            return "?"
    model = "?"
    with open("/proc/cpuinfo") as cpuinfo:
        for line in cpuinfo:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as meminfo:
        memory = int(meminfo.readline().split()[1]) // 1024
    return {
        "cpu": f"{os.cpu_count()} × {model}", "memory_mib": memory,
        "kernel": os.uname().release,
        "swift": first_line(["swift", "--version"]),
        "haproxy": first_line(["/usr/sbin/haproxy", "-v"]),
        "postfix": first_line(["/usr/sbin/postconf", "-d", "-h", "mail_version"]),
        "dovecot": first_line(["/usr/sbin/dovecot", "--version"]),
        "clamd": first_line(["/usr/sbin/clamd", "--version"]),
        "clamsmtpd": first_line(["/usr/sbin/clamsmtpd", "-v"]),
        "load_before": open("/proc/loadavg").read().split()[:3],
    }


def run_matrix(context, plan, results, log):
    lab = context.lab
    dovecot = Dovecot(os.path.join(context.work, "dovecot"), max(plan["pop3_clients"]))
    dovecot.fill(plan["pop3_sizes"][0], 1)
    start_smtp_sink(context.processes, lab)
    dovecot.start(context.processes, lab)
    for case_class in case_module.ALL_CASES:
        if plan.get("cases") and case_class.name not in plan["cases"]:
            continue
        case = case_class(context)
        log(f"== {case.label}")
        lab.divert(case.divert)
        try:
            pids = case.start()
        except Exception as error:
            log(f"   not started: {error}")
            results["tls" if case.tls else "smtp"][case.name] = {"error": str(error)[:300]}
            case.stop()
            continue
        try:
            if case.tls:
                size, sessions = TLS_CELL
                load = smtps_load(case.client_ca(), case_module.TLS_SERVER_NAME)
                cell = measure_smtp(lab, pids, sessions, size, plan["repetitions"], plan["target_s"],
                                    plan["max_count"].get(size, 2000), load=load)
                measured = cell.as_dict()
                measured["client_busy"] = max(load.client_busy) if load.client_busy else None
                results["tls"].setdefault(case.name, {})[f"{size}x{sessions}"] = measured
                log(f"   SMTP over TLS {size // 1024} KB × {sessions}: {cell.rate and round(cell.rate, 1)} msg/s, "
                    f"cpu {cell.cpu and round(cell.cpu, 3)} ms/msg, load client busy {measured['client_busy']}, "
                    f"failures {cell.failures[:1]}")
                continue
            smtp = results["smtp"].setdefault(case.name, {})
            for size in plan["sizes"]:
                for sessions in plan["sessions"]:
                    cell = measure_smtp(lab, pids, sessions, size, plan["repetitions"], plan["target_s"],
                                        plan["max_count"][size])
                    if sessions == 1:
                        latency = smtp_latencies(lab, size, plan["latency_count"][size])
                        times = latency["times_ms"]
                        cell.latency = {"p50": percentile(times, 0.5), "p99": percentile(times, 0.99),
                                        "n": len(times), "errors": latency["errors"]}
                    smtp[f"{size}x{sessions}"] = cell.as_dict()
                    log(f"   SMTP {size // 1024} KB × {sessions}: {cell.rate and round(cell.rate, 1)} msg/s, "
                        f"cpu {cell.cpu and round(cell.cpu, 3)} ms/msg, latency {cell.latency}, failures {cell.failures[:1]}")
            if case.name == "mailsecd-scan" and IPV6_CELL[0] in plan["sizes"] and IPV6_CELL[1] in plan["sessions"]:
                # The same cell over IPv6 (issue 18): the same PC, server and daemon, the other family.
                size, sessions = IPV6_CELL
                cell = measure_smtp(lab, pids, sessions, size, plan["repetitions"], plan["target_s"],
                                    plan["max_count"][size], server=f"[{SERVER6}]")
                results["smtp"].setdefault("mailsecd-scan-ipv6", {})[f"{size}x{sessions}"] = cell.as_dict()
                log(f"   SMTP over IPv6 {size // 1024} KB × {sessions}: {cell.rate and round(cell.rate, 1)} msg/s, "
                    f"cpu {cell.cpu and round(cell.cpu, 3)} ms/msg, failures {cell.failures[:1]}")
            if plan.get("profile") and case.name in ("mailsecd-scan", "mailsecd-relay"):
                size, sessions = 50 * 1024, 100
                log(f"   perf record during {size // 1024} KB × {sessions}")
                results.setdefault("profiles", {})[case.name] = profile_cell(
                    context, pids, sessions, size, int(min(5000, max(200, 5 * ((smtp.get(f"{size}x{sessions}") or {}).get("rate") or 40)))), case.name)
            if case.pop3:
                pop3 = results["pop3"].setdefault(case.name, {})
                for size in plan["pop3_sizes"]:
                    dovecot.fill(size, plan["pop3_mailbox"][size])
                    for clients in plan["pop3_clients"]:
                        cell = measure_pop3(lab, pids, clients, plan["repetitions"])
                        pop3[f"{size}x{clients}"] = cell.as_dict()
                        log(f"   POP3 {size // 1024} KB × {clients}: {cell.rate and round(cell.rate, 1)} msg/s, "
                            f"cpu {cell.cpu and round(cell.cpu, 3)} ms/msg, failures {cell.failures[:1]}")
        finally:
            case.stop()
    lab.divert(None)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binaries", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--chart", required=True)
    parser.add_argument("--json")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--only", help="comma-separated parts: matrix,memory,scan")
    parser.add_argument("--profile", action="store_true", help="perf record mailsecd + yscd in one more 50 KB × 100 run")
    parser.add_argument("--cases", help="comma-separated case names (default: all)")
    parser.add_argument("--sizes", help="comma-separated SMTP message sizes in bytes (default: the plan's)")
    parser.add_argument("--sessions", help="comma-separated SMTP session counts (default: the plan's)")
    parser.add_argument("--repetitions", type=int, help="repetitions per cell (default: the plan's)")
    args = parser.parse_args()
    if os.geteuid() != 0:
        sys.exit("run_bench.py: must run as root (namespaces, netfilter)")
    plan = dict(QUICK if args.quick else FULL)
    # A cell or two of two builds, one after the other, compared by their ratios to haproxy
    # measured in the same run (docs/benchmarks.md, Relay core: before and after).
    if args.sizes:
        plan["sizes"] = [int(size) for size in args.sizes.split(",")]
        plan["max_count"] = {size: FULL["max_count"].get(size, 2000) for size in plan["sizes"]}
        plan["latency_count"] = {size: FULL["latency_count"].get(size, 50) for size in plan["sizes"]}
    if args.sessions:
        plan["sessions"] = [int(count) for count in args.sessions.split(",")]
    if args.repetitions:
        plan["repetitions"] = args.repetitions
    if args.cases:
        plan["cases"] = args.cases.split(",")
    plan["profile"] = args.profile
    parts = set((args.only or "matrix,memory,scan").split(","))
    binaries = os.path.abspath(args.binaries)

    work = tempfile.mkdtemp(prefix="mailsec-bench-")
    os.chmod(work, 0o755)  # Dovecot's helpers (user dovecot) traverse it
    processes = Processes(work)
    lab = Lab(REPOSITORY, work)

    def on_signal(number, _frame):
        raise SystemExit(f"signal {number}")
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    started = time.monotonic()

    def log(text):
        print(f"[{time.monotonic() - started:7.1f} s] {text}", flush=True)

    results = {"quick": args.quick, "plan": {k: v for k, v in plan.items() if k in ("sizes", "sessions", "repetitions", "pop3_clients")},
               "machine": machine_description(binaries), "smtp": {}, "pop3": {}, "tls": {}, "memory": None, "scan": None,
               "started": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}
    status = 0
    try:
        pki = os.path.join(work, "pki")
        run([os.path.join(REPOSITORY, "firmware/make-pki.sh"), pki],
            # The server's address and name too: the TLS cases' server side shows this certificate.
            env=dict(os.environ, PKI_EXTRA_SAN=f"IP:{case_module.CLOUD},IP:{case_module.SERVER},DNS:{case_module.TLS_SERVER_NAME}"))
        lab.up()
        context = Context(binaries, work, processes, lab, pki)
        log(f"lab {lab.prefix} up; work directory {work}")
        if "matrix" in parts:
            run_matrix(context, plan, results, log)
        if "memory" in parts:
            sessions, size = plan["memory"]
            log(f"== memory: {sessions} × {size // (1024 * 1024)} MB")
            results["memory"] = run_memory(context, sessions, size)
            log(f"   {results['memory']}")
        if "scan" in parts:
            log("== scan service alone")
            results["scan"] = run_scan_throughput(context, plan["scan_seconds"], log)
        results["elapsed_s"] = round(time.monotonic() - started)
        write_report(results, args.out, args.chart, REPOSITORY)
        log(f"report: {args.out}, chart: {args.chart}")
    except BaseException as error:
        traceback.print_exc()
        log(f"failed: {error!r}")
        status = 1
    finally:
        processes.stop_all()
        lab.down()
        if args.json:
            with open(args.json, "w") as file:
                json.dump(results, file, indent=1)
        # The logs of a failed run stay for a look (their directory is printed at the start).
        if status == 0 and not os.environ.get("BENCH_KEEP"):
            shutil.rmtree(work, ignore_errors=True)
    return status


if __name__ == "__main__":
    sys.exit(main())

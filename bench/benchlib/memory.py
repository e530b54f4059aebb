"""Memory under concurrency: mailsecd in explicit mode on the appliance namespace's loopback,
relaying to a sink; N sessions hold one large message each in DATA at once
(bench/smtp_memory_load.py). Relay only (`use off`): the memory path of every message is the
same with scanning (buffered in full, spilled past the memory threshold), and 5 GB through the
scan service would measure the scan service, not the buffer."""
import json
import os

from .lab import wait_listening
from .measure import BENCH_DIR
from .cases import NOFILE
from .processes import run

PROXY_PORT = 2525
SINK_PORT = 2526


def run_memory(context, sessions, size, budget_mib=None):
    lab, processes = context.lab, context.processes
    directory = os.path.join(context.work, "memory")
    spool = os.path.join(directory, "spool")
    os.makedirs(spool, exist_ok=True)
    config = os.path.join(directory, "mailsec.conf")
    for command in ["mail security use off", "save"]:
        run([context.binary("mailsec"), "--config", config, command])
    argv = ["prlimit", f"--nofile={NOFILE}", "--", context.binary("mailsecd"), "--config", config,
            "--control", os.path.join(directory, "ctl.sock"), "--syslog-socket", os.path.join(directory, "no-syslog"),
            "--serial", "BENCH-0001", "--spool", spool,
            # every session comes from the one load generator: no per-client limit in the way
            "--sessions-per-client", "100000",
            "--smtp-listen", f"127.0.0.1:{PROXY_PORT}", "--smtp-upstream", f"127.0.0.1:{SINK_PORT}"]
    if budget_mib:
        argv += ["--memory-budget", str(budget_mib)]
    daemon = processes.start("mailsecd-memory", argv, lab.fw)
    try:
        if not wait_listening(lab.fw, PROXY_PORT):
            return {"error": "mailsecd did not start: " + processes.log("mailsecd-memory")}
        result = run(["prlimit", f"--nofile={NOFILE}", "--", "/usr/bin/python3",
                      os.path.join(BENCH_DIR, "smtp_memory_load.py"),
                      "--proxy", f"127.0.0.1:{PROXY_PORT}", "--sink", f"127.0.0.1:{SINK_PORT}",
                      "--sessions", str(sessions), "--size", str(size), "--pid", str(daemon.pid),
                      "--spool", spool, "--timeout", "900"], lab.fw, timeout=1000, check=False)
        try:
            report = json.loads(result.stdout.strip().splitlines()[-1])
        except (ValueError, IndexError):
            return {"error": (result.stdout + result.stderr)[-500:]}
        report["ok"] = result.returncode == 0
        report["budget_mib"] = budget_mib or 256
        return report
    finally:
        processes.stop(daemon)

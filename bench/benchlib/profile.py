"""Where the appliance's time goes: `perf record` on its processes during one more load run of a
cell, summarised by `perf report` (Swift names demangled)."""
import os
import subprocess
import threading

from .measure import smtp_source
from .processes import run

PERF = "/usr/bin/perf"
SAMPLE_HZ = "499"


def profile_cell(context, pids, sessions, size, count, label):
    """Returns the top of `perf report` (by DSO and symbol, self time), or None without perf."""
    if not os.path.exists(PERF):
        return None
    data = os.path.join(context.work, f"perf-{label}.data")
    record = context.processes.start(f"perf-{label}", [PERF, "record", "-F", SAMPLE_HZ, "-g", "-o", data,
                                                       "-p", ",".join(str(p) for p in pids)])
    load = threading.Thread(target=smtp_source, args=(context.lab, sessions, count, size))
    load.start()
    load.join()
    record.send_signal(2)  # SIGINT: perf writes its data and exits
    try:
        record.wait(timeout=60)
    except subprocess.TimeoutExpired:
        pass
    context.processes.stop(record)
    report = run([PERF, "report", "-i", data, "--stdio", "--no-children", "--sort", "dso,symbol",
                  "--percent-limit", "0.7", "-g", "none"], check=False, timeout=300).stdout
    lines = [line for line in report.splitlines() if line.strip() and not line.startswith("#")][:40]
    text = "\n".join(lines)
    try:
        text = subprocess.run(["swift", "demangle", "--simplified"], input=text, capture_output=True, text=True,
                              timeout=60).stdout or text
    except (OSError, subprocess.TimeoutExpired):
        pass
    return "\n".join(line[:160] for line in text.splitlines())

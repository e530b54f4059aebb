"""The scan service alone: yscd's builtin engine (with TLS, without TLS, and with clamd beside it)
on the corpus and on 50 KB / 1 MB messages, from clients on the same loopback (PREFIXcloud)."""
import glob
import json
import os

from .cases import EICAR_HDB
from .lab import wait_listening
from .measure import BENCH_DIR
from .processes import cpu_ticks, run, ticks_to_ms, wait_for
from .servers import pop3_message

CONNECTIONS = 2   # one client process per core


def corpus_files(repository):
    """BENCH_CORPUS (a directory of messages, searched recursively) or the repository's own
    message fixtures."""
    root = os.environ.get("BENCH_CORPUS")
    if root:
        files = [p for p in glob.glob(os.path.join(root, "**", "*"), recursive=True) if os.path.isfile(p)]
    else:
        files = []
        for pattern in ("Tests/LineProtocolTests/Fixtures/*", "Tests/ScanEnginesTests/Fixtures/**/*",
                        "Tests/MessageInspectionTests/Fixtures/**/*"):
            files += [p for p in glob.glob(os.path.join(repository, pattern), recursive=True)
                      if os.path.isfile(p) and not p.endswith(".md")]
    return sorted(p for p in files if os.path.getsize(p) > 0)


def run_scan_throughput(context, seconds, log):
    lab, processes = context.lab, context.processes
    repository = os.path.dirname(BENCH_DIR)
    directory = os.path.join(context.work, "scan")
    os.makedirs(directory, exist_ok=True)
    sets = {"corpus": corpus_files(repository)}
    for name, size in (("50 KB", 50 * 1024), ("1 MB", 1024 * 1024)):
        path = os.path.join(directory, name.replace(" ", ""))
        with open(path, "wb") as file:
            file.write(pop3_message(size, 0))
        sets[name] = [path]

    variants = [("builtin, TLS", ["--cert", f"{context.pki}/server.pem", "--key", f"{context.pki}/server.key"], "https"),
                ("builtin, no TLS", ["--plaintext"], "http")]
    clamd = None
    if os.path.exists("/usr/sbin/clamd"):
        db = os.path.join(directory, "db")
        os.makedirs(db, exist_ok=True)
        with open(os.path.join(db, "bench.hdb"), "w") as file:
            file.write(EICAR_HDB)
        socket_path = os.path.join(directory, "clamd.sock")
        with open(os.path.join(directory, "clamd.conf"), "w") as file:
            file.write(f"LocalSocket {socket_path}\nForeground yes\nDatabaseDirectory {db}\nMaxThreads 8\nBytecode no\n"
                       f"StreamMaxLength 110M\n")
        clamd = processes.start("clamd-scan", ["/usr/sbin/clamd", "-c", os.path.join(directory, "clamd.conf")], lab.cloud)
        if wait_for(lambda: os.path.exists(socket_path), 60):
            variants.append(("builtin + clamd, TLS", ["--cert", f"{context.pki}/server.pem",
                                                      "--key", f"{context.pki}/server.key", "--clamd", socket_path], "https"))
    results = []
    try:
        for port, (label, options, scheme) in enumerate(variants, start=9001):
            yscd = processes.start(f"yscd-scan-{port}", [context.binary("yscd"), "--listen", f"127.0.0.1:{port}"] + options,
                                   lab.cloud)
            try:
                if not wait_listening(lab.cloud, port):
                    results.append({"variant": label, "error": processes.log(f"yscd-scan-{port}")[-300:]})
                    continue
                for set_name, files in sets.items():
                    pids = [yscd.pid] + ([clamd.pid] if clamd and "clamd" in label else [])
                    before = cpu_ticks(pids)
                    result = run(["/usr/bin/python3", os.path.join(BENCH_DIR, "scan_client.py"),
                                  f"{scheme}://127.0.0.1:{port}/", f"{context.pki}/ca.pem", str(seconds),
                                  str(CONNECTIONS)] + files, lab.cloud, timeout=seconds + 120, check=False)
                    ticks = cpu_ticks(pids) - before
                    try:
                        load = json.loads(result.stdout)
                    except ValueError:
                        results.append({"variant": label, "set": set_name, "error": result.stderr[-300:]})
                        continue
                    messages = load["messages"] or 1
                    row = {"variant": label, "set": set_name, "files": len(files),
                           "messages_s": load["messages"] / load["elapsed_s"],
                           "mb_s": load["bytes"] / load["elapsed_s"] / 1e6,
                           "cpu_ms": ticks_to_ms(ticks) / messages, "errors": load["errors"]}
                    results.append(row)
                    log(f"   {label}, {set_name}: {row['messages_s']:.0f} msg/s, {row['mb_s']:.1f} MB/s, "
                        f"{row['cpu_ms']:.2f} ms CPU/msg")
            finally:
                processes.stop(yscd)
    finally:
        if clamd:
            processes.stop(clamd)
    return results

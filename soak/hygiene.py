#!/usr/bin/python3
"""Resource hygiene (`make hygiene`): the soak's lab and load, bounded in count, with mailsecd,
yscd and mailsec built with AddressSanitizer (LeakSanitizer on), then a SIGTERM to the daemons.

    soak/hygiene.py --bin .build-asan/release [--messages N] [--rate R] [--report F.json] [--markdown F.md]

What runs (soak.py, in the network lab): sessions reset at every SMTP and every POP3 state; then
N messages of mixed sizes (about 3 % above the 1 MiB spill threshold), GTUBE, EICAR, corpus
messages and spam for POP3, through the appliance, with every SMTP connection reset for a moment
about every 20 s (resets mid-DATA) while two POP3 clients RETR and DELE bob's mail; the ledger
by Message-ID. mailsecd's RSS, descriptors (without the scan client's keep-alive connections)
and spill files are sampled every 2 s. At the end mailsecd and yscd get SIGTERM and must exit 0
by themselves, and LeakSanitizer checks each at its exit.

Exit status 0 only when: no AddressSanitizer or LeakSanitizer report from any of the three
programs (every process of them writes its reports to a directory of its own, read at the end),
both daemons exit 0 on SIGTERM, mailsecd's idle descriptors after the load are no more than
before it, no spill file is open or left in the spool, and the soak's ledger passes (nothing
lost, altered or let in). Leak suppressions: soak/lsan.supp (each entry justified there).
Everything made is removed on every way out, as by the soak.
"""
import argparse
import glob
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import soak  # noqa: E402

# How long a daemon may take from SIGTERM to its exit, LeakSanitizer's check at exit included
# (it scans the whole heap: seconds on this size of process, more on a loaded machine).
STOP_SECONDS = 120
# ASan's quarantine (freed memory held back to catch use after free) is 256 MiB by default; it
# fills over the run and would show as RSS growth. 32 MiB still catches a use shortly after free.
QUARANTINE_MB = 32
# How much of each sanitizer report goes into the JSON report.
REPORT_CHARS = 20000


def parse():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--bin", required=True, help="directory holding the AddressSanitizer builds of mailsecd, mailsec and yscd")
    p.add_argument("--messages", type=int, default=2000)
    p.add_argument("--rate", type=float, default=8.0, help="messages per second handed to the office Postfix")
    p.add_argument("--largest", type=int, default=2500000, help="largest message in bytes")
    p.add_argument("--fault-interval", type=float, default=20.0, help="seconds between the SMTP connection resets")
    p.add_argument("--drain-timeout", type=float, default=300.0)
    p.add_argument("--suppressions", default=os.path.join(HERE, "lsan.supp"))
    p.add_argument("--report", help="write the figures here (JSON)")
    p.add_argument("--markdown", help="write the figures as a Markdown section here")
    p.add_argument("--keep", action="store_true", help="keep the work directories")
    return p.parse_args()


def sanitizer_options(log_dir, suppressions):
    # log_exe_name: each process writes to asan.PROGRAM.PID, so a report names its program.
    asan = ["detect_leaks=1", f"log_path={log_dir}/asan", "log_exe_name=1", f"quarantine_size_mb={QUARANTINE_MB}",
            "halt_on_error=1"]
    lsan = [f"suppressions={os.path.abspath(suppressions)}", "print_suppressions=1"]
    return ":".join(asan), ":".join(lsan)


def symbolizer():
    """llvm-symbolizer for the reports' stacks (function names: the suppressions match them):
    the Swift toolchain's own, else one on PATH."""
    swift = shutil.which("swift")
    if swift:
        own = os.path.join(os.path.dirname(os.path.realpath(swift)), "llvm-symbolizer")
        if os.access(own, os.X_OK):
            return own
    return shutil.which("llvm-symbolizer")


def leak_detection_on(binary):
    """Asks the ASan runtime of `binary` for its flags (help=1) under the options the run uses:
    (whether it is an ASan build, whether detect_leaks is on)."""
    env = dict(os.environ)
    env["ASAN_OPTIONS"] = re.sub(r"log_path=[^:]*:?", "", env.get("ASAN_OPTIONS", "")) + ":help=1"
    r = subprocess.run([binary, "--help"], env=env, capture_output=True, text=True, timeout=60)
    text = r.stdout + r.stderr
    # sanitizer_common prints each flag as "\tNAME\n\t\t- DESCRIPTION (Current Value: V)".
    m = re.search(r"^\s*detect_leaks\s*\n\s*- [^\n]*\(Current Value: (\w+)\)", text, re.M)
    return "Available flags for AddressSanitizer" in text, bool(m and m.group(1) == "true")


def read_reports(log_dir):
    """Every sanitizer output file (asan.PROGRAM.PID): the program, and what it holds."""
    out = []
    for path in sorted(glob.glob(os.path.join(log_dir, "asan.*"))):
        parts = os.path.basename(path).split(".")
        program = ".".join(parts[1:-1]) or "?"
        pid = int(parts[-1]) if parts[-1].isdigit() else None
        with open(path, errors="replace") as f:
            text = f.read()
        used = re.findall(r"^\s*(\d+)\s+(\d+)\s+(\S+)\s*$", text.split("Suppressions used:", 1)[1], re.M) \
            if "Suppressions used:" in text else []
        out.append({"file": os.path.basename(path), "pid": pid, "program": program,
                    "asan_error": "ERROR: AddressSanitizer" in text,
                    "leak": "ERROR: LeakSanitizer" in text,
                    "summary": re.findall(r"^SUMMARY: .*$", text, re.M),
                    "suppressions_used": [{"count": int(c), "bytes": int(b), "entry": e} for c, b, e in used],
                    "text": text[:REPORT_CHARS]})
    return out


def main():
    args = parse()
    binaries = os.path.abspath(args.bin)
    log_dir = tempfile.mkdtemp(prefix="mailsec-hygiene.")
    os.chmod(log_dir, 0o755)
    asan, lsan = sanitizer_options(log_dir, args.suppressions)
    # Inherited by everything the lab starts (Lab copies the environment): the three programs
    # are ASan builds; Postfix, Dovecot and Python ignore these.
    os.environ["ASAN_OPTIONS"] = asan
    os.environ["LSAN_OPTIONS"] = lsan
    if "ASAN_SYMBOLIZER_PATH" not in os.environ and symbolizer():
        os.environ["ASAN_SYMBOLIZER_PATH"] = symbolizer()
    hygiene = {"asan_options": asan, "lsan_options": lsan, "symbolizer": os.environ.get("ASAN_SYMBOLIZER_PATH")}
    started = time.time()
    built, leaks_on = leak_detection_on(os.path.join(binaries, "mailsecd"))
    hygiene["asan_build"], hygiene["detect_leaks"] = built, leaks_on
    if not (built and leaks_on):
        shutil.rmtree(log_dir, ignore_errors=True)
        sys.exit(f"hygiene: {binaries}/mailsecd is not an AddressSanitizer build with leak detection on")
    yscd = {}

    def prepare(lab, result):
        # yscd restarted as the driver's own child, so its exit status can be read at the end
        # (the lab's services start it detached).
        lab.restart_yscd([])
        yscd["popen"] = next(p for p in lab.children if p.pid == lab.yscd_pid)
        result["hygiene"] = hygiene

    def stop(popen):
        popen.send_signal(signal.SIGTERM)
        t = time.monotonic()
        try:
            code = popen.wait(STOP_SECONDS)
        except subprocess.TimeoutExpired:
            popen.kill()
            popen.wait()
            code = "did not exit within %d s of SIGTERM (killed)" % STOP_SECONDS
        return {"exit": code, "seconds": round(time.monotonic() - t, 1)}

    def finish(lab, result):
        hygiene["spool_before_stop"] = lab.spool_state()
        mailsecd = lab.mailsecd
        with lab.lock:   # no sample of a daemon that is going away
            hygiene["mailsecd"] = stop(mailsecd)
        hygiene["yscd"] = stop(yscd["popen"])
        entries, used = lab.spool_state()
        hygiene["spool_after_stop"] = {"entries": entries, "used": used}
        hygiene["reports"] = reports = read_reports(log_dir)
        hygiene["asan_errors"] = sum(r["asan_error"] for r in reports)
        hygiene["leak_reports"] = sum(r["leak"] for r in reports)
        suppressed = {}
        for r in reports:
            for s in r["suppressions_used"]:
                key = (r["program"], s["entry"])
                suppressed[key] = suppressed.get(key, 0) + s["bytes"]
        hygiene["suppressed"] = [{"program": p, "entry": e, "bytes": b} for (p, e), b in sorted(suppressed.items())]
        before, after = result.get("idle_before") or {}, result.get("idle_after") or {}
        hygiene["fd_growth"] = (after.get("fds", 0) - before.get("fds", 0)) if before and after else None
        checks = {
            "no AddressSanitizer report": hygiene["asan_errors"] == 0,
            "no LeakSanitizer report": hygiene["leak_reports"] == 0,
            "mailsecd exits 0 on SIGTERM": hygiene["mailsecd"]["exit"] == 0,
            "yscd exits 0 on SIGTERM": hygiene["yscd"]["exit"] == 0,
            "no descriptor growth (idle after the load vs before)": hygiene["fd_growth"] is not None and hygiene["fd_growth"] <= 0,
            "no spill file open or left (idle after; spool after the stop)": after.get("spill_fds") == 0
                and after.get("spool_entries") == 0 and entries == 0 and used <= (before.get("spool_used") or 0),
        }
        hygiene["checks"] = checks
        for name, passed in checks.items():
            soak.say(f"hygiene: {'ok  ' if passed else 'FAIL'} {name}")
        for r in reports:
            if r["asan_error"] or r["leak"]:
                soak.say(f"hygiene: {r['program']} ({r['file']}): " + "; ".join(r["summary"]))
                print(r["text"][:4000], flush=True)
        return all(checks.values())

    soak_args = soak.parse(["--bin", binaries, "--messages", str(args.messages), "--rate", str(args.rate),
                            "--largest", str(args.largest), "--fault-interval", str(args.fault_interval),
                            "--faults", "reset-mid-data", "--drain-timeout", str(args.drain_timeout)]
                           + (["--keep"] if args.keep else []))
    result_holder = {}

    def finish_and_keep(lab, result):
        result_holder["result"] = result
        return finish(lab, result)

    try:
        status = soak.run(soak_args, prepare=prepare, finish=finish_and_keep)
    finally:
        if args.keep:
            soak.say(f"hygiene: kept {log_dir}")
        else:
            shutil.rmtree(log_dir, ignore_errors=True)
    result = result_holder.get("result", {"hygiene": hygiene})
    result["hygiene"]["seconds"] = round(time.time() - started, 1)
    result["ok"] = status == 0
    if args.report:
        import json
        with open(args.report, "w") as f:
            json.dump(result, f, indent=1)
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(markdown(result, args))
    soak.say(f"hygiene: {'PASS' if status == 0 else 'FAIL'} in {result['hygiene']['seconds']} s")
    return status


def markdown(result, args):
    h = result["hygiene"]
    r = result.get("resources", {})
    before, after = result.get("idle_before") or {}, result.get("idle_after") or {}
    l = result.get("ledger", {})
    t = l.get("tally", {})
    out = ["### Resource hygiene run", "",
           f"`make hygiene`: {args.messages} messages at {args.rate}/s (largest {args.largest} bytes), every SMTP "
           f"connection reset about every {args.fault_interval} s, two POP3 clients; {h.get('seconds')} s in all. "
           f"Sanitizer options: `ASAN_OPTIONS={h['asan_options'].split('log_path')[0]}…`, leak detection "
           f"{'on' if h.get('detect_leaks') else 'OFF'}.", ""]
    if r:
        out += ["| mailsecd | first third | last third | peak |", "|---|---|---|---|",
                f"| RSS (kB) | {r['rss_kb_first_third']} | {r['rss_kb_last_third']} | {r['rss_kb_peak']} |",
                f"| open descriptors | {r['fds_first_third']} | {r['fds_last_third']} | {r['fds_peak']} |",
                f"| spill files open | | | {r['spill_fds_peak']} |", ""]
    if before and after:
        out += [f"Idle before the load: {before['fds']} descriptors, {before['rss_kb']} kB; after it: {after['fds']} "
                f"descriptors, {after['rss_kb']} kB, {after['spill_fds']} spill files, {after['spool_entries']} spool files.", ""]
    out += [f"Ledger: delivered {t.get('delivered', 0)}, refused 554 {t.get('refused_554', 0)}, lost {t.get('lost', 0)}, "
            f"altered {t.get('altered', 0)}+{t.get('pop3_altered', 0)}, let in {t.get('let_in', 0)}.", ""]
    for name in ("mailsecd", "yscd"):
        if name in h:
            out.append(f"- {name}: exit {h[name]['exit']} {h[name]['seconds']} s after SIGTERM")
    out += [f"- AddressSanitizer reports: {h.get('asan_errors')}; LeakSanitizer reports: {h.get('leak_reports')}"]
    if h.get("suppressed"):
        out += [f"- suppressed by soak/lsan.supp: " + ", ".join(f"{s['program']} `{s['entry']}` {s['bytes']} bytes"
                                                               for s in h["suppressed"])]
    else:
        out += ["- no leak suppression matched"]
    for name, passed in (h.get("checks") or {}).items():
        out.append(f"- {name}: {'yes' if passed else '**no**'}")
    out += ["", f"Result: **{'PASS' if result.get('ok') else 'FAIL'}**.", ""]
    return "\n".join(out)


if __name__ == "__main__":
    sys.exit(main())

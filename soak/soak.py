#!/usr/bin/python3
"""The fault-injection soak (`make soak`; a short run in `make test`).

In the network lab (firmware/lab/lab.sh, router mode) with its daemons (firmware/lab/services.sh):
the office's own Postfix in PREFIXlan1 relays (relayhost = the mail server) through the
appliance, which intercepts transparently, to the Postfix in PREFIXlan2; two POP3 clients on the
office LAN fetch and delete bob's mail from the Dovecot in PREFIXlan2 through the appliance.
Messages are injected into the office Postfix while faults are injected on a schedule; then the
office queue drains and a ledger by Message-ID is built (see ledger.py). Exit status 0 only when
nothing was lost, altered, let in or left behind and every duplicate is explained.

    soak/soak.py --bin .build/debug [--messages N] [--report FILE.json] [--markdown FILE.md]

Everything it makes (namespaces, processes, the spool tmpfs, nft tables, files) is removed on
every way out, also on SIGINT/SIGTERM and on failure.
"""
import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import clients  # noqa: E402
import faults as faultlib  # noqa: E402
import ledger  # noqa: E402
import messages  # noqa: E402
from lab import Lab  # noqa: E402


def parse():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--bin", default=os.path.join(HERE, "..", ".build", "release"),
                   help="directory holding mailsecd, mailsec and yscd")
    p.add_argument("--messages", type=int, default=10000, help="messages to inject")
    # 10,000 messages at 10/s are handed in over about 17 minutes, time for each fault to come
    # round about three times at one every 45 s. Faster faults leave nothing to measure: a scan
    # service fault is followed by the scan client's 30 s circuit breaker, so at one every 20 s the
    # appliance answered 451 nearly all the time and the office queue could not drain.
    p.add_argument("--rate", type=float, default=10.0, help="messages per second handed to the office Postfix")
    p.add_argument("--largest", type=int, default=5 * 1024 * 1024, help="largest message in bytes")
    p.add_argument("--fault-interval", type=float, default=45.0, help="seconds between faults")
    p.add_argument("--faults", default=",".join(faultlib.ALL), help="faults to cycle through")
    p.add_argument("--drain-timeout", type=float, default=3600.0, help="seconds to wait for the office queue to drain")
    p.add_argument("--corpus", default=os.path.join(HERE, "..", "Tests", "MessageInspectionTests", "Fixtures"),
                   help="a directory (tree) of RFC 5322 messages mixed into the load")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--spool-size", default="48m", help="size of the spool tmpfs")
    p.add_argument("--no-states", action="store_true", help="skip the kill-at-every-state check")
    p.add_argument("--report", help="write the ledger's figures here (JSON)")
    p.add_argument("--markdown", help="write the figures as a Markdown section here")
    p.add_argument("--keep", action="store_true", help="keep the work directory (logs, mailboxes)")
    return p.parse_args()


def say(text):
    print(f"soak {time.strftime('%H:%M:%S')}: {text}", flush=True)


def generate(work, count, seed, largest, corpus_dir):
    """Writes every message under work/msgs and the manifest (message-id, kind, source,
    recipient, path). A third of the mail goes to bob, whose mailbox the POP3 clients empty."""
    rng = random.Random(seed)
    corpus = messages.load_corpus(corpus_dir)
    run_id = f"{seed}x{int(time.time())}"
    os.makedirs(os.path.join(work, "msgs"))
    rows = []
    for n in range(count):
        recipient = "bob@example.com" if n % 3 == 2 else "alice@example.com"
        mid, kind, source, data = messages.make_message(n, run_id, rng, corpus, largest, recipient)
        if kind in clients.INBOUND:
            recipient = "bob@example.com"
        path = os.path.join(work, "msgs", f"{n:06d}.eml")
        with open(path, "wb") as f:
            f.write(data)
        rows.append((mid, kind, source, recipient, path))
    with open(os.path.join(work, "manifest.tsv"), "w") as f:
        for row in rows:
            f.write("\t".join(row) + "\n")
    return rows, len(corpus)


def check_states(lab, result):
    """Sessions reset at every SMTP state leave nothing behind: mailsecd's descriptors and the
    spool return to their level before (a complete session first warms up the scan client)."""
    states = ["complete", "greeting", "ehlo", "mail", "rcpt", "data", "mid-data", "after-dot", "complete"]
    out = []
    baseline = None
    for n, state in enumerate(states):
        lab.in_ns("lan1b", [sys.executable, os.path.join(HERE, "soak.py"), "--kill-session", state], timeout=120)
        settled = lab.wait_settled(baseline, timeout=20)
        if n == 0:
            baseline = settled
            continue
        entry = {"state": state, **settled, "baseline_fds": baseline["fds"]}
        entry["ok"] = settled["fds"] <= baseline["fds"] and settled["spool_entries"] == 0 and settled["spill_fds"] == 0 \
            and settled["spool_used"] <= baseline["spool_used"]
        out.append(entry)
        say(f"killed at {state}: fds {settled['fds']} (baseline {baseline['fds']}), "
            f"spill fds {settled['spill_fds']}, spool entries {settled['spool_entries']}")
    result["states"] = out


def run(args):
    binaries = os.path.abspath(args.bin)
    for name in ("mailsecd", "mailsec", "yscd"):
        if not os.access(os.path.join(binaries, name), os.X_OK):
            sys.exit(f"soak: {binaries}/{name} is not built")
    work = tempfile.mkdtemp(prefix="mailsec-soak.")
    os.chmod(work, 0o755)   # the lab's Dovecot helpers (user dovecot) must get through
    lab = Lab(work, binaries, say)
    result = {"parameters": {"messages": args.messages, "rate": args.rate, "largest": args.largest,
                             "fault_interval": args.fault_interval, "seed": args.seed}}
    stop = threading.Event()

    def on_signal(number, _frame):
        raise SystemExit(128 + number)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    ok = False
    try:
        say(f"generating {args.messages} messages in {work}")
        rows, corpus_count = generate(work, args.messages, args.seed, args.largest, args.corpus)
        result["parameters"]["corpus_messages"] = corpus_count
        lab.up(args.spool_size)
        if not args.no_states:
            check_states(lab, result)
        result["idle_before"] = lab.wait_settled(None, timeout=20)
        sampler = threading.Thread(target=lab.sample_loop, args=(stop,), daemon=True)
        sampler.start()
        pop3_stop = os.path.join(work, "pop3-stop")
        pop3 = [lab.spawn_in_ns(ns, [sys.executable, os.path.join(HERE, "soak.py"), "--pop3-client", name,
                                     "--work", work, "--stop-file", pop3_stop], f"pop3-{name}")
                for ns, name in (("lan1", "c1"), ("lan1b", "c2"))]
        say(f"injecting {args.messages} messages at {args.rate}/s into the office Postfix")
        started = time.time()
        injector = lab.spawn_in_ns("lan1", [sys.executable, os.path.join(HERE, "soak.py"), "--inject",
                                            "--work", work, "--rate", str(args.rate)], "injector")
        inbound = lab.spawn_in_ns("lan2", [sys.executable, os.path.join(HERE, "soak.py"), "--inject", "--direct",
                                           "--work", work, "--rate", str(args.rate)], "inbound")
        schedule = faultlib.Schedule(lab, args.faults.split(","), args.fault_interval, say)
        faulter = threading.Thread(target=schedule.run, args=(lambda: injector.poll() is not None,), daemon=True)
        faulter.start()
        injector.wait()
        inbound.wait()
        faulter.join()
        result["faults"] = schedule.log
        say("injection done; faults over; waiting for the office queue to drain")
        drained = lab.wait_drained(args.drain_timeout)
        result["drain_seconds"] = round(time.time() - started, 1)
        result["drained"] = drained
        # The POP3 clients stop; one last client empties the mailbox with nothing failing.
        with open(pop3_stop, "w"):
            pass
        for client in pop3:
            lab.wait_child(client, 120)
        lab.in_ns("lan1", [sys.executable, os.path.join(HERE, "soak.py"), "--pop3-client", "final",
                           "--work", work, "--stop-file", pop3_stop + ".never", "--until-empty"], timeout=600)
        time.sleep(2)
        stop.set()
        sampler.join()
        result["resources"] = lab.resource_summary()
        # Idle again after the run, against idle before it (the same mailsecd life or not: a
        # restarted daemon that needs more descriptors idle than the first did is growth too).
        result["idle_after"] = lab.wait_settled(result["idle_before"], timeout=30)
        result["ledger"] = ledger.build(work, rows, lab.lan1_log(), lab.lan2_log(), lab.maildir("alice"),
                                        lab.maildir("bob"), schedule.log,
                                        queued=lab.queued_message_ids())
        ok = ledger.verdict(result)
        result["ok"] = ok
        say(ledger.summary(result))
    finally:
        stop.set()
        try:
            lab.down()
        finally:
            if args.keep:
                say(f"kept {work}")
            else:
                shutil.rmtree(work, ignore_errors=True)
        if args.report:
            with open(args.report, "w") as f:
                json.dump(result, f, indent=1)
        if args.markdown and "ledger" in result:
            with open(args.markdown, "w") as f:
                f.write(ledger.markdown(result))
    return 0 if ok else 1


def main():
    # Roles run inside the lab's namespaces by the driver itself.
    argv = sys.argv[1:]
    if argv[:1] == ["--inject"]:
        a = argparse.ArgumentParser()
        a.add_argument("--inject", action="store_true")
        a.add_argument("--work")
        a.add_argument("--rate", type=float)
        a.add_argument("--direct", action="store_true")
        o = a.parse_args(argv)
        clients.inject(o.work, o.rate, o.direct)
        return 0
    if argv[:1] == ["--pop3-client"]:
        a = argparse.ArgumentParser()
        a.add_argument("--pop3-client")
        a.add_argument("--work")
        a.add_argument("--stop-file")
        a.add_argument("--until-empty", action="store_true")
        o = a.parse_args(argv)
        clients.pop3(o.work, o.pop3_client, o.stop_file, o.until_empty)
        return 0
    if argv[:1] == ["--kill-session"]:
        clients.kill_session(argv[1], 2 * 1024 * 1024)
        return 0
    return run(parse())


if __name__ == "__main__":
    sys.exit(main())

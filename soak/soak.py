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


def parse(argv=None):
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
    p.add_argument("--no-states", action="store_true", help="skip the kill-at-every-state checks (SMTP and POP3)")
    p.add_argument("--no-pop3-states", action="store_true", help="skip only the POP3 kill-at-every-state check")
    p.add_argument("--report", help="write the ledger's figures here (JSON)")
    p.add_argument("--markdown", help="write the figures as a Markdown section here")
    p.add_argument("--keep", action="store_true", help="keep the work directory (logs, mailboxes)")
    return p.parse_args(argv)


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


# The two messages the POP3 states work on: a small one, and one above the appliance's spill
# threshold (MessageBufferLimits.defaultMemoryThreshold, 1 MiB), so it is in a spill file while
# the appliance holds it for the scan and while it sends it on.
POP3_STATE_SMALL = 3 * 1024
POP3_STATE_LARGE = 2 * 1024 * 1024
# While the scan service is frozen for `retr-held`: well under the soak's `ysc connection
# timeout` (3 s), so no scan fails and no circuit breaker opens because of the check.
POP3_FREEZE_LIMIT = 2.5
# The server's sending rate for `server-kill`: 2 MiB take about 2 s, so the cut comes with the
# content half-way across (past the spill threshold).
POP3_SERVER_RATE = "8mbit"


def pop3_state_messages():
    rng = random.Random(11)
    out = []
    for name, size in (("small", POP3_STATE_SMALL), ("large", POP3_STATE_LARGE)):
        mid = f"<pop3-state-{name}-{int(time.time())}@{messages.DOMAIN}>"
        head = (f"Message-ID: {mid}\nDate: Thu, 26 Nov 2026 01:00:00 +0000\nFrom: <state@example.net>\n"
                f"To: <bob@example.com>\nSubject: POP3 state {name}\n\n").encode()
        out.append((mid, head + messages.filler(rng, size)))
    return out


def kill_pop3(lab, state):
    """Runs the POP3 session killer in lan1b for `state`; in the held states the driver acts
    between the killer's "ready" and its "go" (see clients.POP3_HELD). Returns what both saw."""
    argv = ["ip", "netns", "exec", lab.ns("lan1b"), sys.executable, os.path.join(HERE, "soak.py"),
            "--kill-pop3-session", state]
    frozen = shaped = False
    seen = {}
    if state == "retr-held":
        lab.signal_yscd(signal.SIGSTOP)
        frozen = True
    if state == "server-kill":
        lab.shape_server(POP3_SERVER_RATE)
        shaped = True
    p = subprocess.Popen(argv, env=lab.env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    try:
        if state in clients.POP3_HELD:
            if p.stdout.readline().strip() == "ready":
                if state in ("retr-held", "server-kill"):
                    # The content is past the spill threshold: a spill file is open.
                    lab.wait_until(POP3_FREEZE_LIMIT, lambda: (lab.measure() or {}).get("spill_fds", 0) > 0, step=0.05)
                seen["held_spill_fds"] = (lab.measure() or {}).get("spill_fds")
                if state == "server-kill":
                    seen["server_connections_killed"] = lab.kill_server_connections(110)
                p.stdin.write("go\n")
                p.stdin.flush()
        out, err = p.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        out, err = "", "timed out"
    finally:
        if frozen:
            lab.signal_yscd(signal.SIGCONT)
        if shaped:
            lab.shape_server(None)
        if p.poll() is None:
            p.kill()
            p.wait()
    lines = [line for line in (out or "").splitlines() if line.startswith("{")]
    if lines:
        seen.update(json.loads(lines[-1]))
    else:
        seen["error"] = (err or "").strip()[-300:] or "no report from the session"
    return seen


def check_pop3_states(lab, result):
    """Sessions reset at every POP3 state leave nothing behind: mailsecd's descriptors and the
    spool return to their level before (a complete session first is the baseline), no socket of
    a POP3 session stays open, and bob's mailbox is as it was (a DELE takes effect only with a
    QUIT, RFC 1939 §6), unless a QUIT reached the server. The two messages are removed after."""
    seeded = pop3_state_messages()
    small_mid = seeded[0][0]
    lab.seed_mailbox("bob", [data for _, data in seeded])
    out = []
    baseline = None
    try:
        box_before = lab.mailbox_ids("bob")
        for n, state in enumerate(clients.POP3_STATES):
            seen = kill_pop3(lab, state)
            settled = lab.wait_settled(baseline, timeout=20)
            box = lab.mailbox_ids("bob")
            if n == 0:
                baseline = settled
                if "error" in seen:
                    # Without a working session there is nothing to compare with: reported as a
                    # failed state, and the soak goes on.
                    out.append({"state": "complete", **settled, "baseline_fds": settled["fds"], "pop3_sockets": None,
                                "mailbox": "?", "session": seen, "state_reached": False, "ok": False})
                    say(f"POP3 states: the complete session failed: {seen['error']}")
                    return
                continue
            sockets = lab.mail_sockets(110)
            if box == box_before:
                mailbox = "unchanged"
            elif state == "quit" and box == sorted(set(box_before) - {small_mid}):
                mailbox = "DELE committed (the QUIT reached the server)"
            else:
                mailbox = "CHANGED"
            entry = {"state": state, **settled, "baseline_fds": baseline["fds"], "pop3_sockets": sockets,
                     "mailbox": mailbox, "session": seen}
            proof = True
            if state == "retr-held":
                proof = (seen.get("held_spill_fds") or 0) > 0
            elif state == "retr-sending":
                proof = 0 < seen.get("received", 0) < seen.get("large_octets", 0)
            elif state == "server-kill":
                proof = (seen.get("server_connections_killed") or 0) > 0 and (seen.get("held_spill_fds") or 0) > 0
            elif state == "dele":
                entry["deleted_message_kept"] = small_mid in box
            entry["state_reached"] = proof and "error" not in seen
            entry["ok"] = entry["state_reached"] and settled["fds"] <= baseline["fds"] and settled["spool_entries"] == 0 \
                and settled["spill_fds"] == 0 and settled["spool_used"] <= baseline["spool_used"] and sockets == 0 \
                and mailbox != "CHANGED"
            out.append(entry)
            say(f"POP3 killed at {state}: fds {settled['fds']} (baseline {baseline['fds']}), spill fds "
                f"{settled['spill_fds']}, spool entries {settled['spool_entries']}, POP3 sockets {sockets}, "
                f"mailbox {mailbox}; session {seen}")
    finally:
        lab.remove_from_mailbox("bob", {mid for mid, _ in seeded})
        result["pop3_states"] = out


def run(args, prepare=None, finish=None):
    """The soak. `prepare(lab, result)` runs once the lab is up, before anything is checked;
    `finish(lab, result)` after the ledger, with the lab still up, and returns whether what it
    checked passed (make hygiene: stops the sanitizer-built daemons and reads their reports)."""
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
        if prepare:
            prepare(lab, result)
        if not args.no_states:
            check_states(lab, result)
        if not args.no_states and not args.no_pop3_states:
            check_pop3_states(lab, result)
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
        if finish:
            ok = finish(lab, result) and ok
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
    if argv[:1] == ["--kill-pop3-session"]:
        clients.kill_pop3_session(argv[1])
        return 0
    if argv[:1] == ["--kill-session"]:
        clients.kill_session(argv[1], 2 * 1024 * 1024)
        return 0
    return run(parse())


if __name__ == "__main__":
    sys.exit(main())

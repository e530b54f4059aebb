"""The ledger by Message-ID: for every injected message, what its sender (the office Postfix) was
told, what the mail server delivered, what reached the mailbox or a POP3 client, and whether
that is what the message had to become.

Sources: the office Postfix's log (queue id → message-id; each delivery attempt's status and
reply), the server Postfix's log (deliveries per recipient), alice's Maildir, bob's Maildir after
the POP3 clients, and the copies the POP3 clients saved before each DELE."""
import os
import re
from collections import Counter, defaultdict

import messages

LINE = re.compile(r"^(?P<time>\S+(?: +\S+ +\S+)?) \S+ postfix/(?P<prog>[\w/-]+)\[\d+\]: (?P<qid>[0-9A-F]{6,}): (?P<rest>.*)$")
STATUS = re.compile(r"to=<(?P<to>[^>]*)>.* status=(?P<status>\w+) \((?P<text>.*)\)$")
# The RFC 1047 window as the sending Postfix reports it: the connection ended after the final
# dot went out and before the reply came; the message may have been delivered.
# Kinds the soak's policy (detect illegal mail reject) refuses with 554 at the end of DATA.
REFUSED = {"gtube", "eicar"}
END_OF_DATA = ("while sending end of data", "may be sent more than once")


def parse_log(path):
    """(qid → message-id, qid → [(time, program, recipient, status, text)])."""
    ids, events = {}, defaultdict(list)
    if not os.path.exists(path):
        return ids, events
    with open(path, errors="replace") as f:
        for line in f:
            m = LINE.match(line.rstrip("\n"))
            if not m:
                continue
            rest = m.group("rest")
            if rest.startswith("message-id="):
                ids[m.group("qid")] = rest.split("=", 1)[1].strip()
                continue
            s = STATUS.search(rest)
            if s:
                events[m.group("qid")].append((m.group("time"), m.group("prog"), s.group("to"),
                                               s.group("status"), s.group("text")))
    return ids, events


def read_maildir(path):
    copies = defaultdict(list)
    for sub in ("new", "cur"):
        d = os.path.join(path, sub)
        if not os.path.isdir(d):
            continue
        for name in os.listdir(d):
            with open(os.path.join(d, name), "rb") as f:
                data = f.read()
            copies[messages.message_id_of(data)].append(data)
    return copies


def read_pop3(work):
    copies = defaultdict(list)
    stats = Counter()
    root = os.path.join(work, "pop3")
    if not os.path.isdir(root):
        return copies, stats
    for client in os.listdir(root):
        d = os.path.join(root, client)
        if os.path.isdir(d):
            for name in os.listdir(d):
                if name.endswith(".eml"):
                    with open(os.path.join(d, name), "rb") as f:
                        data = f.read()
                    copies[messages.message_id_of(data)].append(data)
        elif client.endswith(".log"):
            with open(d) as f:
                for line in f:
                    parts = line.split(" ", 2)
                    if len(parts) > 1:
                        stats[parts[1].strip()] += 1
    return copies, stats


def reply_code(text):
    m = re.search(r"said: (\d{3})", text)
    return m.group(1) if m else None


def reason(text):
    """A deferral's reason without hosts, queue ids and timings, to tally."""
    m = re.search(r"said: (\d{3}(?: \d\.\d+\.\d+)?)", text)
    if m:
        return m.group(1) + (" (end of DATA)" if "end of DATA" in text else "")
    text = re.sub(r"\d+\.\d+\.\d+\.\d+(\[[^\]]*\])?(:\d+)?", "HOST", text)
    return text[:80]


def attempted(event):
    """A real delivery attempt by the office's smtp client; not the error agent's deferral of
    the rest of the queue while the destination is marked down ("delivery temporarily
    suspended", which repeats the last attempt's reason)."""
    return event[1].endswith("smtp") and "temporarily suspended" not in event[4]


def build(work, rows, office_log, server_log, alice_dir, bob_dir, faults, queued=()):
    office_ids, office_events = parse_log(office_log)
    server_ids, server_events = parse_log(server_log)
    office_by_mid = defaultdict(list)
    for qid, mid in office_ids.items():
        office_by_mid[mid].extend(office_events.get(qid, []))
    deliveries = Counter()
    for qid, mid in server_ids.items():
        for (_, prog, to, status, _) in server_events.get(qid, []):
            if status == "sent" and prog.endswith("virtual"):
                deliveries[(mid, to)] += 1
    alice, bob_left = read_maildir(alice_dir), read_maildir(bob_dir)
    pop3_copies, pop3_stats = read_pop3(work)

    tally = Counter()
    kinds = Counter()
    deferrals = Counter()
    problems = []
    duplicates = []
    for mid, kind, source, recipient, path in rows:
        kinds[kind] += 1
        with open(path, "rb") as f:
            sent = f.read()
        events = office_by_mid.get(mid, [])
        for e in events:
            if e[3] == "deferred" and attempted(e):
                deferrals[reason(e[4])] += 1
                tally["office_deferrals"] += 1
            elif e[3] == "deferred":
                tally["office_suspended"] += 1
        finals = [e for e in events if e[3] in ("sent", "bounced")]
        final = finals[-1] if finals else None
        n = deliveries[(mid, recipient)]
        if kind in REFUSED:
            if n:
                tally["let_in"] += 1
                problems.append(f"{mid}: {kind} delivered {n}x")
            elif final and final[3] == "bounced" and reply_code(final[4]) == "554":
                tally["refused_554"] += 1
            elif final and final[3] == "bounced":
                tally["refused_other"] += 1
                problems.append(f"{mid}: {kind} refused with {final[4][:120]}")
            elif mid in queued:
                tally["still_queued"] += 1
            else:
                tally["lost"] += 1
                problems.append(f"{mid}: {kind} neither refused nor delivered ({len(events)} attempts)")
            continue
        if n == 0:
            if final and final[3] == "bounced":
                tally["refused_unexpected"] += 1
                problems.append(f"{mid} ({kind} {source}): refused: {final[4][:160]}")
            elif mid in queued:
                tally["still_queued"] += 1
                problems.append(f"{mid} ({kind} {source}): still in the office queue (not drained)")
            else:
                tally["lost"] += 1
                problems.append(f"{mid} ({kind} {source}): not delivered ({len(events)} attempts, last {events[-1][3] if events else '-'})")
            continue
        tally["delivered"] += 1
        if n > 1:
            explained = [e for e in events if e[3] == "deferred" and attempted(e) and any(k in e[4] for k in END_OF_DATA)]
            duplicates.append({"message_id": mid, "copies": n, "explained": len(explained) >= n - 1,
                               "office_said": [e[4][:160] for e in explained] or [e[4][:160] for e in events if e[3] == "deferred"],
                               "attempt_times": [e[0] for e in events]})
            tally["duplicates"] += n - 1
        if recipient.startswith("alice"):
            copies = alice.get(mid, [])
            if len(copies) != n:
                tally["lost"] += 1
                problems.append(f"{mid}: server delivered {n}, mailbox holds {len(copies)}")
            for c in copies:
                diff = messages.compare(sent, c, kind)
                if diff:
                    tally["altered"] += 1
                    problems.append(f"{mid} ({kind} {source}): altered in the mailbox: {diff}")
        else:
            left = bob_left.get(mid, [])
            fetched = pop3_copies.get(mid, [])
            intact = 0
            for c in fetched:
                diff = messages.compare(sent, c, kind)
                if diff:
                    tally["pop3_altered"] += 1
                    problems.append(f"{mid} ({kind} {source}): altered as fetched by POP3: {diff}")
                else:
                    intact += 1
            deleted = n - len(left)
            tally["pop3_deleted"] += max(deleted, 0)
            tally["pop3_fetches"] += len(fetched)
            if deleted > 0 and intact == 0:
                tally["pop3_deleted_unreceived"] += 1
                problems.append(f"{mid}: deleted from the server, no client received it intact")
            if left:
                tally["pop3_left_on_server"] += 1
            if len(fetched) > max(n, 1):
                tally["pop3_refetched"] += len(fetched) - n
    explained = sum(1 for d in duplicates if d["explained"])
    return {"kinds": dict(kinds), "tally": dict(tally), "deferral_reasons": dict(deferrals.most_common(25)),
            "duplicates": duplicates, "duplicates_explained": explained,
            "duplicates_unexplained": len(duplicates) - explained,
            "pop3_client_events": dict(pop3_stats), "problems": problems[:200],
            "problem_count": len(problems)}


def verdict(result):
    t = result["ledger"]["tally"]
    bad = sum(t.get(k, 0) for k in ("lost", "still_queued", "altered", "pop3_altered", "let_in", "refused_unexpected",
                                    "refused_other", "pop3_deleted_unreceived"))
    leftovers = [s for s in result.get("states", []) + result.get("pop3_states", []) if not s["ok"]]
    before, after = result.get("idle_before"), result.get("idle_after")
    if before and after and (after["fds"] > before["fds"] or after["spill_fds"] or after["spool_entries"]
                             or after["scan_connections"] > 64):
        return False
    after_kill = [x for x in result.get("resources", {}).get("leftovers_after_kill", []) if x["entries"]]
    return bad == 0 and result["ledger"]["duplicates_unexplained"] == 0 and not leftovers and not after_kill \
        and result.get("drained", False)


def summary(result):
    l = result["ledger"]
    t = l["tally"]
    return (f"{sum(l['kinds'].values())} injected {l['kinds']}; delivered {t.get('delivered', 0)}, "
            f"refused 554 {t.get('refused_554', 0)}, lost {t.get('lost', 0)}, altered {t.get('altered', 0)}"
            f"+{t.get('pop3_altered', 0)} (POP3), let in {t.get('let_in', 0)}, duplicates {t.get('duplicates', 0)} "
            f"({l['duplicates_unexplained']} unexplained), POP3 deleted without intact copy "
            f"{t.get('pop3_deleted_unreceived', 0)}; faults {len(result.get('faults', []))}; "
            f"{'PASS' if result.get('ok') else 'FAIL'}" + "".join("\n  " + p for p in l["problems"][:20]))


def markdown(result):
    """The soak's figures as a self-contained Markdown section."""
    l, p = result["ledger"], result["parameters"]
    t = l["tally"]
    r = result.get("resources", {})
    faults = Counter(f["fault"] for f in result.get("faults", []))
    out = ["## Fault-injection soak", "",
           f"`make soak` (soak/soak.py): {sum(l['kinds'].values())} messages at {p['rate']}/s, one fault "
           f"about every {p['fault_interval']} s, largest message {p['largest']} bytes, seed {p['seed']}; "
           f"{result.get('drain_seconds')} s from the first message to the office queue drained.", "",
           "| messages | count |", "|---|---|"]
    out += [f"| {k} | {v} |" for k, v in sorted(l["kinds"].items())]
    out += ["", "| ledger | count |", "|---|---|"]
    for key, label in [("delivered", "delivered (every copy checked)"), ("refused_554", "refused 554, sender told (GTUBE, EICAR)"),
                       ("lost", "**lost**"), ("altered", "**altered** (mailbox)"), ("pop3_altered", "**altered** (POP3 fetch)"),
                       ("let_in", "**spam or virus let in**"), ("refused_unexpected", "**refused though deliverable**"),
                       ("duplicates", "duplicate deliveries"), ("office_deferrals", "office delivery attempts deferred (4xx or lost connection; retried)"),
                       ("office_suspended", "office deferrals while the destination was marked down (no attempt)"),
                       ("still_queued", "**still in the office queue** (not drained in time)"),
                       ("pop3_deleted", "deleted from the server by POP3 clients"),
                       ("pop3_deleted_unreceived", "**deleted without an intact copy at a client**"),
                       ("pop3_refetched", "fetched again (deletion not committed before a fault)")]:
        out.append(f"| {label} | {t.get(key, 0)} |")
    out.append(f"| duplicates unexplained | {l['duplicates_unexplained']} |")
    out += ["", "Faults injected: " + ", ".join(f"{k} ×{v}" for k, v in sorted(faults.items())) + ".", "",
            "What the office Postfix was told when it had to retry (top reasons):", ""]
    out += [f"- `{k}`: {v}" for k, v in list(l["deferral_reasons"].items())[:12]]
    if l["duplicates"]:
        out += ["", "Duplicates:"]
        out += [f"- {d['message_id']}: {d['copies']} copies, {'explained' if d['explained'] else 'NOT explained'}: "
                f"{'; '.join(d['office_said'][:2])}" for d in l["duplicates"][:20]]
    if r:
        out += ["", "Resources of mailsecd (sampled every 2 s; descriptors without the scan client's keep-alive connections; first vs last third of its longest life, "
                f"{r['longest_life_seconds']} s, {r['mailsecd_lives']} lives in all):", "",
                "| | first third | last third | peak |", "|---|---|---|---|",
                f"| RSS (kB) | {r['rss_kb_first_third']} | {r['rss_kb_last_third']} | {r['rss_kb_peak']} |",
                f"| open descriptors | {r['fds_first_third']} | {r['fds_last_third']} | {r['fds_peak']} |",
                "", f"Spill files open at most {r['spill_fds_peak']}; named files in the spool at most "
                f"{r['spool_entries_max']}; after each of the {len(r['leftovers_after_kill'])} SIGKILLs of mailsecd the "
                f"spool held {sum(x['entries'] for x in r['leftovers_after_kill'])} files and "
                f"{max([x['used'] for x in r['leftovers_after_kill']] or [0])} bytes at most."]
    before, after = result.get("idle_before"), result.get("idle_after")
    if before and after:
        out += ["", f"Idle before the load: {before['fds']} descriptors, {before['rss_kb']} kB RSS; idle after it "
                f"(queue drained, mailbox emptied): {after['fds']} descriptors, {after['rss_kb']} kB RSS, "
                f"{after['scan_connections']} idle keep-alive connections to the scan service (cached by design, at most 64, "
                f"not counted in the descriptors), "
                f"{after['spill_fds']} spill files, {after['spool_entries']} spool files."]
    if result.get("states"):
        out += ["", "Sessions reset at every SMTP state (descriptors of mailsecd after the session, baseline before):", "",
                "| state | descriptors | spill files | spool files | left behind |", "|---|---|---|---|---|"]
        out += [f"| {s['state']} | {s['fds']} (baseline {s['baseline_fds']}) | {s['spill_fds']} | {s['spool_entries']} | "
                f"{'nothing' if s['ok'] else '**yes**'} |" for s in result["states"]]
    if result.get("pop3_states"):
        out += pop3_states_markdown(result["pop3_states"])
    out += ["", f"Result: **{'PASS' if result.get('ok') else 'FAIL'}**.", ""]
    return "\n".join(out)


def pop3_states_markdown(states):
    """The POP3 states' table: what mailsecd held after each reset session, and bob's mailbox."""
    out = ["", "Sessions reset at every POP3 state, through the appliance to the lab's Dovecot (descriptors of "
           "mailsecd after the session, baseline before; spill files open while the driver held the state; "
           "the appliance's sockets of POP3 sessions left open; bob's mailbox against before):", "",
           "| state | descriptors | spill files held → after | spool files | POP3 sockets left | mailbox | left behind |",
           "|---|---|---|---|---|---|---|"]
    for s in states:
        held = s["session"].get("held_spill_fds")
        out.append(f"| {s['state']} | {s['fds']} (baseline {s['baseline_fds']}) | "
                   f"{'' if held is None else f'{held} → '}{s['spill_fds']} | {s['spool_entries']} | {s['pop3_sockets']} | "
                   f"{s['mailbox']} | {'nothing' if s['ok'] else '**yes**' if s.get('state_reached') else '**state not reached**'} |")
    notes = {s["state"]: s for s in states}
    if "server-kill" in notes:
        k = notes["server-kill"]["session"]
        out += ["", f"`server-kill`: the appliance's connection to Dovecot destroyed (`ss -K`, "
                f"{k.get('server_connections_killed')} socket) mid-RETR, with the server's sending slowed so the content "
                f"was half-way across; the client was told `{k.get('status', '?')}`."]
    if "dele" in notes:
        out += ["", f"`dele`: the message marked deleted was still on the server after the reset: "
                f"{'yes' if notes['dele'].get('deleted_message_kept') else '**no**'}."]
    return out

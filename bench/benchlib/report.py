"""The Markdown tables, the goals of issue 8 judged from the run, and the chart."""
import os

CASE_LABELS = {
    "routing": "plain routing", "haproxy": "haproxy TPROXY", "mailsecd-relay": "mailsecd relay (use off)",
    "mailsecd-scan": "mailsecd + yscd scan", "mailsecd-scan-ipv6": "mailsecd + yscd scan, IPv6",
    "clamsmtp": "clamsmtpd + clamd",
}
APPLIANCE_PROCESSES = {
    "routing": "—", "haproxy": "haproxy", "mailsecd-relay": "mailsecd + yscd", "mailsecd-scan": "mailsecd + yscd",
    "mailsecd-scan-ipv6": "mailsecd + yscd", "clamsmtp": "clamsmtpd + clamd",
}


# The TLS cases, in their own table: their reference is haproxy terminating TLS, not plain haproxy.
TLS_CASE_LABELS = {
    "haproxy-tls": "haproxy, TLS terminated on both sides", "mailsecd-tls": "mailsecd + yscd, TLS inspected",
}


def size_label(size):
    size = int(size)
    return f"{round(size / (1024 * 1024))} MB" if size >= 1000 * 1024 else f"{round(size / 1024)} KB"


def fmt(value, digits=0):
    if value is None:
        return "—"
    return f"{value:,.{digits}f}"


def cell_keys(results, kind):
    keys = []
    for case in results[kind].values():
        for key in case:
            if key not in keys and key != "error":
                keys.append(key)
    return sorted(keys, key=lambda k: tuple(int(x) for x in k.split("x")))


def rate(results, kind, case, key):
    cell = results[kind].get(case, {}).get(key)
    return cell and cell.get("rate")


def matrix_table(results, kind, unit):
    cases = [c for c in CASE_LABELS if c in results[kind]]
    keys = cell_keys(results, kind)
    lines = ["| case | " + " | ".join(f"{size_label(k.split('x')[0])} × {k.split('x')[1]}" for k in keys) + " |",
             "|---|" + "---:|" * len(keys)]
    for case in cases:
        row = [CASE_LABELS[case]]
        if "error" in results[kind][case]:
            lines.append(f"| {CASE_LABELS[case]} | not run: {results[kind][case]['error'][:120]} |")
            continue
        for key in keys:
            cell = results[kind][case].get(key) or {}
            value = cell.get("rate")
            haproxy = rate(results, kind, "haproxy", key)
            text = fmt(value, 0 if (value or 0) >= 100 else 1)
            if value and haproxy and case != "haproxy":
                text += f" ({value / haproxy:.2f}×)"
            if cell.get("cpu_ms") is not None and case != "routing":
                text += f"<br>{cell['cpu_ms']:.2f} ms CPU"
            if cell.get("failures"):
                text += f"<br>⚠ {len(cell['failures'])} failed run(s)"
            row.append(text)
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines)


def tls_table(results):
    """SMTP over implicit TLS (465): messages/s, the ratio to haproxy terminating TLS on both
    sides, CPU ms per message of the appliance's processes."""
    tls = results.get("tls") or {}
    lines = ["| case | SMTP 50 KB × 100 over TLS | ratio to haproxy (TLS) | CPU ms per message | load client busy |",
             "|---|---:|---:|---:|---:|"]
    key = f"{50 * 1024}x100"
    reference = (tls.get("haproxy-tls", {}).get(key) or {}).get("rate")
    for case, label in TLS_CASE_LABELS.items():
        if case not in tls:
            continue
        if "error" in tls[case]:
            lines.append(f"| {label} | not run: {tls[case]['error'][:120]} | | | |")
            continue
        cell = tls[case].get(key) or {}
        value = cell.get("rate")
        ratio = f"{value / reference:.2f}×" if value and reference else "—"
        failed = f"<br>⚠ {len(cell['failures'])} failed run(s)" if cell.get("failures") else ""
        busy = cell.get("client_busy")
        lines.append(f"| {label} | {fmt(value, 0 if (value or 0) >= 100 else 1)}{failed} | {ratio} | {fmt(cell.get('cpu_ms'), 2)} | "
                     f"{'—' if busy is None else f'{busy:.0%}'} |")
    return "\n".join(lines)


def latency_table(results):
    cases = [c for c in CASE_LABELS if c in results["smtp"]]
    keys = [k for k in cell_keys(results, "smtp") if k.endswith("x1")]
    lines = ["| case | " + " | ".join(f"{size_label(k.split('x')[0])} p50 / p99" for k in keys) + " |",
             "|---|" + "---:|" * len(keys)]
    for case in cases:
        row = [CASE_LABELS[case]]
        for key in keys:
            latency = (results["smtp"][case].get(key) or {}).get("latency") or {}
            if latency.get("p50") is None:
                row.append("—")
            else:
                row.append(f"{latency['p50']:.2f} / {latency['p99']:.2f} ms")
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines)


def goals(results):
    """Each goal of issue 8 that this run can judge: (text, verdict, figures)."""
    out = []

    def ratio(kind, case, key):
        value, haproxy = rate(results, kind, case, key), rate(results, kind, "haproxy", key)
        return value / haproxy if value and haproxy else None

    def judge(text, value, threshold, shown):
        if value is None:
            out.append((text, "not measured", shown))
        else:
            out.append((text, "met" if value >= threshold else "NOT met", shown))

    r = ratio("smtp", "mailsecd-scan", f"{50 * 1024}x100")
    judge("Scanning, SMTP 50 KB × 100: ≥ 0.5× haproxy", r, 0.5, r and f"{r:.2f}×")
    r6, r4 = ratio("smtp", "mailsecd-scan-ipv6", f"{50 * 1024}x100"), r
    judge("Scanning over IPv6, SMTP 50 KB × 100: ≥ 0.5× haproxy (over IPv4)", r6, 0.5,
          r6 and f"{r6:.2f}× (IPv4 {r4:.2f}×)" if r4 else r6 and f"{r6:.2f}×")
    r = ratio("smtp", "mailsecd-relay", f"{50 * 1024}x100")
    judge("Relay only, SMTP 50 KB × 100: ≥ 0.9× haproxy", r, 0.9, r and f"{r:.2f}×")
    worst = None
    for key in cell_keys(results, "smtp"):
        ours, theirs = rate(results, "smtp", "mailsecd-scan", key), rate(results, "smtp", "clamsmtp", key)
        if ours and theirs:
            worst = min(worst or 1e9, ours / theirs)
    judge("≥ 5× clamsmtpd + clamd in every cell (scanning)", worst, 5, worst and f"worst cell {worst:.1f}×")
    key = f"{50 * 1024}x1"
    ours = ((results["smtp"].get("mailsecd-scan", {}).get(key) or {}).get("latency") or {}).get("p50")
    theirs = ((results["smtp"].get("haproxy", {}).get(key) or {}).get("latency") or {}).get("p50")
    added = ours - theirs if ours is not None and theirs is not None else None
    out.append(("1 session, 50 KB: ≤ 3 ms added over haproxy (p50, scan included)",
                "not measured" if added is None else ("met" if added <= 3 else "NOT met"),
                added is not None and f"{added:+.2f} ms ({ours:.2f} vs {theirs:.2f})"))
    memory = results.get("memory") or {}
    if memory.get("peak_rss_kib"):
        mib = memory["peak_rss_kib"] / 1024
        ok = mib <= 512 and memory.get("ok")
        out.append((f"{memory['sessions']:,} × {size_label(memory['size'])} concurrent within 512 MB RSS, none lost",
                    "met" if ok else "NOT met",
                    f"peak {mib:.0f} MiB, {memory['identical']}/{memory['sessions']} identical"))
    else:
        out.append(("1,000 × 5 MB concurrent within 512 MB RSS, none lost", "not measured", memory.get("error")))
    r = ratio("pop3", "mailsecd-scan", f"{50 * 1024}x10")
    judge("POP3, 50 KB × 10 clients, scanning: ≥ 0.5× haproxy", r, 0.5, r and f"{r:.2f}×")
    tls = results.get("tls") or {}
    key = f"{50 * 1024}x100"
    ours = (tls.get("mailsecd-tls", {}).get(key) or {}).get("rate")
    theirs = (tls.get("haproxy-tls", {}).get(key) or {}).get("rate")
    r = ours / theirs if ours and theirs else None
    judge("TLS-inspected SMTP 50 KB × 100: ≥ 0.5× haproxy terminating TLS on both sides (issue 17)", r, 0.5,
          r and f"{r:.2f}× ({ours:.0f} vs {theirs:.0f} msg/s)")
    return out


def write_chart(results, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    panels = [(kind, cell_keys(results, kind)) for kind in ("smtp", "pop3") if results[kind]]
    figure, axes = plt.subplots(len(panels), 1, figsize=(12, 4.5 * len(panels)), squeeze=False)
    for axis, (kind, keys) in zip(axes[:, 0], panels):
        cases = [c for c in CASE_LABELS if c in results[kind] and "error" not in results[kind][c]]
        width = 0.8 / max(1, len(cases))
        for i, case in enumerate(cases):
            values = [rate(results, kind, case, key) or 0 for key in keys]
            axis.bar([x + i * width for x in range(len(keys))], values, width, label=CASE_LABELS[case])
        axis.set_xticks([x + width * (len(cases) - 1) / 2 for x in range(len(keys))])
        axis.set_xticklabels([f"{size_label(k.split('x')[0])} × {k.split('x')[1]}" for k in keys])
        axis.set_yscale("log")
        axis.set_ylabel("messages/s (log)")
        axis.set_title(f"{kind.upper()}: messages/s per case (median of repetitions; size × sessions)")
        axis.legend(fontsize=8)
        axis.grid(axis="y", which="both", alpha=0.3)
    figure.tight_layout()
    figure.savefig(path, dpi=90)
    plt.close(figure)


def write_report(results, out, chart, repository):
    machine = results["machine"]
    lines = [f"Run of {results['started']}{' (quick subset)' if results['quick'] else ''}, "
             f"{results.get('elapsed_s', '?')} s; repetitions per cell: {results['plan']['repetitions']} "
             f"(medians shown).", "",
             "Machine: " + ", ".join(f"{k} {v}" for k, v in machine.items()), "",
             "### Goals (issue 8)", "", "| goal | verdict | figures |", "|---|---|---|"]
    for text, verdict, figures in goals(results):
        lines.append(f"| {text} | **{verdict}** | {figures or '—'} |")
    if results["smtp"]:
        lines += ["", "### SMTP: messages/s (ratio to haproxy), CPU ms per message of the appliance's processes", "",
                  matrix_table(results, "smtp", "msg/s"), "",
                  "### SMTP at 1 session: time per message (whole transaction, connect to QUIT)", "",
                  latency_table(results)]
    if results["pop3"]:
        lines += ["", "### POP3: messages/s (ratio to haproxy), CPU ms per message", "",
                  matrix_table(results, "pop3", "msg/s")]
    if results.get("tls"):
        lines += ["", "### SMTP over implicit TLS (465): messages/s, ratio to haproxy terminating TLS on both sides, "
                  "CPU ms per message of the appliance's processes", "",
                  "One message per TLS connection, the client verifying the certificate it is shown "
                  "(bench/smtps_load.py; smtp-source has no TLS); the server side is the same smtp-sink "
                  "behind haproxy terminating TLS in the server's namespace. *Load client busy*: the "
                  "one-threaded client's CPU time over its run time (worst run); near 100 % the client, "
                  "not the relay, set the pace, and the ratio says less.", "",
                  tls_table(results)]
    memory = results.get("memory")
    if memory:
        lines += ["", "### Memory under concurrency (relay only, explicit mode on loopback)", ""]
        if "error" in memory:
            lines.append(f"Not run: {memory['error']}")
        else:
            lines += ["| sessions × size | budget | peak RSS (VmHWM) | accepted | delivered identical | lost | spool left | elapsed |",
                      "|---|---|---:|---:|---:|---:|---:|---:|",
                      f"| {memory['sessions']:,} × {size_label(memory['size'])} | {memory['budget_mib']} MiB | "
                      f"{(memory['peak_rss_kib'] or 0) / 1024:.0f} MiB | {memory['accepted']} | {memory['identical']} | "
                      f"{memory['missing']} | {memory['spool_entries']} entries, {memory['spill_files_open']} open | "
                      f"{memory['elapsed_s']} s |"]
            if memory.get("errors"):
                lines.append("\nFirst errors: " + "; ".join(memory["errors"]))
    scan = results.get("scan")
    if scan:
        lines += ["", "### Scan service alone (yscd, 2 keep-alive client connections on loopback)", "",
                  "| engine, transport | messages | messages/s | MB/s | CPU ms per message (yscd, clamd) | messages per CPU-second | MB per CPU-second |",
                  "|---|---|---:|---:|---:|---:|---:|"]
        for row in scan:
            if "error" in row:
                lines.append(f"| {row['variant']} | {row.get('set', '')} | not run: {row['error'][:100]} | | |")
            else:
                lines.append(f"| {row['variant']} | {row['set']} ({row['files']} file{'s' if row['files'] > 1 else ''}) | "
                             f"{row['messages_s']:,.0f} | {row['mb_s']:.1f} | {row['cpu_ms']:.2f} | "
                             f"{1000 / row['cpu_ms'] if row['cpu_ms'] else 0:,.0f} | "
                             f"{row['mb_s'] / row['messages_s'] * 1000 / row['cpu_ms'] if row['cpu_ms'] and row['messages_s'] else 0:,.1f} |")
    for case, profile in (results.get("profiles") or {}).items():
        if profile:
            lines += ["", f"### Profile: {CASE_LABELS[case]}, SMTP 50 KB × 100 (perf, self time by DSO and symbol)", "",
                      "```", profile, "```"]
    lines += ["", f"![messages/s per case]({os.path.basename(chart)})", ""]
    body = "\n".join(lines)
    if results["smtp"] or results["pop3"]:
        write_chart(results, chart)
    begin, end = "<!-- bench:results:begin -->", "<!-- bench:results:end -->"
    text = open(out).read() if os.path.exists(out) else f"# Benchmark results\n\n{begin}\n{end}\n"
    if begin in text and end in text:
        head, rest = text.split(begin, 1)
        text = head + begin + "\n" + body + "\n" + end + rest.split(end, 1)[1]
    else:
        text += f"\n{begin}\n{body}\n{end}\n"
    with open(out, "w") as file:
        file.write(text)
    print(body)

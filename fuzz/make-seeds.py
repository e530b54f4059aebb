#!/usr/bin/env python3
"""Writes the fuzz targets' seed inputs under fuzz/seeds/TARGET/ from the shared mail corpus
(given as the first argument) and from the repository's own CLI reference.

The relay targets read a session script (see fuzz/targets/FuzzSupport/SessionScript.swift): each seed
wraps corpus messages and dialogues in records (client bytes, server bytes, a decision). The
other targets take an option byte and the file itself, or the file as it is. Re-running gives
the same files; the seeds are committed, this script documents how they were made.
"""
import hashlib
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SEEDS = os.path.join(ROOT, "fuzz", "seeds")
MAX_MESSAGE = 24 * 1024  # keep seeds small: executions per second matter more than size


def write(target, name, data):
    directory = os.path.join(SEEDS, target)
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, name), "wb") as f:
        f.write(data)


def crlf(data):
    return data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def stuffed(message):
    """RFC 5321 4.5.2 transparency with CRLF line ends, plus the terminator."""
    lines = crlf(message).split(b"\r\n")
    if lines and lines[-1] == b"":
        lines.pop()
    return b"".join((b"." + l if l.startswith(b".") else l) + b"\r\n" for l in lines) + b".\r\n"


def record(kind, data=b""):
    if kind in ("client", "server"):
        out = b""
        code = b"\x00" if kind == "client" else b"\x03"
        for i in range(0, max(len(data), 1), 4096):
            piece = data[i:i + 4096]
            out += code + len(piece).to_bytes(2, "big") + piece
        return out
    return {"decision": b"\x05", "other": b"\x06"}[kind] + bytes([data])


def smtp_session(message, decision=0, settings=0):
    s = bytes([settings, 255])
    s += record("server", b"220 mx.example.org ESMTP\r\n")
    s += record("client", b"EHLO pc.example.com\r\n")
    s += record("server", b"250-mx.example.org\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250-CHUNKING\r\n250 8BITMIME\r\n")
    s += record("client", b"MAIL FROM:<a@example.com> SIZE=%d\r\nRCPT TO:<b@example.org>\r\n" % len(message))
    s += record("server", b"250 2.1.0 Ok\r\n")
    s += record("server", b"250 2.1.5 Ok\r\n")
    s += record("client", b"DATA\r\n")
    s += record("client", stuffed(message) + b"QUIT\r\n")
    s += record("decision", decision)
    s += record("server", b"250 2.0.0 Ok\r\n")  # RSET or transfer steps
    s += record("server", b"354 End data with <CR><LF>.<CR><LF>\r\n")
    s += record("server", b"250 2.0.0 Ok: queued as 1234\r\n")
    s += record("server", b"221 2.0.0 Bye\r\n")
    return s


def pop3_session(message, decision=0, settings=0, capa=b"+OK\r\nUSER\r\nSTLS\r\nPIPELINING\r\nTOP\r\n.\r\n"):
    s = bytes([settings, 255])
    s += record("server", b"+OK POP3 ready <1896.697170952@dbc.example>\r\n")
    s += record("client", b"CAPA\r\n")
    s += record("server", capa)
    s += record("client", b"USER a\r\n")
    s += record("server", b"+OK\r\n")
    s += record("client", b"PASS b\r\n")
    s += record("server", b"+OK 1 messages\r\n")
    s += record("client", b"RETR 1\r\n")
    s += record("server", b"+OK %d octets\r\n" % len(message) + stuffed(message))
    s += record("decision", decision)
    s += record("client", b"TOP 1 0\r\nDELE 1\r\nQUIT\r\n")
    s += record("server", b"+OK\r\n" + stuffed(message.split(b"\n\n")[0] + b"\n\n"))
    s += record("server", b"+OK deleted\r\n+OK bye\r\n")
    return s


def corpus_files(corpus, *folders):
    for folder in folders:
        base = os.path.join(corpus, folder)
        for dirpath, _, names in sorted(os.walk(base)):
            for name in sorted(names):
                path = os.path.join(dirpath, name)
                with open(path, "rb") as f:
                    yield name, f.read()


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: make-seeds.py CORPUS_DIRECTORY")
    corpus = sys.argv[1]
    messages = [(n, d) for n, d in corpus_files(corpus, "messages") if len(d) <= MAX_MESSAGE]
    smtp_dialogues = list(corpus_files(corpus, "dialogues/smtp"))
    pop3_dialogues = list(corpus_files(corpus, "dialogues/pop3"))

    for i, (name, data) in enumerate(messages):
        write("fuzz-message-inspection", name, bytes([[0x02, 0x03, 0x0F, 0x05, 0x2A][i % 5]]) + data)
        write("fuzz-mime-walker", name, data)
        write("fuzz-smtp-framing", name, bytes([0x40, 7, 13, 0]) + stuffed(data))
        write("fuzz-smtp-relay", name, smtp_session(data, decision=[0, 2, 3, 5][i % 4], settings=i % 4))
        write("fuzz-pop3-relay", name, pop3_session(data, decision=[0, 2, 3][i % 3], settings=i % 4))
    for name, data in smtp_dialogues:
        write("fuzz-smtp-framing", name, bytes([0x20, 0]) + crlf(data))
        script = bytes([0, 255]) + record("server", b"220 mx ESMTP\r\n")
        for line in crlf(data).split(b"\r\n")[:64]:
            script += record("client", line + b"\r\n") + record("server", b"250 ok\r\n")
        write("fuzz-smtp-relay", name, script)
    for name, data in pop3_dialogues:
        write("fuzz-pop3-relay", name, pop3_session(b"Subject: x\n\nbody\n", capa=crlf(data)))

    # End-of-data smuggling variants (issue 9): none may end the data but the real terminator.
    smuggling = [b"\n.\n", b"\n.\r\n", b"\r.\r", b"\r\n.\r", b"\r\n\x00.\r\n", b"\r\n.\x00\r\n"]
    for i, variant in enumerate(smuggling):
        body = b"Subject: s\r\n\r\nfirst" + variant + b"MAIL FROM:<x@example.net>\r\nRCPT TO:<y@example.net>\r\nDATA\r\nsecond\r\n"
        write("fuzz-smtp-framing", "smuggling-%d" % i, bytes([0x40, 0]) + body + b".\r\n")
        s = bytes([0, 255]) + record("server", b"220 mx\r\n") + record("client", b"HELO a\r\nMAIL FROM:<a@b>\r\n")
        s += record("server", b"250 ok\r\n") + record("client", b"RCPT TO:<c@d>\r\n") + record("server", b"250 ok\r\n")
        s += record("client", b"DATA\r\n" + body + b".\r\n") + record("decision", 0)
        s += record("server", b"354 go\r\n") + record("server", b"250 queued\r\n")
        write("fuzz-smtp-relay", "smuggling-%d" % i, s)

    # Provenance of every corpus file used: its row of the corpus README's per-file tables.
    used = {n for n, _ in messages} | {n for n, _ in smtp_dialogues} | {n for n, _ in pop3_dialogues}
    with open(os.path.join(corpus, "README.md"), encoding="utf-8") as f:
        rows = [l for l in f.read().splitlines() if l.startswith("| `") and l.split("`")[1] in used]
    with open(os.path.join(SEEDS, "PROVENANCE.md"), "w", encoding="utf-8") as f:
        f.write("# Provenance of the corpus files in the seeds\n\n"
                "Copied from the corpus README's per-file tables (generated by fuzz/make-seeds.py).\n"
                "`via`: *fetch* = byte-exact git blob; *read_file* = text reconstructed from a text view\n"
                "(pure ASCII files only).\n\n"
                "| file | bytes | source repo | path in repo | commit | via | license | exercises |\n"
                "|---|---:|---|---|---|---|---|---|\n")
        f.write("\n".join(rows) + "\n")

    # Scan service bodies, as docs/ysc-protocol.md shows them.
    replies = [
        (0x00, b'{"elapsed_ms":3,"engines":["builtin"],"spam_score":0,"viruses":[]}'),
        (0x01, b'{"elapsed_ms":0,"engines":["builtin","clamav"],"spam_score":0,"viruses":["EICAR-Test-File"],"failed_engines":["spamd"]}'),
        (0x00, b'{"elapsed_ms":3,"engines":["builtin"],"spam_score":100,"viruses":[]}'),
        (0x18, b'{"error":"request body larger than 1048576 bytes"}'),
        (0x02, b'{"engines":[{"name":"builtin","state":"up"},{"name":"clamav","state":"down","detail":"no socket"}],"status":"degraded"}'),
        (0x03, b'{"expires":"2027-12-31","product":"mail-security","state":"active"}'),
        (0x03, b'{"expires":"2025-06-30","product":"mail-security","state":"expired"}'),
        (0x13, b'{"product":"mail-security","state":"unknown"}'),
        (0x04, b'{"serial":"S1234567890","product":"mail-security"}'),
    ]
    for i, (choice, body) in enumerate(replies):
        write("fuzz-scan-reply", "reply-%d" % i, bytes([choice]) + body)

    # Console lines: the examples of the generated CLI reference, six to a seed.
    lines = []
    reference = os.path.join(ROOT, "cli-reference")
    for name in sorted(os.listdir(reference)):
        inside = False
        with open(os.path.join(reference, name), "rb") as f:
            for line in f.read().split(b"\n"):
                if line.startswith(b"```"):
                    inside = not inside
                elif inside and line.strip() and b"[...]" not in line and not any(w.isupper() and len(w) > 1 for w in line.split()):
                    lines.append(line)
    for i in range(0, len(lines), 6):
        write("fuzz-console-parser", "cli-reference-%02d" % (i // 6), b"\n".join(lines[i:i + 6]) + b"\n")


if __name__ == "__main__":
    main()

"""The office side of the soak, run inside the lab's LAN1 namespaces (`ip netns exec`):
the injector (hands messages to the office's own Postfix on 127.0.0.1), the POP3 clients
(fetch and delete through the appliance), and the session killer (opens an SMTP session through
the appliance and resets it at a given protocol state)."""
import os
import poplib
import random
import smtplib
import socket
import struct
import time

SERVER = "198.51.100.25"
POP3_USER, POP3_PASSWORD = "bob", "secret"
# A real client's patience (RFC 1939 §3: at least 10 minutes for the server; clients use less).
POP3_TIMEOUT = 90
# Messages fetched per POP3 session before QUIT commits the deletions (RFC 1939 §6).
POP3_BATCH = 20
# Kinds handed to the mail server directly rather than to the office Postfix.
INBOUND = {"inbound-spam"}


def inject(work, rate, direct):
    """Hands every message listed in manifest.tsv to the office Postfix, `rate` per second, one
    SMTP session per 25 messages; writes injected.tsv (message-id, reply). With `direct`, only
    the inbound messages instead, to the mail server itself (mail from the internet, which does
    not cross the appliance; its POP3 clients then fetch it through the appliance)."""
    with open(os.path.join(work, "manifest.tsv")) as f:
        rows = [line.rstrip("\n").split("\t") for line in f if line.strip()]
    out = open(os.path.join(work, "injected.tsv"), "a", buffering=1)
    start = time.monotonic()
    session = None
    for n, (mid, kind, source, recipient, path) in enumerate(rows):
        if (kind in INBOUND) != direct:
            continue
        delay = start + n / rate - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        with open(path, "rb") as f:
            # CRLF on the wire (RFC 5321 §2.3.8); smtplib only completes the last line.
            data = f.read().replace(b"\n", b"\r\n")
        for attempt in range(30):
            try:
                if session is None:
                    session = smtplib.SMTP("127.0.0.1", 25, timeout=60)
                    session.ehlo("pc.example.org")
                sender = "office%d@pc.example.org" % (n % 7)
                code, reply = session.mail(sender)[0], b""
                session.rcpt(recipient)
                code, reply = session.data(data)
                out.write(f"{mid}\t{code} {reply.decode('latin-1')}\n")
                break
            except (OSError, smtplib.SMTPException) as error:
                out.write(f"#retry\t{mid}\t{error!r}\n")
                try:
                    session.close()
                except Exception:
                    pass
                session = None
                time.sleep(1)
        if session is not None and n % 25 == 24:
            try:
                session.quit()
            except Exception:
                pass
            session = None
    if session is not None:
        session.quit()


def pop3(work, name, stop_file, until_empty):
    """Fetches bob's mailbox through the appliance like a mail client: RETR, then DELE, then
    QUIT; every completed RETR is saved before its DELE. Loops until `stop_file` exists, or, with
    `until_empty`, until a session finds the mailbox empty."""
    directory = os.path.join(work, "pop3", name)
    os.makedirs(directory, exist_ok=True)
    log = open(os.path.join(work, "pop3", name + ".log"), "a", buffering=1)
    seq = len(os.listdir(directory))
    rng = random.Random(name)
    # Bounded by the stop file (the driver's) or, for the last pass, by an empty mailbox and an
    # hour at most.
    deadline = time.monotonic() + 3600
    while not os.path.exists(stop_file) and time.monotonic() < deadline:
        try:
            box = poplib.POP3(SERVER, 110, timeout=POP3_TIMEOUT)
            box.user(POP3_USER)
            box.pass_(POP3_PASSWORD)
            listing = box.uidl()[1]
            log.write(f"{time.time():.3f} session {len(listing)} messages\n")
            if not listing and until_empty:
                box.quit()
                return
            for entry in listing[:POP3_BATCH]:
                number, uidl = entry.decode().split()
                lines = box.retr(number)[1]
                seq += 1
                path = os.path.join(directory, f"{seq:06d}.eml")
                with open(path + ".part", "wb") as f:
                    f.write(b"\n".join(lines) + b"\n")
                os.rename(path + ".part", path)
                log.write(f"{time.time():.3f} retr {uidl} {path}\n")
                box.dele(number)
            box.quit()
            log.write(f"{time.time():.3f} quit\n")
        except (OSError, poplib.error_proto, EOFError) as error:
            log.write(f"{time.time():.3f} error {error!r}\n")
            time.sleep(1)
            continue
        time.sleep(0.2 + rng.random() if not until_empty else 0.2)


def reset(sock):
    """Ends the connection with a TCP RST (SO_LINGER 0), as a crashing client would."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


def kill_session(state, size):
    """Opens an SMTP session to the server (diverted through the appliance), walks it up to
    `state` and resets it there. `size`: bytes of content sent in the mid-DATA and after-dot
    states (above the spill threshold, the message is in a spill file when the reset comes)."""
    sock = socket.create_connection((SERVER, 25), timeout=30)
    f = sock.makefile("rb")

    def reply():
        while True:
            line = f.readline()
            if not line or line[3:4] != b"-":
                return line

    def command(text):
        sock.sendall(text.encode() + b"\r\n")
        return reply()

    steps = ["greeting", "ehlo", "mail", "rcpt", "data", "mid-data", "after-dot", "complete"]
    reply()
    for step in steps[1:steps.index(state) + 1]:
        if step == "ehlo":
            command("EHLO pc2.example.org")
        elif step == "mail":
            command("MAIL FROM:<states@pc.example.org>")
        elif step == "rcpt":
            command("RCPT TO:<alice@example.com>")
        elif step == "data":
            command("DATA")
        elif step == "mid-data":
            head = f"Message-ID: <state-{state}-{time.time()}@soak.example.org>\r\nSubject: state\r\n\r\n"
            sock.sendall(head.encode())
            line = b"state " * 15 + b"\r\n"
            sock.sendall(line * (size // len(line)))
        elif step == "after-dot":
            sock.sendall(b"end\r\n.\r\n")
        elif step == "complete":
            final = reply()
            command("QUIT")
            print(final.decode().strip())
    time.sleep(0.3)
    reset(sock)


# The POP3 states a session is reset at (soak.py's check_pop3_states): the first is a complete
# session (the baseline), then one state each. The driver acts in those marked `held` (it freezes
# the scan service, shapes or kills the server connection) between the killer's "ready" and "go".
POP3_STATES = ["complete", "greeting", "user", "pass", "list", "retr-held", "retr-sending", "retr-done",
               "dele", "top", "server-kill", "quit"]
POP3_HELD = {"retr-held", "retr-sending", "server-kill"}
# The receive buffer of the client that stops reading mid-RETR: small, so the appliance's answer
# backs up at the appliance instead of landing in the client's socket buffer at once.
POP3_SLOW_READER_BUFFER = 4096
# How much of the answer that client reads before it stops (the status line and some content).
POP3_SLOW_READER_BYTES = 64 * 1024
# TOP with a line count at or above POP3Limits.wholeMessageTopLines: a retrieval, held for the scan.
POP3_WHOLE_TOP_LINES = 99999999


def kill_pop3_session(state):
    """Opens a POP3 session to bob's mailbox (diverted through the appliance), walks it up to
    `state` and resets it there (SO_LINGER 0), except `complete` (QUIT, nothing deleted) and
    `server-kill` (the driver kills the appliance's server connection; this client then reads
    what it is told and closes). The mailbox holds a small message and one above the spill
    threshold (the driver puts them there). Prints one JSON line: what the session saw."""
    import json
    import sys
    seen = {"state": state}
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if state == "retr-sending":
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, POP3_SLOW_READER_BUFFER)
    sock.settimeout(60)
    sock.connect((SERVER, 110))
    f = sock.makefile("rb")

    def line():
        text = f.readline()
        if not text:
            raise EOFError("connection closed")
        return text

    def command(text):
        sock.sendall(text.encode() + b"\r\n")
        reply = line()
        if not reply.startswith(b"+OK"):
            raise RuntimeError(f"{text.split()[0]}: {reply!r}")
        return reply

    def multiline(text):
        command(text)
        lines = []
        while True:
            item = line()
            if item == b".\r\n":
                return lines
            lines.append(item)

    def handshake():
        # The driver acts now (freeze, measure, kill); it answers when this session may go on.
        print("ready", flush=True)
        sys.stdin.readline()

    def finish(reset_it=True):
        f.close()
        if reset_it:
            reset(sock)
        else:
            sock.close()
        print(json.dumps(seen), flush=True)

    seen["greeting"] = line().decode("latin-1").strip()
    if state == "greeting":
        return finish()
    sock.sendall(f"USER {POP3_USER}\r\n".encode())
    line()
    if state == "user":
        return finish()
    command(f"PASS {POP3_PASSWORD}")
    if state == "pass":
        return finish()
    command("STAT")
    sizes = {}
    for item in multiline("LIST"):
        number, size = item.split()
        sizes[int(number)] = int(size)
    multiline("UIDL")
    if state == "list":
        return finish()
    small, large = min(sizes, key=sizes.get), max(sizes, key=sizes.get)
    seen["large_octets"] = sizes[large]
    if state == "complete":
        seen["retrieved"] = len(multiline(f"RETR {small}"))
        command("QUIT")
        return finish(reset_it=False)
    if state == "retr-held":
        sock.sendall(f"RETR {large}\r\n".encode())
        handshake()
        return finish()
    if state == "retr-sending":
        sock.sendall(f"RETR {large}\r\n".encode())
        seen["status"] = line().decode("latin-1").strip()
        seen["received"] = len(f.read(POP3_SLOW_READER_BYTES))
        handshake()
        return finish()
    if state == "retr-done":
        seen["retrieved"] = len(multiline(f"RETR {small}"))
        return finish()
    if state == "dele":
        command(f"DELE {small}")
        return finish()
    if state == "top":
        sock.sendall(f"TOP {large} {POP3_WHOLE_TOP_LINES}\r\n".encode())
        time.sleep(0.3)
        return finish()
    if state == "server-kill":
        sock.sendall(f"RETR {large}\r\n".encode())
        handshake()
        # What the client is told once the server is gone: a -ERR, a closed connection or,
        # if the appliance had it all, the message.
        try:
            seen["status"] = line().decode("latin-1").strip()
            received = 0
            while seen["status"].startswith("+OK"):
                chunk = f.read1(65536)
                if not chunk:
                    break
                received += len(chunk)
                if received >= 3 and chunk.endswith(b"\r\n.\r\n"):
                    break
            seen["received"] = received
        except (OSError, EOFError) as error:
            seen["status"] = f"closed ({error.__class__.__name__})"
        return finish(reset_it=False)
    if state == "quit":
        command(f"DELE {small}")
        sock.sendall(b"QUIT\r\n")
        return finish()
    raise SystemExit(f"unknown POP3 state {state}")

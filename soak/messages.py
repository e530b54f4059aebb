"""The soak's messages: what is injected, what each kind must become, and how a delivered copy is
compared with what was sent.

Every message carries a unique Message-ID (the ledger's key) and an X-Soak-Kind header. Kinds:
  clean   plain text, 1 KB to 5 MB          → delivered byte-identical (apart from trace headers)
  gtube   spam test string in the body      → refused with 554 (policy: detect illegal mail reject)
  eicar   virus test file, base64, nested   → refused with 554
          two multipart levels deep
  corpus  a message of the shared corpus    → delivered byte-identical
  inbound-spam  spam from the internet, handed to the mail server directly (it does not cross
          the appliance), to bob → fetched by POP3 through the appliance with Subject "[SPAM] …"
"""
import base64
import os
import random
import re

GTUBE = "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X"
EICAR = r"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"

# Headers the MTAs put on top of a message on its way (RFC 5321 §4.4 trace fields, and Postfix's
# delivery headers); they are not part of what the sender wrote.
TRACE_HEADERS = {"return-path", "received", "delivered-to", "x-original-to"}
# The header the appliance adds to a detected message.
VERDICT_HEADER = "x-yamaha-mail-security"
PREFIXES = ("[SPAM] ", "[VIRUS] ")
# RFC 5321 §4.5.3.1.6: 1000 octets per line with CRLF; an MTA may fold longer ones, so the
# corpus messages that have longer lines are left out (that folding is not the appliance's).
MAX_LINE = 990
# Corpus topics left out: scanner-triggers hold test viruses whose verdict is the point of
# another test, not of the ledger.
CORPUS_SKIP = {"scanner-triggers"}
# Files named for the test virus or spam they carry: their verdict is another test's business.
NAMED_DETECTION = re.compile(r"virus|gtube|eicar", re.I)
DOMAIN = "soak.example.org"
# RFC 5322 §2.2 header field syntax: printable name, colon right after it. A sending MTA repairs
# obsolete syntax (space before the colon) and ends the header at a line without a colon, so a
# corpus message with such a header is changed before it ever reaches the appliance: left out.
# Postfix's header_size_limit (102400 bytes per header field, its default): a longer field is
# cut by the sending MTA, so such corpus messages are left out too.
HEADER_SIZE_LIMIT = 100 * 1024
FIELD = re.compile(rb"^[!-9;-~]+:")


def normalise(data: bytes) -> bytes:
    """Line endings as the sender's MTA stores them: LF only (CRLF and lone CR become LF)."""
    return re.sub(rb"\r\n|\r", b"\n", data)


def split_header(data: bytes):
    """(header lines with their continuations as one entry each, body). The header ends at the
    first empty line; a message without one is all header."""
    end = data.find(b"\n\n")
    head, body = (data, b"") if end < 0 else (data[:end + 1], data[end + 2:])
    fields = []
    for line in head.split(b"\n")[:-1] if head.endswith(b"\n") else head.split(b"\n"):
        if fields and line[:1] in (b" ", b"\t"):
            fields[-1] += b"\n" + line
        else:
            fields.append(line)
    return fields, body, end >= 0


def field_name(field: bytes) -> str:
    return field.split(b":", 1)[0].strip().lower().decode("latin-1")


def load_corpus(root):
    """The shared corpus messages usable in the ledger (see CORPUS_SKIP and MAX_LINE)."""
    usable = []
    if not root or not os.path.isdir(root):
        return usable
    for directory, subdirs, names in sorted(os.walk(root)):
        subdirs[:] = sorted(d for d in subdirs if d not in CORPUS_SKIP)
        for name in sorted(names):
            if name == "README.md" or name.endswith(".expected") or NAMED_DETECTION.search(name):
                continue
            path = os.path.join(directory, name)
            with open(path, "rb") as f:
                data = normalise(f.read())
            if any(len(line) > MAX_LINE for line in data.split(b"\n")):
                continue
            if b"\0" in data or EICAR.encode() in data or GTUBE.encode() in data:
                continue
            fields, _, has_body = split_header(data)
            if not has_body or not fields or not all(FIELD.match(f) for f in fields) \
                    or any(len(f) > HEADER_SIZE_LIMIT for f in fields):
                continue
            usable.append((os.path.relpath(path, root), data))
    return usable


WORDS = ["mail", "soak", "ledger", "appliance", "relay", "postfix", "dovecot", "message",
         "fault", "retry", "queue", "the", "a", "of", ".leading-dot", "..two-dots", "x"]
_LINES = []


def filler(rng, size):
    """Printable text lines of about `size` bytes (deterministic for a given rng), drawn from a
    pool of lines; some start with dots, whose stuffing must be undone exactly."""
    if not _LINES:
        pool = random.Random(0)
        for _ in range(4096):
            line = " ".join(pool.choice(WORDS) for _ in range(pool.randint(1, 14)))
            _LINES.append(("." + line if pool.random() < 0.03 else line).encode())
    count = max(1, size // 56)
    return b"\n".join(rng.choices(_LINES, k=count)) + b"\n"


def pick_size(rng, largest):
    """1 KB to `largest`: most mail small, some medium, a few large (spilled to the spool)."""
    r = rng.random()
    if r < 0.80:
        return rng.randint(1024, 32 * 1024)
    if r < 0.97:
        return rng.randint(32 * 1024, min(largest, 900 * 1024))
    return rng.randint(min(largest, 1100 * 1024), largest)


def make_message(index, run_id, rng, corpus, largest, recipient):
    """(message-id, kind, source, bytes with LF endings)."""
    r = rng.random()
    kind = ("clean" if r < 0.68 else "gtube" if r < 0.76 else "eicar" if r < 0.81 else "inbound-spam" if r < 0.86
            else "corpus")
    if kind == "inbound-spam":
        recipient = "bob@example.com"
    if kind == "corpus" and not corpus:
        kind = "clean"
    mid = f"<soak-{run_id}-{index:06d}@{DOMAIN}>"
    sender = f"office{index % 7}@pc.example.org"
    source = kind
    if kind == "corpus":
        source, original = corpus[index % len(corpus)]
        fields, body, _ = split_header(original)
        # The corpus's own trace and identity fields go (the MTAs would strip or add them).
        keep = [f for f in fields if field_name(f) not in TRACE_HEADERS | {"message-id", "bcc", "x-soak-kind"}]
        names = {field_name(f) for f in keep}
        top = [f"Message-ID: {mid}".encode(), b"X-Soak-Kind: corpus"]
        if "date" not in names:
            top.append(b"Date: Thu, 26 Nov 2026 01:00:00 +0000")
        if "from" not in names:
            top.append(f"From: <{sender}>".encode())
        if "to" not in names:
            top.append(f"To: <{recipient}>".encode())
        # SMTP content ends with a line end (RFC 5321 §4.1.1.4); a file without one gets it.
        if body and not body.endswith(b"\n"):
            body += b"\n"
        return mid, kind, source, b"\n".join(top + keep) + b"\n\n" + body
    head = (f"Message-ID: {mid}\nX-Soak-Kind: {kind}\nDate: Thu, 26 Nov 2026 01:00:00 +0000\n"
            f"From: Office <{sender}>\nTo: <{recipient}>\n").encode()
    size = pick_size(rng, largest)
    if kind == "clean":
        return mid, kind, source, head + f"Subject: Report {index}\n\n".encode() + filler(rng, size)
    if kind in ("gtube", "inbound-spam"):
        return mid, kind, source, (head + f"Subject: Offer {index}\n\n".encode()
                                   + filler(rng, min(size, 64 * 1024)) + GTUBE.encode() + b"\n")
    # EICAR as a base64 attachment inside a multipart inside a multipart.
    attachment = base64.encodebytes(EICAR.encode()).decode()
    outer, inner = f"outer-{index}", f"inner-{index}"
    text = (f"Subject: Invoice {index}\nMIME-Version: 1.0\n"
            f"Content-Type: multipart/mixed; boundary=\"{outer}\"\n\n"
            f"--{outer}\nContent-Type: text/plain\n\nSee the attachment.\n"
            f"--{outer}\nContent-Type: multipart/mixed; boundary=\"{inner}\"\n\n"
            f"--{inner}\nContent-Type: text/plain\n\nInner part.\n"
            f"--{inner}\nContent-Type: application/octet-stream; name=\"invoice.com\"\n"
            f"Content-Transfer-Encoding: base64\n"
            f"Content-Disposition: attachment; filename=\"invoice.com\"\n\n{attachment}"
            f"--{inner}--\n--{outer}--\n")
    return mid, kind, source, head + text.encode()


def message_id_of(data: bytes):
    fields, _, _ = split_header(normalise(data))
    for f in fields:
        if field_name(f) == "message-id":
            return f.split(b":", 1)[1].strip().decode("latin-1")
    return None


def compare(sent: bytes, delivered: bytes, kind: str):
    """None when `delivered` is what `sent` must become for `kind`, else what differs."""
    sent, delivered = normalise(sent), normalise(delivered)
    fields, body, _ = split_header(delivered)
    # Trace fields are prepended by the MTAs, above everything the sender wrote.
    i = 0
    while i < len(fields) and field_name(fields[i]) in TRACE_HEADERS:
        i += 1
    fields = fields[i:]
    verdicts = [f for f in fields if field_name(f) == VERDICT_HEADER]
    fields = [f for f in fields if field_name(f) != VERDICT_HEADER]
    tagged = False
    if kind == "inbound-spam":
        for n, f in enumerate(fields):
            if field_name(f) == "subject":
                name, value = f.split(b":", 1)
                text = value.lstrip(b" ").decode("latin-1")
                while text.startswith(PREFIXES):
                    tagged = tagged or text.startswith("[SPAM] ")
                    text = text.split(" ", 1)[1]
                fields[n] = name + b": " + text.encode("latin-1")
        if not tagged:
            return "spam not tagged [SPAM]"
    elif verdicts:
        return f"unexpected {verdicts[0][:80]!r}"
    rebuilt = b"\n".join(fields) + b"\n\n" + body
    if rebuilt == sent:
        return None
    sf, sb, _ = split_header(sent)
    if sb != body:
        return f"body differs ({len(sb)} bytes sent, {len(body)} delivered)"
    for a, b in zip(sf, fields):
        if a != b:
            return f"header differs: sent {a[:100]!r}, got {b[:100]!r}"
    return f"header count differs ({len(sf)} sent, {len(fields)} delivered)"

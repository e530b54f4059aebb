"""The web console against a live appliance (webtests/run.sh starts the lab and mailsecd).

Headless Chromium (Debian's /usr/bin/chromium) driven by Playwright: log in, a GTUBE mail sent
by swaks from the office PC through the appliance to the real Postfix appears in the gadget
with its decoded subject and a warning, acknowledge it, follow a counter to its list, change an
action on the settings page and find it in `show config`, refuse a wrong password and a change
without the CSRF token; then the one source of truth (console == tiles == /metrics after a
mixed run, over-size mail included, and the TLS tiles after upgrades the servers refused), the series added later (the over-size split, sessions not
inspected, the firmware version), each tile's list holding exactly the mails it counted,
`promtool check metrics` on the live /metrics, the login rate limit, and the change log in syslog. Screenshots of the dashboard and the settings page go to docs/.
"""
import base64
import os
import re
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request

from playwright.sync_api import sync_playwright

BIN = os.environ["WEBTEST_BIN"]
URL = os.environ["WEBTEST_URL"]
PASSWORD = os.environ["WEBTEST_PASSWORD"]
CONTROL = os.environ["LAB_CONTROL"]
SYSLOG = os.environ["LAB_SYSLOG"]
PC_NS = os.environ["WEBTEST_PC_NS"]
SERVER = os.environ["WEBTEST_SERVER"]
DOCS = os.environ["WEBTEST_DOCS"]

GTUBE = "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X"
EICAR = r"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
# "週末セール" in an RFC 2047 encoded word: the gadget must show it decoded.
SUBJECT_TEXT = "週末セール GTUBE"
SUBJECT_WIRE = "=?UTF-8?B?" + base64.b64encode("週末セール".encode()).decode() + "?= GTUBE"

failures = []


def check(what, condition, detail=""):
    print(("ok   " if condition else "FAIL ") + what + (f" ({detail})" if detail and not condition else ""), flush=True)
    if not condition:
        failures.append(what)


def console(line):
    out = subprocess.run([f"{BIN}/mailsec", "--control", CONTROL, line], capture_output=True, text=True, timeout=30)
    return out.stdout + out.stderr


def configure(line):
    """A change through the console socket: with an administrator password set it needs
    administrator mode first (the password from a 0600 file, never on the command line)."""
    path = os.path.join(os.environ.get("TMPDIR", "/tmp"), f"wc-admin-{os.getpid()}")
    with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as f:
        f.write(PASSWORD + "\n")
    try:
        out = subprocess.run([f"{BIN}/mailsec", "--control", CONTROL, "--administrator-password-file", path, line],
                             capture_output=True, text=True, timeout=30)
    finally:
        os.unlink(path)
    check(f"the console runs '{line}'", out.returncode == 0 and "Error" not in out.stdout, out.stdout + out.stderr)


def send(name, sender, subject, body):
    message = (f"From: <{sender}>\r\nTo: Bob <bob@example.com>\r\nSubject: {subject}\r\n"
               f"Message-ID: <{name}@webtest.example.com>\r\n\r\n{body}\r\n")
    out = subprocess.run(["ip", "netns", "exec", PC_NS, "swaks", "--server", f"{SERVER}:25", "--helo", "pc.example.com",
                          "--from", sender, "--to", "bob@example.com", "--data", "-", "--timeout", "60s"],
                         input=message, capture_output=True, text=True, timeout=90)
    replies = [l for l in out.stdout.splitlines() if re.match(r"^<[-*~]+ +\d{3} ", l) and " 221 " not in l]
    return replies[-1] if replies else out.stdout[-300:]


def upgrade_refused(protocol):
    """The office PC asks for STARTTLS (STLS) and then goes on in plaintext. The lab's Postfix
    offers no STARTTLS on 25: it refuses, the refusal reaches the client. The lab's Dovecot
    offers STLS on 110: the appliance secures the server half and gives the go-ahead, and the
    client's plaintext QUIT fails the handshake. Either is counted as a failed upgrade
    (`... TLS handshake failed`, docs/tls.md). Returns the answer to the upgrade command."""
    port, hello, command = (25, b"EHLO pc.example.com\r\n", b"STARTTLS\r\n") if protocol == "smtp" else (110, None, b"STLS\r\n")
    script = f"""
import socket
s = socket.create_connection(({SERVER!r}, {port}), timeout=30)
f = s.makefile("rb")
def reply():
    line = f.readline()
    while line[3:4] == b"-":
        line = f.readline()
    return line
reply()
if {hello!r}:
    s.sendall({hello!r}); reply()
s.sendall({command!r}); print(reply().decode().strip())
s.sendall(b"QUIT\\r\\n"); reply()
"""
    out = subprocess.run(["ip", "netns", "exec", PC_NS, "/usr/bin/python3", "-c", script],
                         capture_output=True, text=True, timeout=60)
    return out.stdout.strip() or out.stderr[-300:]


# TLS tile id suffix → (console row after "SMTP "/"POP3 ", `outcome` label of mailsec_tls_sessions_total).
TLS_OUTCOMES = {
    "inspected": ("TLS inspected", "inspected"), "passed": ("TLS passed", "passed"), "exempt": ("TLS exempt", "exempt"),
    "blocked": ("TLS blocked", "blocked"), "clientRefusedCertificate": ("TLS client refused", "client_refused"),
    "upstreamCertificateInvalid": ("TLS upstream invalid", "upstream_invalid"),
    "handshakeFailed": ("TLS handshake failed", "handshake_failed"),
}


def fetch(path, password=None, data=None):
    """(status, body) of an HTTPS request to the console, certificate not checked (it is the
    box's own, generated at its first start)."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    request = urllib.request.Request(URL + path, data=data)
    if password is not None:
        request.add_header("Authorization", "Basic " + base64.b64encode(f"prometheus:{password}".encode()).decode())
    try:
        with urllib.request.urlopen(request, context=context, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def console_counters():
    """{(protocol, label): value} from `show status mail security`."""
    counters = {}
    for line in console("show status mail security").splitlines():
        m = re.match(r"^(SMTP|POP3) (.+?)\s{2,}(\d+)$", line)
        if m:
            counters[(m.group(1).lower(), m.group(2))] = int(m.group(3))
    return counters


def metric_values(text):
    values = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            values[name] = float(value)
    return values


# Tile id → (console label, /metrics series) for one protocol.
def mapping(p):
    results = {"clean": "clean", "spam": "spam", "virus": "virus", "spamAndVirus": "spam_virus",
               "whiteListed": "whitelisted", "overSize": "oversize", "couldNotScan": "unscannable"}
    labels = {"inspected": "inspected", "clean": "clean", "spam": "spam", "virus": "virus", "spamAndVirus": "spam+virus",
              "whiteListed": "white-listed", "tagged": "tagged", "rejected": "rejected", "transferred": "transferred",
              "overSize": "over size", "couldNotScan": "could not scan"}
    actions = {"tagged": "tag", "rejected": "reject", "transferred": "transfer"}
    table = {}
    for tile, label in labels.items():
        if tile == "inspected":
            series = f'mailsec_messages_inspected_total{{protocol="{p}"}}'
        elif tile in results:
            series = f'mailsec_messages_total{{protocol="{p}",result="{results[tile]}"}}'
        else:
            series = f'mailsec_actions_total{{protocol="{p}",action="{actions[tile]}"}}'
        table[tile] = (label, series)
    return table


def main():
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", headless=True)
        context = browser.new_context(ignore_https_errors=True, locale="en-US", viewport={"width": 1280, "height": 900})
        page = context.new_page()

        # Not logged in: every page sends the browser to the login form.
        page.goto(URL + "/settings")
        check("an unauthenticated browser is sent to /login", page.url.endswith("/login"), page.url)

        page.fill("#password", "not the password")
        with page.expect_response(lambda r: r.url.endswith("/login")) as wrong:
            page.click("#login")
        check("a wrong password is refused (401)", wrong.value.status == 401, str(wrong.value.status))
        check("the refusal says so", "Password incorrect" in page.inner_text("#login-error"))

        page.fill("#password", PASSWORD)
        page.click("#login")
        page.wait_for_url(URL + "/")
        check("the right password opens the dashboard", page.is_visible("#mail-security"))
        cookie = next(c for c in context.cookies() if c["name"] == "mailsec_session")
        check("the session cookie is Secure, HttpOnly, SameSite=Strict",
              cookie["secure"] and cookie["httpOnly"] and cookie["sameSite"] == "Strict", str(cookie))
        check("no 'no password' banner when a password is set", not page.is_visible("#no-password"))

        # A GTUBE mail through the appliance appears in the gadget by itself (polling while visible).
        reply = send("gtube", "deals@example.org", SUBJECT_WIRE, GTUBE)
        check("the GTUBE mail was relayed (250)", " 250 " in reply, reply)
        sent = time.monotonic()
        page.wait_for_selector(f"#detections >> text={SUBJECT_TEXT}", timeout=15_000)
        seen = time.monotonic() - sent
        check("the detection appears in the gadget with its decoded subject within 10 s", seen < 10, f"{seen:.1f} s")
        print(f"     (seen in the gadget {seen:.1f} s after swaks returned)")
        row = page.inner_text("#detections")
        check("the row shows protocol, direction, sender, result and action",
              all(s in row for s in ["SMTP", "send", "deals@example.org", "bob@example.com", "spam", "tag"]), row)
        cells = [c.strip() for c in page.locator("#detections tr").nth(1).locator("td").all_inner_texts()]
        check("the row shows the scan service's spam score (GTUBE: 100)", "100" in cells, str(cells))
        check("a warning is shown until acknowledged", page.is_visible("#detection-warning"))
        page.screenshot(path=os.path.join(DOCS, "web-console-dashboard.png"), full_page=True)

        page.click("#acknowledge")
        page.wait_for_url(URL + "/")
        check("acknowledging removes the warning", not page.is_visible("#detection-warning"))
        check("the detection stays listed after acknowledging", SUBJECT_TEXT in page.inner_text("#detections"))

        # Each number links to the mails behind it.
        page.click("#tile-smtp-spam")
        page.wait_for_url(re.compile(r".*/mails\?protocol=smtp&counter=spam&range=1h$"))
        check("the spam tile leads to the list holding the GTUBE mail", SUBJECT_TEXT in page.inner_text("#mails"))

        # Japanese for a Japanese browser.
        ja = browser.new_context(ignore_https_errors=True, locale="ja-JP")
        ja.add_cookies([cookie])
        jpage = ja.new_page()
        jpage.goto(URL + "/")
        check("a Japanese browser gets Japanese pages", "最新の検出" in jpage.inner_text("#mail-security"))
        check("... with the subject decoded there too", SUBJECT_TEXT in jpage.inner_text("#detections"))
        check("... and the TLS tiles in Japanese", "暗号化セッション (TLS)" in jpage.inner_text("#counters"))
        jpage.set_viewport_size({"width": 1280, "height": 900})
        jpage.screenshot(path=os.path.join(DOCS, "web-console-dashboard-ja.png"), full_page=True)
        ja.close()

        # Settings: a change goes through the console's command table and shows in `show config`.
        page.goto(URL + "/settings")
        page.select_option("#value-mail-security-smtp-detect-illegal-mail", "reject")
        page.click("#apply-mail-security-smtp-detect-illegal-mail")
        page.wait_for_selector("#command-run")
        check("the page shows the exact command it ran",
              page.inner_text("#command-run").strip() == "mail security smtp detect illegal mail reject",
              page.inner_text("#command-run"))
        check("show config has the change at once", "mail security smtp detect illegal mail reject" in console("show config"))
        # The separate spam and virus actions are offered too, showing the value in force.
        check("the spam action row shows 'reject' set by the 'illegal mail' form",
              page.eval_on_selector("#value-mail-security-smtp-detect-spam-mail", "e => e.value") == "reject")
        page.select_option("#value-mail-security-smtp-detect-virus-mail", "pass")
        page.click("#apply-mail-security-smtp-detect-virus-mail")
        page.wait_for_selector("#command-run")
        config = console("show config")
        check("viruses set apart on the page: show config has both actions",
              "mail security smtp detect spam mail reject" in config and "mail security smtp detect virus mail pass" in config,
              config)
        page.fill("#command-line", "mail security max size 0")
        page.click("#run-command")
        page.wait_for_selector("#command-reply")
        check("a bad value gets the console's error, verbatim",
              page.inner_text("#command-reply").strip() == "Error: Parameter out of range", page.inner_text("#command-reply"))
        page.screenshot(path=os.path.join(DOCS, "web-console-settings.png"), full_page=True)

        # A change without (or with a wrong) CSRF token is refused, with the session cookie present.
        for form in ["command=mail+security+use&op=set&value=off",
                     "csrf=0000&command=mail+security+use&op=set&value=off"]:
            response = page.request.post(URL + "/settings", data=form,
                                         headers={"Content-Type": "application/x-www-form-urlencoded"})
            check(f"a change without the right CSRF token is refused ({form.split('&')[0]})", response.status == 403,
                  str(response.status))
        check("... and changed nothing", "mail security use on" in console("show config"))

        # Mixed run: clean, spam (now rejected), virus, white-listed partner spam.
        send("clean", "alice@example.com", "Minutes", "See you on Friday.")
        check("spam under 'reject' gets 554", " 554 " in send("spam2", "deals@example.org", "Offer", GTUBE))
        check("a virus under 'detect virus mail pass' is relayed (250)", " 250 " in send("virus", "alice@example.com", "Invoice", EICAR))
        send("partner", "news@partner.example.net", "Partner news", GTUBE)
        # Over size (1 MB here): relayed unscanned under 'overflow pass', refused under 'reject'.
        big = ("x" * 76 + "\r\n") * 15000
        configure("mail security max size 1")
        configure("mail security smtp size overflow pass")
        check("an over-size mail under 'overflow pass' is relayed (250)", " 250 " in send("big1", "alice@example.com", "Big pass", big))
        configure("mail security smtp size overflow reject")
        check("an over-size mail under 'overflow reject' is refused (552)", " 552 " in send("big2", "alice@example.com", "Big reject", big))
        configure("no mail security smtp size overflow")
        configure("no mail security max size")
        # TLS outcomes for the TLS tiles: an upgrade the server cannot do (SMTP on 25) or that
        # the client then abandons (POP3, the go-ahead answered in plaintext) fails, and under
        # block the appliance refuses it itself.
        answer = upgrade_refused("smtp")
        check("smtp: an upgrade the server cannot do reaches the client refused", answer.startswith("5"), answer)
        answer = upgrade_refused("pop3")
        check("pop3: STLS gets the go-ahead once the server half is secured", answer.startswith("+OK"), answer)
        configure("mail security tls smtp block")
        answer = upgrade_refused("smtp")
        check("smtp: STARTTLS under 'tls smtp block' gets 502 from the appliance", answer.startswith("502"), answer)
        configure("mail security tls smtp inspect")
        time.sleep(1)

        page.goto(URL + "/")
        tiles = {}
        for p in ["smtp", "pop3"]:
            for tile in mapping(p):
                tiles[(p, tile)] = int(page.inner_text(f"#tile-{p}-{tile} b"))
        counters = console_counters()
        status, metrics = fetch("/metrics", password=PASSWORD)
        check("/metrics answers with the administrator password", status == 200, str(status))
        values = metric_values(metrics)
        mismatches = []
        for p in ["smtp", "pop3"]:
            for tile, (label, series) in mapping(p).items():
                c, t, m = counters.get((p, label)), tiles[(p, tile)], values.get(series)
                if not (c is not None and c == t == m):
                    mismatches.append(f"{p} {tile}: console {c}, tile {t}, metrics {m}")
        check("console counters == dashboard tiles == /metrics after a mixed run", not mismatches, "; ".join(mismatches))
        check("the mixed run counted something", counters.get(("smtp", "inspected"), 0) >= 5, str(counters))
        # The TLS tiles: the console's TLS rows, the same figures as /metrics' mailsec_tls_sessions_total.
        mismatches = []
        for p in ["smtp", "pop3"]:
            for tile, (label, outcome) in TLS_OUTCOMES.items():
                c = counters.get((p, label))
                t = int(page.inner_text(f"#tile-{p}-tls-{tile} b"))
                m = values.get(f'mailsec_tls_sessions_total{{protocol="{p}",outcome="{outcome}"}}')
                if not (c is not None and c == t == m):
                    mismatches.append(f"{p} {tile}: console {c}, tile {t}, metrics {m}")
        check("TLS: console rows == dashboard TLS tiles == /metrics", not mismatches, "; ".join(mismatches))
        check("TLS: the refused upgrades are counted (SMTP 1 failed, 1 blocked; POP3 1 failed)",
              counters.get(("smtp", "TLS handshake failed")) == 1 and counters.get(("smtp", "TLS blocked")) == 1
              and counters.get(("pop3", "TLS handshake failed")) == 1, str({k: v for k, v in counters.items() if "TLS" in k[1]}))

        # The series added later: the over-size split, the sessions not inspected, the version.
        for p in ["smtp", "pop3"]:
            for action in ["oversize_pass", "oversize_reject"]:
                series = f'mailsec_actions_total{{protocol="{p}",action="{action}"}}'
                check(f"/metrics has {series}", series in values, metrics[:300])
        check("the over-size split: 1 relayed, 1 refused",
              values.get('mailsec_actions_total{protocol="smtp",action="oversize_pass"}') == 1
              and values.get('mailsec_actions_total{protocol="smtp",action="oversize_reject"}') == 1,
              str({k: v for k, v in values.items() if "oversize" in k}))
        status = console("show status mail security")
        row = re.search(r"^Sessions not inspected\s+(\d+)$", status, re.M)
        tile = int(page.inner_text("#tile-not-inspected b"))
        series = values.get('mailsec_sessions_not_inspected_total{reason="ipv6_interception_off"}')
        check("sessions not inspected: console == tile == /metrics",
              row is not None and int(row.group(1)) == tile == series, f"console {row and row.group(1)}, tile {tile}, metrics {series}")
        firmware = re.search(r"^Firmware version\s+(\S.*?)\s*$", console("show environment"), re.M)
        check("mailsec_build_info reports the version 'show environment' shows",
              firmware is not None and f'mailsec_build_info{{version="{firmware.group(1)}"}}' in values,
              f"{firmware and firmware.group(1)}: {[k for k in values if k.startswith('mailsec_build_info')]}")

        # The site CA to install on office clients (docs/tls.md): the console's certificate, as a download.
        ca = page.request.get(URL + "/site-ca.pem")
        shown = console("show mail security tls ca")
        pem = shown[shown.find("-----BEGIN CERTIFICATE-----"):] if "-----BEGIN CERTIFICATE-----" in shown else None
        check("the site CA downloads as the console shows it",
              ca.status == 200 and pem is not None and ca.text() == pem
              and "attachment" in ca.headers.get("content-disposition", ""), f"{ca.status} {ca.text()[:80]!r} / {shown[:120]!r}")
        page.goto(URL + "/settings")
        check("every page links to the site CA", page.locator("#nav-site-ca").get_attribute("href") == "/site-ca.pem")

        # Each tile opens the list of the mails behind it: those it counted, newest first.
        def mail_list(tile):
            page.goto(URL + "/")
            page.click(f"#tile-smtp-{tile}")
            page.wait_for_url(re.compile(rf".*/mails\?protocol=smtp&counter={tile}&range=1h$"))
            rows = page.locator("#mails tr")
            return [[c.strip() for c in rows.nth(i).locator("td").all_inner_texts()] for i in range(1, rows.count())]
        subject_of = lambda rows: [r[5] for r in rows]
        clean = mail_list("clean")
        check("the clean tile lists the clean mail only", subject_of(clean) == ["Minutes"], str(clean))
        check("... with size, outcome and action", clean and clean[0][7] == "clean" and clean[0][8] == "passed"
              and int(clean[0][6]) > 0, str(clean))
        rejected = mail_list("rejected")
        check("the rejected tile lists the spam refused", subject_of(rejected) == ["Offer"], str(rejected))
        virus = mail_list("virus")
        check("the virus tile lists the virus with its name", subject_of(virus) == ["Invoice"] and virus[0][10] != "-", str(virus))
        white = mail_list("whiteListed")
        check("the white-listed tile lists the partner's mail", subject_of(white) == ["Partner news"], str(white))
        spam = mail_list("spam")
        check("the spam tile lists every spam, newest first",
              subject_of(spam) == ["Partner news", "Offer", SUBJECT_TEXT], str(spam))
        over = mail_list("overSize")
        check("the over-size tile lists both, newest (refused) first, with their sizes",
              [r[8] for r in over] == ["rejected", "passed"] and all(int(r[6]) > 1024 * 1024 for r in over), str(over))
        check("... as many as the tile counted", len(over) == tiles[("smtp", "overSize")] == 2, str(over))
        page.goto(URL + "/")
        page.click("#tile-not-inspected")
        page.wait_for_url(URL + "/not-inspected")
        check("the not-inspected tile explains what it counts", page.is_visible("#not-inspected-count"))

        # Log out: the session is gone, the pages ask for the password again.
        page.click("#logout")
        page.wait_for_url(URL + "/login")
        page.goto(URL + "/")
        check("after logging out the dashboard asks for the password again", page.url.endswith("/login"), page.url)
        browser.close()

    # /metrics: authenticated, and valid for Prometheus.
    status, _ = fetch("/metrics")
    check("/metrics without credentials is refused (401)", status == 401, str(status))
    path = os.path.join(os.environ.get("TMPDIR", "/tmp"), f"wc-metrics-{os.getpid()}.txt")
    with open(path, "w") as f:
        f.write(metrics)
    lint = subprocess.run(["promtool", "check", "metrics"], stdin=open(path), capture_output=True, text=True)
    os.unlink(path)
    check("promtool check metrics passes on the live /metrics", lint.returncode == 0, lint.stdout + lint.stderr)

    # The change log: every change with the peer.
    time.sleep(1)
    log = open(SYSLOG, encoding="utf-8", errors="replace").read()
    check("the change is logged to syslog with the peer",
          "Web console: 127.0.0.1 ran 'mail security smtp detect illegal mail reject': OK" in log, log[-2000:])
    check("a refused change is logged with the console's error",
          "Web console: 127.0.0.1 ran 'mail security max size 0': Error: Parameter out of range" in log)
    check("the refused CSRF change is logged", "change refused: missing or wrong CSRF token" in log)

    # Login rate limit: after five failures from one address, the next try is refused unchecked.
    statuses = [fetch("/login", data=b"password=wrong")[0] for _ in range(6)]
    check("logins are rate-limited (401 ×5, then 429)", statuses[-1] == 429 and statuses.count(401) >= 4, str(statuses))
    check("... even with the right password", fetch("/login", data=("password=" + PASSWORD).encode())[0] == 429)

    print(f"web console test: {len(failures)} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

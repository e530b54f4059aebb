#!/usr/bin/env bash
# The demo: the appliance in the network lab, with real mail servers on the far side.
#
#   firmware/demo.sh BINDIR        (`make demo`: as root, after the build)
#
# Builds the lab in router mode (firmware/lab/lab.sh), starts Postfix + Dovecot on the mail
# server, yscd in the cloud and mailsecd on the appliance with firmware/demo.conf
# (firmware/lab/services.sh); then the office PC (192.0.2.10) sends mail to the server
# (198.51.100.25) with swaks, once over STARTTLS verifying the appliance's site CA, and fetches
# its mailbox back by POP3, all through the appliance, which nobody configured for it. Prints what an administrator would look at, and removes
# everything on every way out. Exits 0 only when the mail came through as the configuration says.
set -euo pipefail
bin=$(cd "${1:-.build/debug}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
lab="$here/lab/lab.sh"
services="$here/lab/services.sh"

export LAB_PREFIX=${LAB_PREFIX:-msdemo-}
work=$(mktemp -d /tmp/mailsec-demo.XXXXXX)
chmod 0755 "$work"   # the lab's Dovecot runs helpers as user dovecot, which must get in
export LAB_STATE_DIR=$work
# The web console, on the appliance's own loopback (docs/web-console.md).
WEB_URL=https://127.0.0.1:8443/
# The mail server's own certificate for STARTTLS (docs/tls.md): a CA of the demo's own, which
# the appliance is told to trust for upstream verification, naming the server's name and address.
MAIL_PKI=$work/mail-pki
PKI_EXTRA_SAN=DNS:mail.example.com,IP:198.51.100.25 "$here/make-pki.sh" "$MAIL_PKI" >/dev/null
# smtpd reads its certificate and key as user postfix; the key is the demo's own, thrown away.
chmod 0755 "$MAIL_PKI"
chmod 0644 "$MAIL_PKI/server.key"
export LAB_MAILSECD_ARGS="--http-listen 127.0.0.1:8443 --state-dir $work/state --tls-upstream-ca $MAIL_PKI/ca.pem"
cleaned=0
cleanup() {
    [ "$cleaned" = 1 ] && return 0
    trap '' INT TERM   # removing the lab is not to be cut short
    set +e
    "$services" down >/dev/null
    "$lab" down >/dev/null
    rm -rf "$work"
    cleaned=1
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

PC=${LAB_PREFIX}lan1
SERVER_NS=${LAB_PREFIX}lan2
SERVER=198.51.100.25
GTUBE='XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X'
EICAR='X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*'
failures=0

sent() { printf '%-36s → %s\n' "$1" "$2"; }
title() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
console() {
    printf '# %s\n' "$1"
    "$bin/mailsec" --control "$LAB_CONTROL" "$1"
}
check() {  # check DESCRIPTION COMMAND…: a demo that shows the wrong thing must not exit 0
    if ! "${@:2}"; then echo "demo: NOT AS EXPECTED: $1" >&2; failures=$((failures + 1)); fi
}

# send NAME FROM SUBJECT BODY [NS [SERVER [SWAKS-OPTION…]]]: a mail to bob@example.com, by swaks
# on the office PC (or in NS), to the mail server's port 25; prints the server's last reply line.
send() {
    local name=$1 from=$2 subject=$3 body=$4 ns=${5:-$PC} server=${6:-$SERVER} helo=pc.example.com
    [ "$ns" = "$PC" ] || helo=mx.example.org
    printf 'From: <%s>\r\nTo: Bob <bob@example.com>\r\nSubject: %s\r\nMessage-ID: <%s@demo.example.com>\r\n\r\n%s\r\n' \
        "$from" "$subject" "$name" "$body" > "$work/$name.eml"
    ip netns exec "$ns" swaks --server "$server:25" --helo "$helo" --from "$from" --to bob@example.com \
        --data "@$work/$name.eml" --timeout 60s "${@:7}" > "$work/$name.swaks" 2>&1 || true
    grep -E '^<[-*~]+ +[0-9]{3} ' "$work/$name.swaks" | grep -v '^<[-*~]* *221 ' | tail -n 1
}

title "The lab: office PC 192.0.2.10 | appliance | mail server $SERVER, scan service 203.0.113.10"
"$lab" up router
"$services" up "$bin" "$here/demo.conf"
eval "$("$services" paths)"
console "show config"

title "An encrypted submission: swaks --tls (STARTTLS required), verifying the appliance's site CA"
# The lab's Postfix offers STARTTLS with the demo's certificate (its configuration is the lab's;
# the demo adds the TLS settings and has the master reload them).
postconf -c "$LAB_SERVICES/postfix/conf" -e "smtpd_tls_cert_file = $MAIL_PKI/server.pem" \
    "smtpd_tls_key_file = $MAIL_PKI/server.key" "smtpd_tls_security_level = may" "smtpd_tls_loglevel = 1"
postconf -c "$LAB_SERVICES/postfix/conf" -M "tlsmgr/unix = tlsmgr unix - - n 1000? 1 tlsmgr"
postfix -c "$LAB_SERVICES/postfix/conf" reload >/dev/null 2>&1
for _ in $(seq 50); do grep -q 'reload -- version' "$LAB_MAILLOG" && break; sleep 0.1; done
# The site CA the appliance made at its first start: what the office installs on its clients.
SITE_CA=$work/state/tls/site-ca.pem
sent "spam (GTUBE) over STARTTLS" "$(send encrypted deals@example.org "Encrypted offer" "$GTUBE" "$PC" "$SERVER" \
    --tls --tls-verify --tls-ca-path "$SITE_CA" --tls-sni mail.example.com)"
# swaks's own account of the TLS session: the cipher, the certificate it was shown (minted by
# the appliance for the server's name, signed by the site CA) and its verification.
grep -E '^=== TLS' "$work/encrypted.swaks" | sed 's/^/   swaks: /' || true
check "the submission went over TLS, verified against the site CA, and was accepted" \
    grep -qE '^<~ +250 .*queued' "$work/encrypted.swaks"
console "show status mail security" | grep -E '^SMTP TLS' | sed 's/^/   /'
check "the appliance counted one SMTP session inspected inside TLS" \
    eval '"$bin/mailsec" --control "$LAB_CONTROL" "show status mail security" | grep -qE "^SMTP TLS inspected +1$"'

title "The office PC sends four mails to bob@example.com at $SERVER:25 (swaks)"
sent "clean mail" "$(send clean alice@example.com "Minutes of Monday's meeting" "See you on Friday.")"
sent "spam (GTUBE)" "$(send spam deals@example.org "Cheap watches, today only" "$GTUBE")"
sent "virus (EICAR), action pass" "$(send virus alice@example.com "Invoice attached" "$EICAR")"
sent "spam from the white-listed partner" "$(send partner news@partner.example.net "Partner newsletter" "$GTUBE")"
console "mail security smtp detect illegal mail reject"
rejected=$(send virus2 alice@example.com "Invoice attached (again)" "$EICAR")
sent "virus (EICAR), action reject" "$rejected"
check "EICAR under 'detect illegal mail reject' gets 554 5.7.1" grep -q '^<\*\* *554 5.7.1' "$work/virus2.swaks"

title "Meanwhile a mail from the internet reaches the server directly (not through the appliance)"
sent "spam (GTUBE) to the server" "$(send inbound spammer@example.org "Inbound offer" "$GTUBE" "$SERVER_NS" 127.0.0.1)"

title "The office PC fetches bob's mailbox by POP3 from $SERVER:110 (Python poplib)"
# Postfix delivers in the background: wait until all six mails are in the mailbox.
for _ in $(seq 100); do
    [ "$(find "$LAB_MAIL/bob/new" "$LAB_MAIL/bob/cur" -type f | wc -l)" -ge 6 ] && break
    sleep 0.1
done
ip netns exec "$PC" /usr/bin/python3 - "$SERVER" > "$work/fetched.txt" <<'PY'
import poplib, re, sys
SHOWN = ("from", "subject", "x-yamaha-mail-security", "received")
box = poplib.POP3(sys.argv[1], 110, timeout=60)
box.user("bob")
box.pass_("secret")
for number in range(1, len(box.list()[1]) + 1):
    lines = box.retr(number)[1]
    header = b"\n".join(lines[:lines.index(b"")]).decode("utf-8", "replace")
    print(f"message {number}:")
    for field in re.sub(r"\n[ \t]+", " ", header).split("\n"):
        if field.split(":")[0].lower() in SHOWN:
            print("   " + field)
box.quit()
PY
cat "$work/fetched.txt"
check "the clean mail arrives unchanged" grep -q "Subject: Minutes of Monday's meeting$" "$work/fetched.txt"
check "GTUBE gets the spam prefix" grep -q "Subject: \[SPAM\] Cheap watches, today only" "$work/fetched.txt"
check "EICAR under 'pass' gets the virus prefix" grep -q "Subject: \[VIRUS\] Invoice attached$" "$work/fetched.txt"
check "the rejected EICAR never arrives" eval '! grep -q "Invoice attached (again)" "$work/fetched.txt"'
check "the partner's mail gets the white-list header, no prefix" \
    grep -q "X-Yamaha-Mail-Security: operation=send; result=spam; match=white" "$work/fetched.txt"
check "inbound spam is tagged when fetched by POP3" grep -q "Subject: \[SPAM\] Inbound offer" "$work/fetched.txt"
check "the spam sent over STARTTLS was inspected inside TLS and tagged" \
    grep -q "Subject: \[SPAM\] Encrypted offer" "$work/fetched.txt"

title "The mail server's log: it saw the office PC itself (full transparency), not the appliance"
grep -E 'client=|connect from|TLS connection established' "$LAB_MAILLOG" | grep -v 'disconnect' || true
check "Postfix saw the client 192.0.2.10" grep -q 'client=unknown\[192.0.2.10\]' "$LAB_MAILLOG"
check "Postfix saw the appliance's half of the encrypted submission over TLS" \
    grep -q 'TLS connection established from unknown\[192.0.2.10\]' "$LAB_MAILLOG"

title "The appliance"
console "show status mail security"
console "show status mail security history"
console "show status ysc"

title "The web console's dashboard: $WEB_URL (in the appliance's namespace ${LAB_PREFIX}fw)"
# No administrator password in demo.conf: the pages are open (and say so). The gadget's rows:
ip netns exec "${LAB_PREFIX}fw" curl -sk --max-time 10 "${WEB_URL}gadgets" > "$work/gadgets.html" || true
sed -n 's:.*<table id="detections">\(.*\)</table>.*:\1:p' "$work/gadgets.html" \
    | sed -e 's:</tr>:\n:g' -e 's:</t[dh]>: | :g' -e 's:<[^>]*>::g' | sed '/^ *$/d'
check "the dashboard's gadget lists the detections" grep -q "Cheap watches, today only" "$work/gadgets.html"
if [ -n "${DEMO_HOLD:-}" ]; then
    echo "Open it with: ip netns exec ${LAB_PREFIX}fw chromium --no-sandbox --ignore-certificate-errors $WEB_URL"
    read -r -p "Press Enter to remove the lab. " _
fi

title "Syslog ([MAIL_SEC] lines the appliance sent)"
cat "$LAB_SYSLOG"

title "Removing the lab"
cleanup
"$lab" status
if [ "$failures" -ne 0 ]; then
    echo "demo: $failures result(s) not as expected" >&2
    exit 1
fi
echo "demo: done"

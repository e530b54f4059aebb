#!/usr/bin/env bash
# The lab demo: the appliance's daemon on a sample configuration and a short console
# session against it. Usage: firmware/demo.sh BINDIR
set -euo pipefail
bin=${1:-.build/debug}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d /tmp/mailsec-demo.XXXXXX)
daemon_pid=""
ysc_pid=""
cleanup() {
    for pid in $daemon_pid $ysc_pid; do
        kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
    done
    rm -rf "$work"
}
trap cleanup EXIT

pki="$here/pki"
"$here/make-pki.sh" "$pki"
# The bundled scan service on its default address, where the embedded default `ysc url` points.
"$bin/yscd" --cert "$pki/server.pem" --key "$pki/server.key" >"$work/yscd.log" 2>&1 &
ysc_pid=$!

cp "$here/demo.conf" "$work/mailsec.conf"
"$bin/mailsecd" --config "$work/mailsec.conf" --control "$work/ctl.sock" --ysc-ca "$pki/ca.pem" \
    --serial "$(cat "$here/serial")" 2>"$work/mailsecd.log" &
daemon_pid=$!
for _ in $(seq 100); do [ -S "$work/ctl.sock" ] && break; sleep 0.1; done
[ -S "$work/ctl.sock" ] || { cat "$work/mailsecd.log"; exit 1; }

console() {
    printf '# %s\n' "$1"
    "$bin/mailsec" --control "$work/ctl.sock" "$1" || true
}

echo "== mailsecd started on the sample configuration (pid $daemon_pid)"
console "show config"
console "mail security prefix spam '[SPAM] !'"
console "mail security port smtp 25 587"
console "mail security max size 0"
console "mail security port smtp 1 2 3 4 5"
console "ysc request timeout 30"
console "show status mail security"
console "show status ysc"
sleep 1   # the licence is activated in the background at start
console "show status license"
console "show log"
console "save"
echo "== saved configuration file:"
cat "$work/mailsec.conf"
echo "== daemon log:"
cat "$work/mailsecd.log"

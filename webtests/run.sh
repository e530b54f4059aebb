#!/usr/bin/env bash
# The web console's browser test (`make webtest`, and part of `make test`), as root:
#
#   webtests/run.sh BINDIR PYTHON
#
# Builds the network lab (firmware/lab/lab.sh, namespaces prefixed wc-), starts Postfix,
# Dovecot, yscd and mailsecd (firmware/lab/services.sh) with the web console on 127.0.0.1:8443
# inside the appliance's namespace, then runs webtests/web_console_test.py there with PYTHON
# (the venv holding Playwright): headless Chromium against the live console, mail sent by swaks
# from the office PC. Removes everything on every way out; exits non-zero on any failure.
set -euo pipefail
bin=$(cd "${1:?BINDIR}" && pwd)
python=${2:?PYTHON}
here=$(cd "$(dirname "$0")" && pwd)
firmware=$(cd "$here/../firmware" && pwd)

export LAB_PREFIX=${LAB_PREFIX:-wc-}
work=$(mktemp -d /tmp/mailsec-webtest.XXXXXX)
chmod 0755 "$work"   # the lab's Dovecot runs helpers as user dovecot, which must get in
export LAB_STATE_DIR=$work
export LAB_MAILSECD_ARGS="--http-listen 127.0.0.1:8443 --state-dir $work/state"
cleanup() {
    trap '' INT TERM
    set +e
    "$firmware/lab/services.sh" down >/dev/null 2>&1
    "$firmware/lab/lab.sh" down >/dev/null 2>&1
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

"$firmware/lab/lab.sh" up router >/dev/null
"$firmware/lab/services.sh" up "$bin" "$here/web.conf"
eval "$("$firmware/lab/services.sh" paths)"
export LAB_CONTROL LAB_SYSLOG LAB_MAILSECD_LOG
export WEBTEST_BIN=$bin WEBTEST_URL=https://127.0.0.1:8443 WEBTEST_PASSWORD="wc Secret-1"
export WEBTEST_PC_NS=${LAB_PREFIX}lan1 WEBTEST_SERVER=198.51.100.25
export WEBTEST_DOCS=${WEBTEST_DOCS:-$(cd "$here/../docs" && pwd)}
# The browser runs where mailsecd runs: in the appliance's namespace, on its loopback.
ip netns exec "${LAB_PREFIX}fw" "$python" "$here/web_console_test.py"

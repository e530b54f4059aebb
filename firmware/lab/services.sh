#!/bin/bash
# The lab's daemons, in a lab that `lab.sh up` made:
#
#   PREFIXlan2   real Postfix on :25 and :587 (domain example.com, Maildirs for alice and bob)
#                and on :465 with implicit TLS, and real Dovecot POP3 on :110 (offering STLS)
#                and :995 (implicit TLS) serving the same Maildirs; their certificate, for
#                mail.example.com and the server's addresses, is signed by the lab's private CA
#                (LAB_PKI/ca.pem), which the appliance trusts for upstream servers
#   PREFIXcloud  yscd, the scan service, on 203.0.113.10:8443 (certificate of the private CA)
#   PREFIXfw     a syslog collector, and mailsecd: the appliance, intercepting mail crossing
#                lan1 ⇔ lan2 and loading its own nftables ruleset (--interception appliance)
#
#   services.sh up BINDIR [CONFIG]   start them; BINDIR holds mailsecd, mailsec and yscd; CONFIG
#                                    is mailsecd's configuration (default firmware/demo.conf), to
#                                    which `ysc url https://203.0.113.10:8443/` is added
#   services.sh down                 end exactly the processes `up` started, remove their files
#   services.sh paths                print where things are (shell assignments, for `eval`)
#
# Environment: LAB_PREFIX and LAB_STATE_DIR as for lab.sh (the lab's mode comes from its state
# file); LAB_PKI, the private CA's directory (default firmware/pki; made if missing);
# LAB_INTERCEPTION_ARGS, mailsecd's interception flags instead of `--interception appliance
# --mode MODE --lan1 lan1 --lan2 lan2 --bridge br0` (e.g. `--interception external` when the
# rules are loaded by other means); LAB_MAILSECD_ARGS, more mailsecd options (e.g. the web
# console's `--http-listen 127.0.0.1:8443 --state-dir DIR`); LAB_APPLIANCE=none starts the
# servers and yscd only (the appliance is elsewhere: the firmware test's virtual machine,
# firmware/image-test/).
# Everything lives in one directory beside the lab's state file. Postfix and Dovecot are
# private instances: their own configuration, queue, runtime and log files there; the system's
# /etc/postfix and /etc/dovecot are never read, no syslog daemon and no DNS are needed.
# `lab.sh down` also ends whatever still runs in the namespaces, so removing the lab is enough.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
firmware=$(dirname "$here")
PREFIX=${LAB_PREFIX:-msl-}
STATE_DIR=${LAB_STATE_DIR:-${TMPDIR:-/tmp}}
LAB_STATE="$STATE_DIR/mailsec-lab-${PREFIX}.state"
SVC="$STATE_DIR/mailsec-lab-${PREFIX}services"
PKI=${LAB_PKI:-$firmware/pki}

NS_FW=${PREFIX}fw
NS_SERVER=${PREFIX}lan2
NS_CLOUD=${PREFIX}cloud
YSC_ADDRESS=203.0.113.10
YSC_PORT=8443
# The mail domain and its mailboxes (POP3 password "secret" for each).
DOMAIN=example.com
USERS="alice bob"
# A licence serial of the lab's own (yscd grants every serial a year without a licence file).
SERIAL=LAB-0001

usage() { echo "usage: $0 up BINDIR [CONFIG] | down | paths" >&2; exit 2; }

in_ns() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

paths() {
    cat <<EOF
LAB_SERVICES=$SVC
LAB_CONTROL=$SVC/mailsecd/ctl.sock
LAB_MAILSEC_CONF=$SVC/mailsecd/mailsec.conf
LAB_MAILSECD_LOG=$SVC/mailsecd/mailsecd.log
LAB_SYSLOG=$SVC/syslog.log
LAB_MAILLOG=$SVC/postfix/maillog
LAB_MAIL=$SVC/mail/$DOMAIN
LAB_DOVECOT_LOG=$SVC/dovecot/dovecot.log
LAB_YSCD_LOG=$SVC/yscd.log
LAB_SITE_CA=$SVC/mailsecd/state/tls/site-ca.pem
LAB_SERVER_CA=$PKI/ca.pem
EOF
}

# Starts "$@" inside namespace $2 as the leader of a process group of its own (Postfix's and
# Dovecot's masters end their workers by signalling their group) and records its PID and start
# time under $1 before anything else can fail. `ip netns exec` and `setsid` (not a group leader
# here: no job control in a script) both exec, so $! is the daemon itself.
start() {
    local name=$1 ns=$2; shift 2
    ip netns exec "$ns" setsid "$@" >"$SVC/$name.out" 2>&1 </dev/null &
    echo "$name $! $(start_time $!)" >> "$SVC/pids"
}

# The process's start time in clock ticks since boot (proc(5), stat field 22), empty when gone
# or a zombie (ended, not yet reaped). The command name in field 2 may hold spaces and
# parentheses: fields are counted from its closing one.
start_time() { sed -n 's/^.*) //p' "/proc/$1/stat" 2>/dev/null | awk '$1 != "Z" { print $20 }'; }

pid_of() { awk -v n="$1" '$1 == n { print $2, $3 }' "$SVC/pids"; }

# True while the recorded process is alive and is still ours: same PID and same start time
# (a recycled PID would have a later one).
ours() {
    local pid=$1 started=$2
    [ -n "$pid" ] && [ -n "$started" ] && [ "$(start_time "$pid")" = "$started" ]
}

wait_until() {  # wait_until SECONDS COMMAND…: poll every 0.1 s
    local tries=$(( $1 * 10 )); shift
    for _ in $(seq "$tries"); do "$@" && return 0; sleep 0.1; done
    return 1
}

listening() { in_ns "$1" ss -Hltn "sport = :$2" | grep -q LISTEN; }

alive() { ours $(pid_of "$1"); }

# True while a process of group $1 runs (zombies, ended but not yet reaped, do not count).
group_alive() { ps -eo pgid=,stat= | awk -v g="$1" '$1 == g && $2 !~ /^Z/ { found = 1 } END { exit !found }'; }

fail() {
    echo "services ${PREFIX}: $*" >&2
    for f in "$SVC"/*.out "$SVC/postfix/maillog" "$SVC/dovecot/dovecot.log" "$SVC/mailsecd/mailsecd.log"; do
        [ -s "$f" ] && { echo "--- $f" >&2; tail -n 20 "$f" >&2; }
    done
    exit 1
}

down() {
    [ -d "$SVC" ] || { echo "services ${PREFIX}: nothing to stop"; return 0; }
    local name pid started
    if [ -f "$SVC/pids" ]; then
        # Reverse order: the appliance first (it removes its ruleset on SIGTERM), servers last.
        while read -r name pid started; do
            ours "$pid" "$started" || continue
            kill -TERM "$pid" 2>/dev/null || true
            if ! wait_until 10 eval "! ours $pid $started"; then
                echo "services ${PREFIX}: $name ($pid) ignored SIGTERM; killing it" >&2
                kill -KILL "$pid" 2>/dev/null || true
            fi
            # Workers left in the daemon's own process group (the group is ours: setsid above).
            wait_until 3 eval "! group_alive $pid" || kill -KILL -- "-$pid" 2>/dev/null || true
        done < <(tac "$SVC/pids")
    fi
    rm -rf "$SVC"
    echo "services ${PREFIX}: stopped"
}

# The mail server's certificate (serverAuth, ECDSA P-256), signed by the lab's CA: the names a
# client may check (mail.example.com, and the server's addresses in either mode and family).
mail_certificate_up() {
    local tls="$SVC/tls"
    install -d -m 0755 "$tls"
    cat > "$tls/mail.ext" <<EOF
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth
subjectAltName=DNS:mail.$DOMAIN,IP:198.51.100.25,IP:192.0.2.25,IP:2001:db8:2::25,IP:2001:db8:1::25
EOF
    openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$tls/mail.key" \
        -out "$tls/mail.csr" -subj "/O=Mail Security Appliance lab/CN=mail.$DOMAIN" 2>/dev/null \
        || fail "cannot make the mail server's key"
    openssl x509 -req -in "$tls/mail.csr" -CA "$PKI/ca.pem" -CAkey "$PKI/ca.key" -CAcreateserial \
        -CAserial "$tls/ca.srl" -out "$tls/mail.pem" -days 30 -extfile "$tls/mail.ext" 2>/dev/null \
        || fail "cannot sign the mail server's certificate"
    # smtpd reads its key as user postfix; Dovecot's master reads it as root.
    chgrp postfix "$tls/mail.key"
    chmod 0640 "$tls/mail.key"
}

postfix_up() {
    local pf="$SVC/postfix" daemon_dir user
    mkdir -p "$pf/conf"
    # The ownership and modes Postfix checks (postfix-files): queue root and pid/ root's, the
    # rest mail_owner's, maildrop/ and public/ also setgid_group's.
    install -d -m 0755 -o root -g root "$pf/queue" "$pf/queue/pid"
    for d in active bounce corrupt defer deferred flush hold incoming private saved trace; do
        install -d -m 0700 -o postfix -g root "$pf/queue/$d"
    done
    install -d -m 0730 -o postfix -g postdrop "$pf/queue/maildrop"
    install -d -m 0710 -o postfix -g postdrop "$pf/queue/public"
    install -d -m 0700 -o postfix -g root "$pf/data"
    install -d -m 0755 -o nobody -g "$(id -g nobody)" "$SVC/mail" "$SVC/mail/$DOMAIN"
    : > "$pf/conf/mailboxes"
    for user in $USERS; do
        for d in "" /cur /new /tmp; do install -d -m 0700 -o nobody -g "$(id -g nobody)" "$SVC/mail/$DOMAIN/$user$d"; done
        echo "$user@$DOMAIN $DOMAIN/$user/" >> "$pf/conf/mailboxes"
    done
    cat > "$pf/conf/main.cf" <<EOF
# The lab's mail server (written by firmware/lab/services.sh).
compatibility_level = 3.6
queue_directory = $pf/queue
data_directory = $pf/data
mail_owner = postfix
setgid_group = postdrop
# Logging to a file through postlogd: no syslog daemon needed.
maillog_file = $pf/maillog
maillog_file_prefixes = $SVC
myhostname = mail.$DOMAIN
mydomain = $DOMAIN
myorigin = \$myhostname
mydestination =
inet_interfaces = all
# The lab is dual stack: the server takes mail over IPv6 too (tests for both families).
inet_protocols = all
mynetworks = 127.0.0.0/8 [::1]/128
relay_domains =
# No DNS in the lab: no resolver, and the log shows the client's bare address.
smtp_dns_support_level = disabled
smtp_host_lookup = native
smtpd_peername_lookup = no
alias_maps =
alias_database =
local_recipient_maps =
biff = no
local_header_rewrite_clients =
virtual_mailbox_domains = $DOMAIN
virtual_mailbox_base = $SVC/mail
virtual_mailbox_maps = texthash:$pf/conf/mailboxes
virtual_uid_maps = static:$(id -u nobody)
virtual_gid_maps = static:$(id -g nobody)
virtual_mailbox_limit = 0
smtpd_banner = \$myhostname ESMTP
# Any client may send to $DOMAIN; nothing is relayed anywhere else.
smtpd_relay_restrictions = reject_unauth_destination
in_flow_delay = 0
queue_run_delay = 1s
minimal_backoff_time = 1s
maximal_backoff_time = 2s
smtpd_error_sleep_time = 0
# The certificate of smtpd on 465 (implicit TLS); 25 and 587 offer no STARTTLS.
smtpd_tls_cert_file = $SVC/tls/mail.pem
smtpd_tls_key_file = $SVC/tls/mail.key
smtpd_tls_loglevel = 1
EOF
    # smtpd on 25 and on 587 (the submission port, plain here, for port-change tests), and on
    # 465 with TLS from the first byte (RFC 8314 submissions).
    cat > "$pf/conf/master.cf" <<'EOF'
# service type private unpriv chroot wakeup maxproc command
25        inet n - n - - smtpd
587       inet n - n - - smtpd
465       inet n - n - - smtpd -o smtpd_tls_wrappermode=yes -o smtpd_tls_security_level=encrypt
tlsmgr    unix - - n 1000? 1 tlsmgr
pickup    unix n - n 60 1 pickup
cleanup   unix n - n - 0 cleanup
qmgr      unix n - n 300 1 qmgr
rewrite   unix - - n - - trivial-rewrite
bounce    unix - - n - 0 bounce
defer     unix - - n - 0 bounce
trace     unix - - n - 0 bounce
verify    unix - - n - 1 verify
flush     unix n - n 1000? 0 flush
proxymap  unix - - n - - proxymap
smtp      unix - - n - - smtp
relay     unix - - n - - smtp
showq     unix n - n - - showq
error     unix - - n - - error
retry     unix - - n - - error
discard   unix - - n - - discard
virtual   unix - n n - - virtual
anvil     unix - - n - 1 anvil
scache    unix - - n - 1 scache
postlog   unix-dgram n - n - 1 postlogd
EOF
    # Postfix waits for freshly written configuration files to settle; backdated, it does not.
    touch -d '-1 min' "$pf/conf"/*
    daemon_dir=$(postconf -c "$pf/conf" -h daemon_directory)
    start postfix "$NS_SERVER" "$daemon_dir/master" -c "$pf/conf" -d
}

dovecot_up() {
    local dc="$SVC/dovecot" user
    install -d -m 0755 "$dc" "$dc/run" "$dc/state"
    : > "$dc/users"
    for user in $USERS; do echo "$user:{PLAIN}secret::::::" >> "$dc/users"; done
    cat > "$dc/dovecot.conf" <<EOF
# The lab's POP3 server (written by firmware/lab/services.sh), on Postfix's Maildirs.
protocols = pop3
listen = *, ::
base_dir = $dc/run
state_dir = $dc/state
log_path = $dc/dovecot.log
info_log_path = $dc/dovecot.log
stats_writer_socket_path =
# TLS: STLS on 110, implicit TLS on 995 (RFC 8314); plaintext logins stay allowed on 110.
ssl = yes
ssl_cert = <$SVC/tls/mail.pem
ssl_key = <$SVC/tls/mail.key
disable_plaintext_auth = no
auth_mechanisms = plain
first_valid_uid = 500
first_valid_gid = 500
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%n $dc/users
}
userdb {
  driver = static
  args = uid=$(id -u nobody) gid=$(id -g nobody) home=$SVC/mail/$DOMAIN/%n
}
mail_location = maildir:~
pop3_uidl_format = %08Xu%08Xv
service pop3-login {
  inet_listener pop3 {
    port = 110
  }
  inet_listener pop3s {
    port = 995
    ssl = yes
  }
}
EOF
    start dovecot "$NS_SERVER" /usr/sbin/dovecot -F -c "$dc/dovecot.conf"
}

up() {
    local bin=$1 config=${2:-$firmware/demo.conf} mode server
    [ -f "$LAB_STATE" ] || { echo "no lab ${PREFIX} ($LAB_STATE): run lab.sh up first" >&2; exit 1; }
    [ ! -e "$SVC" ] || { echo "services ${PREFIX} are already up ($SVC); run '$0 down' first" >&2; exit 1; }
    for b in mailsecd mailsec yscd; do [ -x "$bin/$b" ] || { echo "$bin/$b: not built" >&2; exit 1; }; done
    [ -r "$config" ] || { echo "$config: cannot read" >&2; exit 1; }
    mode=$(awk '$1 == "mode" { print $2 }' "$LAB_STATE")
    case "$mode" in router) server=198.51.100.25 ;; bridge) server=192.0.2.25 ;; *) echo "lab mode '$mode'?" >&2; exit 1 ;; esac
    bin=$(cd "$bin" && pwd)

    mkdir -p "$SVC"
    # Dovecot's helpers run as user dovecot: every directory down to its files must be
    # traversable by it (a mktemp -d directory is 0700).
    chmod 0755 "$SVC"
    : > "$SVC/pids"
    trap '[ "${COMPLETE:-0}" = 1 ] || { echo "services ${PREFIX}: start failed, stopping what started" >&2; down >&2; }' EXIT
    runuser -u dovecot -- test -x "$SVC" \
        || fail "$SVC is not reachable by user dovecot: make its parent directories traversable (o+x)"
    "$firmware/make-pki.sh" "$PKI" >/dev/null

    mail_certificate_up
    postfix_up
    dovecot_up
    # yscd is on a network address, where it serves only clients that present its API key: the
    # appliance gets the same key (docs/ysc-protocol.md, Authentication).
    (umask 077; od -An -N24 -tx1 /dev/urandom | tr -d ' \n' > "$SVC/ysc-api.key"; echo >> "$SVC/ysc-api.key")
    # On every address of its host, both families: the appliance may reach it over IPv6 too
    # (`ysc url https://[2001:db8:3::10]:8443/`; the certificate names both addresses).
    start yscd "$NS_CLOUD" "$bin/yscd" --listen "[::]:$YSC_PORT" \
        --cert "$PKI/server.pem" --key "$PKI/server.key" --api-key-file "$SVC/ysc-api.key"
    if [ "${LAB_APPLIANCE:-}" = none ]; then
        wait_until 15 listening "$NS_CLOUD" "$YSC_PORT" || fail "yscd is not listening"
        wait_until 20 listening "$NS_SERVER" 25 || fail "Postfix is not listening"
        wait_until 20 listening "$NS_SERVER" 110 || fail "Dovecot is not listening"
        wait_until 20 listening "$NS_SERVER" 465 || fail "Postfix is not listening on 465"
        wait_until 20 listening "$NS_SERVER" 995 || fail "Dovecot is not listening on 995"
        for name in postfix dovecot yscd; do alive "$name" || fail "$name exited"; done
        COMPLETE=1
        echo "services ${PREFIX}: up (servers only): Postfix+Dovecot $server, yscd $YSC_ADDRESS:$YSC_PORT"
        return 0
    fi
    start syslog "$NS_FW" /usr/bin/python3 "$here/syslog-sink.py" "$SVC/syslog.sock" "$SVC/syslog.log"

    local md="$SVC/mailsecd"
    install -d -m 0700 "$md" "$md/spool"
    { cat "$config"; echo "ysc url https://$YSC_ADDRESS:$YSC_PORT/"; } > "$md/mailsec.conf"
    wait_until 15 listening "$NS_CLOUD" "$YSC_PORT" || fail "yscd is not listening"
    wait_until 5 test -S "$SVC/syslog.sock" || fail "the syslog collector did not start"
    # The appliance: its ports are lan1 and lan2 (the bridge br0 in bridge mode), whatever the
    # firmware's port map says about a real box. It trusts the lab's CA for the mail server's
    # certificate (as an office adds its private CA with `mail security tls upstream-ca`).
    # shellcheck disable=SC2086
    start mailsecd "$NS_FW" "$bin/mailsecd" --config "$md/mailsec.conf" --control "$md/ctl.sock" \
        --syslog-socket "$SVC/syslog.sock" --ysc-ca "$PKI/ca.pem" --ysc-api-key-file "$SVC/ysc-api.key" --serial "$SERIAL" --spool "$md/spool" --state-dir "$md/state" \
        --tls-upstream-ca "$PKI/ca.pem" \
        ${LAB_INTERCEPTION_ARGS:---interception appliance --mode $mode --lan1 lan1 --lan2 lan2 --bridge br0} \
        ${LAB_MAILSECD_ARGS:-}
    wait_until 20 listening "$NS_SERVER" 25 || fail "Postfix is not listening"
    wait_until 20 listening "$NS_SERVER" 110 || fail "Dovecot is not listening"
    wait_until 20 listening "$NS_SERVER" 465 || fail "Postfix is not listening on 465"
    wait_until 20 listening "$NS_SERVER" 995 || fail "Dovecot is not listening on 995"
    wait_until 15 test -S "$md/ctl.sock" || fail "mailsecd did not start"
    # Ready once the licence is active (activated against yscd in the background at start).
    wait_until 20 eval '"$bin/mailsec" --control "$md/ctl.sock" "show status mail security" 2>/dev/null | grep -qE "^License +active"' \
        || fail "the licence did not become active"
    # Intercepting once its ruleset is loaded (it is, at start, when the configuration says so).
    if [ -z "${LAB_INTERCEPTION_ARGS:-}" ] && grep -qiE '^[[:space:]]*mail[[:space:]]+security[[:space:]]+use[[:space:]]+on' "$md/mailsec.conf"; then
        wait_until 20 eval 'in_ns "$NS_FW" nft list table inet mailsec >/dev/null 2>&1' \
            || fail "mailsecd did not load its interception ruleset"
    fi
    for name in postfix dovecot yscd syslog mailsecd; do alive "$name" || fail "$name exited"; done
    COMPLETE=1
    echo "services ${PREFIX}: up ($mode): Postfix+Dovecot $server, yscd $YSC_ADDRESS:$YSC_PORT, mailsecd in $NS_FW"
}

[ "$(id -u)" = 0 ] || { echo "$0: must run as root" >&2; exit 1; }
case "${1:-}" in
    up) [ $# -ge 2 ] && [ $# -le 3 ] || usage; up "$2" "${3:-}" ;;
    down) [ $# -eq 1 ] || usage; down ;;
    paths) [ $# -eq 1 ] || usage; paths ;;
    *) usage ;;
esac

#!/bin/bash
# The appliance lab: six network namespaces joined by veth pairs.
#
#   PREFIXlan1 (office PC) ─┐
#                           PREFIXsw1 (LAN1 switch) ── PREFIXfw (the appliance) ── PREFIXlan2 (mail server)
#   PREFIXlan1b (office PC) ┘                                │
#                                                      PREFIXcloud (scan service)
#
#   lab.sh up router|bridge     build it (router: two subnets; bridge: LAN1+LAN2 bridged)
#   lab.sh down                 remove exactly what `up` made (safe to run twice)
#   lab.sh status               print the state file
#
# Environment: LAB_PREFIX (default "msl-") names every namespace, so concurrent labs with
# different prefixes cannot collide; LAB_STATE_DIR (default $TMPDIR or /tmp) holds the state
# file. Every link is created directly inside the namespaces: nothing is added to, or changed
# in, the namespace the script runs in. Addresses come only from the documentation ranges.
#
# Router mode:  pc 192.0.2.10/24 ─ fw lan1 192.0.2.1   fw lan2 198.51.100.1 ─ server 198.51.100.25/24
# Bridge mode:  pc 192.0.2.10/24 ─ fw br0 (lan1+lan2) 192.0.2.1 ─ server 192.0.2.25/24
# Both:         fw cloud 203.0.113.1 ─ yscd 203.0.113.10/24; fw forwards IPv4 and IPv6.
# IPv6 beside it (dual stack, documentation prefix 2001:db8::/32):
#   router mode: pc 2001:db8:1::10/64 ─ fw lan1 2001:db8:1::1   fw lan2 2001:db8:2::1 ─ server 2001:db8:2::25/64
#   bridge mode: pc 2001:db8:1::10/64 ─ fw br0 2001:db8:1::1 ─ server 2001:db8:1::25/64
#   both:        second PC 2001:db8:1::11; fw cloud 2001:db8:3::1 ─ yscd 2001:db8:3::10/64.
#   Addresses are static and skip duplicate address detection (nodad), so they are usable at
#   once; the appliance accepts router advertisements although it forwards (accept_ra=2).
#               A second office PC, 192.0.2.11/24, shares the office segment: the switch (a
#               bridge "sw" in PREFIXsw1) joins both PCs and the appliance's lan1 port, so
#               traffic between the two PCs stays on the LAN1 side.
# Inside PREFIXfw the ports are called lan1, lan2, cloud (and br0); the far ends are eth0.
set -euo pipefail

PREFIX=${LAB_PREFIX:-msl-}
STATE_DIR=${LAB_STATE_DIR:-${TMPDIR:-/tmp}}
STATE="$STATE_DIR/mailsec-lab-${PREFIX}.state"
BRIDGE_MAC=02:00:5e:00:53:01

NS_PC=${PREFIX}lan1
NS_PC2=${PREFIX}lan1b
NS_SWITCH=${PREFIX}sw1
NS_FW=${PREFIX}fw
NS_SERVER=${PREFIX}lan2
NS_CLOUD=${PREFIX}cloud

usage() { echo "usage: $0 up router|bridge | down | status" >&2; exit 2; }

case "$PREFIX" in
  *[!A-Za-z0-9_.-]*|"") echo "LAB_PREFIX may hold only letters, digits, '-', '_', '.'" >&2; exit 2 ;;
esac

in_ns() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

# Records each namespace before it is created, so `down` (and the failure trap) remove it.
add_ns() {
  echo "netns $1" >> "$STATE"
  ip netns add "$1"
  in_ns "$1" ip link set lo up
}

# veth pair with one end in each namespace (never in ours).
veth() { ip link add "$2" netns "$1" type veth peer name "$4" netns "$3"; }

down() {
  [ -f "$STATE" ] || { echo "lab ${PREFIX}: nothing to remove"; return 0; }
  local kind name
  while read -r kind name; do
    [ "$kind" = netns ] || continue
    if ip netns list | awk '{print $1}' | grep -qxF "$name"; then
      # Processes started inside would keep the namespace's links alive: end them first.
      for pid in $(ip netns pids "$name" 2>/dev/null); do kill -9 "$pid" 2>/dev/null || true; done
      ip netns del "$name"
    fi
  done < "$STATE"
  # The files of firmware/lab/services.sh, whose processes just ended with the namespaces.
  rm -rf "$STATE_DIR/mailsec-lab-${PREFIX}services"
  rm -f "$STATE"
  echo "lab ${PREFIX}: removed"
}

up() {
  local mode=$1
  [ "$mode" = router ] || [ "$mode" = bridge ] || usage
  if [ -f "$STATE" ]; then
    echo "lab ${PREFIX} is already up ($STATE); run '$0 down' first" >&2
    exit 1
  fi
  for ns in "$NS_PC" "$NS_PC2" "$NS_SWITCH" "$NS_FW" "$NS_SERVER" "$NS_CLOUD"; do
    if ip netns list | awk '{print $1}' | grep -qxF "$ns"; then
      echo "namespace $ns exists but is not ours (no state file); choose another LAB_PREFIX" >&2
      exit 1
    fi
  done
  mkdir -p "$STATE_DIR"
  echo "mode $mode" > "$STATE"
  # Any failure from here on (set -e) removes what was made so far.
  SETUP_COMPLETE=0
  trap '[ "$SETUP_COMPLETE" = 1 ] || { echo "lab ${PREFIX}: set-up failed, removing it" >&2; down >&2; }' EXIT

  for ns in "$NS_PC" "$NS_PC2" "$NS_SWITCH" "$NS_FW" "$NS_SERVER" "$NS_CLOUD"; do add_ns "$ns"; done
  # The office segment: a switch with the appliance's lan1 port and the two PCs.
  in_ns "$NS_SWITCH" ip link add sw type bridge
  veth "$NS_FW" lan1 "$NS_SWITCH" uplink
  veth "$NS_PC" eth0 "$NS_SWITCH" pc
  veth "$NS_PC2" eth0 "$NS_SWITCH" pc2
  for port in uplink pc pc2; do
    in_ns "$NS_SWITCH" ip link set "$port" master sw
    in_ns "$NS_SWITCH" ip link set "$port" up
  done
  in_ns "$NS_SWITCH" ip link set sw up
  veth "$NS_FW" lan2 "$NS_SERVER" eth0
  veth "$NS_FW" cloud "$NS_CLOUD" eth0

  in_ns "$NS_FW" sysctl -qw net.ipv4.ip_forward=1
  # A router that forwards IPv6 ignores router advertisements unless told otherwise; a box
  # dropped into an office that configures its uplink by RA would lose its default route.
  in_ns "$NS_FW" sysctl -qw net.ipv6.conf.all.forwarding=1
  for port in lan1 lan2 cloud; do in_ns "$NS_FW" sysctl -qw "net.ipv6.conf.$port.accept_ra=2"; done
  in_ns "$NS_FW" ip link set lan1 up
  in_ns "$NS_FW" ip link set lan2 up
  in_ns "$NS_FW" ip link set cloud up
  in_ns "$NS_FW" ip addr add 203.0.113.1/24 dev cloud
  in_ns "$NS_FW" ip -6 addr add 2001:db8:3::1/64 dev cloud nodad

  if [ "$mode" = router ]; then
    in_ns "$NS_FW" ip addr add 192.0.2.1/24 dev lan1
    in_ns "$NS_FW" ip addr add 198.51.100.1/24 dev lan2
    in_ns "$NS_FW" ip -6 addr add 2001:db8:1::1/64 dev lan1 nodad
    in_ns "$NS_FW" ip -6 addr add 2001:db8:2::1/64 dev lan2 nodad
    host "$NS_PC" 192.0.2.10/24 192.0.2.1 2001:db8:1::10/64 2001:db8:1::1
    host "$NS_PC2" 192.0.2.11/24 192.0.2.1 2001:db8:1::11/64 2001:db8:1::1
    host "$NS_SERVER" 198.51.100.25/24 198.51.100.1 2001:db8:2::25/64 2001:db8:2::1
  else
    in_ns "$NS_FW" ip link add br0 address "$BRIDGE_MAC" type bridge
    # br_netfilter's settings are left as the kernel makes them: applying a bridge-mode
    # interception plan switches its IP hooks off in this namespace.
    in_ns "$NS_FW" ip link set lan1 master br0
    in_ns "$NS_FW" ip link set lan2 master br0
    in_ns "$NS_FW" ip link set br0 up
    in_ns "$NS_FW" ip addr add 192.0.2.1/24 dev br0
    in_ns "$NS_FW" ip -6 addr add 2001:db8:1::1/64 dev br0 nodad
    host "$NS_PC" 192.0.2.10/24 192.0.2.1 2001:db8:1::10/64 2001:db8:1::1
    host "$NS_PC2" 192.0.2.11/24 192.0.2.1 2001:db8:1::11/64 2001:db8:1::1
    host "$NS_SERVER" 192.0.2.25/24 192.0.2.1 2001:db8:1::25/64 2001:db8:1::1
    echo "bridge-mac $BRIDGE_MAC" >> "$STATE"
  fi
  host "$NS_CLOUD" 203.0.113.10/24 203.0.113.1 2001:db8:3::10/64 2001:db8:3::1
  # Link-local addresses finish duplicate address detection about a second after a link comes
  # up; until then the first IPv6 packets across the appliance can be lost. Wait (bounded).
  local tries=0
  while [ -n "$(in_ns "$NS_FW" ip -6 addr show tentative)" ] && [ $tries -lt 50 ]; do
    sleep 0.1; tries=$((tries + 1))
  done
  SETUP_COMPLETE=1
  echo "lab ${PREFIX}: up ($mode): $NS_PC $NS_PC2 $NS_SWITCH $NS_FW $NS_SERVER $NS_CLOUD"
}

# An end host: IPv4 and IPv6 addresses on eth0, default routes through the appliance.
host() {
  in_ns "$1" ip link set eth0 up
  in_ns "$1" ip addr add "$2" dev eth0
  in_ns "$1" ip route add default via "$3"
  in_ns "$1" ip -6 addr add "$4" dev eth0 nodad
  in_ns "$1" ip -6 route add default via "$5"
}

[ "$(id -u)" = 0 ] || { echo "$0: must run as root" >&2; exit 1; }
case "${1:-}" in
  up) [ $# -eq 2 ] || usage; up "$2" ;;
  down) [ $# -eq 1 ] || usage; down ;;
  status) if [ -f "$STATE" ]; then cat "$STATE"; else echo "lab ${PREFIX}: down"; fi ;;
  *) usage ;;
esac

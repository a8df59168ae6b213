# shellcheck shell=bash
# tests/integration/lib.sh: sourced by every case in tests/integration/cases.
#
# A case is a bash script that runs in its own process with its own lab: a
# server namespace (br-lab at 10.77.0.1/24, qemu/lab.sh) and a client
# namespace joined to it by a veth pair (veth-c, down and unaddressed, MAC
# $IT_MAC). It starts dnsmasq or Kea there, runs the DHCP client under test
# on veth-c and prints "ok - ..." / "not ok - ..." lines (counted by
# tests/run). The lab's trap deletes both namespaces, ends the servers by PID
# and removes the temp dir, also on failure.
#
# The client under test is IT_CLIENT (set by tests/integration/run):
#   ours      build/x86_64/netroot-init --network "$IT_CMDLINE" --run-dir DIR
#   udhcpc    busybox udhcpc  } stand-ins, to check the lab itself: they get
#   dhclient  ISC dhclient    } the same servers and leave the same files
#             (klibc net-veth-c.conf, netroot/resolv.conf) through
#             tests/integration/standin-script
# Nothing here touches the host: the client runs with ip netns exec inside
# its namespace, in a private UTS namespace (a hostname it sets stays there),
# with a private mount of a scratch file over /etc/resolv.conf (a write
# there is caught and reported, not done to the host) and in its own PID
# namespace, so anything it leaves running (dhclient forks into the
# background once bound) is killed when the run ends.

# shellcheck disable=SC2034  # variables for the cases
IT_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
IT_ROOT=$(cd "$IT_HERE/../.." && pwd)
IT_CLIENT=${IT_CLIENT:-ours}
IT_BIN=${NETROOT_INIT:-$IT_ROOT/build/x86_64/netroot-init}
IT_DHCP_TIMEOUT=${IT_DHCP_TIMEOUT:-20}
IT_CMDLINE="ip=:::::veth-c:dhcp netroot.carrier_timeout=5 netroot.dhcp_timeout=$IT_DHCP_TIMEOUT"
IT_MAC=52:54:00:77:00:02
IT_CASE=$(basename "$0" .sh)
IT_FAILS=0

. "$IT_ROOT/qemu/lab.sh"

ok()    { echo "ok - [$IT_CLIENT] $IT_CASE: $1"; }
notok() { echo "not ok - [$IT_CLIENT] $IT_CASE: $1"; IT_FAILS=$((IT_FAILS + 1)); }
skip()  { echo "ok - [$IT_CLIENT] $IT_CASE: $1 # SKIP ${2:-}"; }
# check DESC CMD...: one result line for CMD's status.
check() { local d=$1; shift; if "$@"; then ok "$d"; else notok "$d"; fi; }
# it_diag: the client's output and the server's log, indented, after a failure.
it_diag() {
    echo "#   client exit $CLIENT_RC after ${CLIENT_MS} ms; its output:"
    sed 's/^/#     /' "$CLIENT_OUT" 2>/dev/null | tail -n 25
    if [ -n "$LAB_DHCP_KIND" ]; then
        echo "#   $LAB_DHCP_KIND log:"
        grep -E 'DHCP[A-Z]+\(|DHCP4_(LEASE|PACKET_NAK|DISCOVER|QUERY|BUFFER)|WARN|ERROR' \
            "$(lab_dhcp_log)" 2>/dev/null | tail -n 15 | sed 's/^/#     /'
    fi
}
it_done() {
    [ "$IT_FAILS" -eq 0 ] || it_diag
    exit $(( IT_FAILS > 0 ))
}

# it_setup: the two namespaces; the client's end gets a fixed MAC so
# reservations can name it.
it_setup() {
    lab_init it
    lab_veth_up || { notok "lab: cannot create namespaces"; exit 1; }
    ip -n "$LAB_CNS" link set "$LAB_CLIENT_IF" address "$IT_MAC" || { notok "lab: cannot set MAC"; exit 1; }
    RUN=$LAB_DIR/run
    mkdir -p "$RUN"
    CLIENT_RC="" CLIENT_MS="" CLIENT_OUT=$LAB_DIR/client.out
}

# it_server KIND [EXTRA]: start dnsmasq or kea (DHCP_* from the caller's
# environment) and wait until it serves.
it_server() {
    lab_dhcp_start "$@"
    if ! lab_dhcp_wait 15; then
        notok "lab: $1 did not start"
        exit 1
    fi
    echo "# $1 ready in ${LAB_DHCP_READY_MS} ms"
}

# it_client [EXTRA_CMDLINE]: run the client under test once, bounded by
# dhcp_timeout + 15 s; sets CLIENT_RC, CLIENT_MS; output in CLIENT_OUT.
# shellcheck disable=SC2120  # the extra command line is optional
it_client() {
    local line="$IT_CMDLINE${1:+ $1}" t0 t1 limit=$((IT_DHCP_TIMEOUT + 15))
    : > "$LAB_DIR/etc-resolv.conf"
    t0=$(date +%s%N)
    # shellcheck disable=SC2016  # expanded by the inner sh
    # In the background and waited for, so that a TERM to the case runs the
    # lab's trap at once (bash defers traps while a foreground command
    # runs); the trap ends unshare by PID, and --kill-child takes the whole
    # PID namespace with it.
    ip netns exec "$LAB_CNS" unshare --pid --fork --kill-child --uts --mount --propagation private sh -c '
        d=$1
        shift
        hostname netroot-it-sentinel
        [ -e /etc/resolv.conf ] && mount --bind "$d/etc-resolv.conf" /etc/resolv.conf
        "$@"
        rc=$?
        hostname > "$d/uts-hostname"
        exit $rc' it "$LAB_DIR" timeout -k 2 "$limit" \
        "$IT_HERE/client" "$IT_CLIENT" "$IT_BIN" "$line" "$RUN" "$LAB_CLIENT_IF" \
        > "$CLIENT_OUT" 2>&1 &
    local pid=$!
    lab_track "$pid"
    wait "$pid"
    CLIENT_RC=$?
    t1=$(date +%s%N)
    CLIENT_MS=$(( (t1 - t0) / 1000000 ))
    if [ -s "$LAB_DIR/etc-resolv.conf" ]; then
        notok "the client wrote /etc/resolv.conf (caught in a private mount; --network must write only to --run-dir)"
    fi
}

# it_addr: "A.B.C.D/P" of veth-c in the client namespace (first IPv4).
it_addr() {
    ip -n "$LAB_CNS" -4 -o addr show dev "$LAB_CLIENT_IF" 2>/dev/null |
        awk '{ print $4; exit }'
}
it_gateway() {
    ip -n "$LAB_CNS" -4 route show default 2>/dev/null | awk '{ print $3; exit }'
}
# it_conf KEY: the value of KEY in RUN/net-veth-c.conf (klibc KEY='value').
it_conf() {
    sed -n "s/^$1='\\(.*\\)'\$/\\1/p" "$RUN/net-$LAB_CLIENT_IF.conf" 2>/dev/null | head -n1
}
it_resolv() {
    local f
    for f in "$RUN/netroot/resolv.conf" "$RUN/resolv.conf"; do
        [ -f "$f" ] && { echo "$f"; return 0; }
    done
    return 1
}

# it_configured: the usual checks after a successful DHCP: exit 0, an
# address (matching the regex $1) with /24 on veth-c, the default route, the
# conf file with PROTO='dhcp' and that address, and (ours) the final line.
it_configured() {
    local want=$1 addr
    addr=$(it_addr)
    check "client exits 0" [ "$CLIENT_RC" -eq 0 ]
    if [[ "$addr" =~ ^$want/24$ ]]; then ok "veth-c has $addr"; else notok "veth-c has '$addr', want $want/24"; fi
    check "default route via 10.77.0.1" [ "$(it_gateway)" = 10.77.0.1 ]
    check "net-veth-c.conf: PROTO='dhcp'" [ "$(it_conf PROTO)" = dhcp ]
    check "net-veth-c.conf: IPV4ADDR is ${addr%/*}" [ -n "$addr" -a "$(it_conf IPV4ADDR)" = "${addr%/*}" ]
    if [ "$IT_CLIENT" = ours ]; then
        # "netroot: " may be followed by an uptime stamp, "[12.345] ".
        local re="^netroot: (\\[ *[0-9.]+\\] )?network: veth-c $want/24 \\(dhcp\\) configured [0-9]+\\.[0-9]{3} s after link up\$"
        if grep -Eq "$re" "$CLIENT_OUT"; then
            ok "final line: $(grep -E "$re" "$CLIENT_OUT" | head -n1)"
        else
            notok "no final line matching '$re'"
        fi
    fi
}

# it_netrootd CONF LOG: netrootd (build/x86_64) with CONF in the server
# namespace, beside or after lab_dhcp_start's server, its output appended to
# LOG; sets NRD_PID (tracked for the cleanup) and waits, 5 s at most, for
# the "serving DHCP" line of this start.
it_netrootd() {
    local before
    before=$(grep -c 'serving DHCP' "$2" 2>/dev/null)
    ip netns exec "$LAB_NS" "$IT_ROOT/build/x86_64/netrootd" -c "$1" 2>> "$2" &
    NRD_PID=$!
    lab_track "$NRD_PID"
    for _ in $(seq 100); do
        [ "$(grep -c 'serving DHCP' "$2" 2>/dev/null)" -gt "${before:-0}" ] && return 0
        sleep 0.05
    done
    return 1
}

# it_server_saw REGEX: the server's log has a line matching REGEX.
it_server_saw() { grep -Eq -- "$1" "$(lab_dhcp_log)"; }

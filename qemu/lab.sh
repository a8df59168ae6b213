# qemu/lab.sh: boot-lab helpers, sourced by bash scripts (tests/e2e/run, bench).
#
#   . qemu/lab.sh
#   lab_init e2e              # names, temp dir; installs the cleanup trap
#   lab_netns_up [NICS]       # namespace, bridge br-lab at 10.77.0.1/24, tap0
#                             # (qemu side) on it; NICS=2: tap0 left bare (no
#                             # address, nothing behind it), tap1 on br-lab
#   lab_veth_up               # or: server namespace (veth-s at 10.77.0.1/24)
#                             # and a client namespace joined by a veth pair,
#                             # veth-c (client side) down and unaddressed
#   lab_link_cut SECONDS      # blackhole the guest's link, then restore it
#   lab_nfs_start ROOT 3,4    # rpcbind + ganesha serving ROOT as /export
#   lab_nfs_wait 3 20         # poll with nfs-ls until it answers (v3 or v4)
#   lab_dhcp_start dnsmasq|kea|netrootd [ARGS]  # DHCP server on $LAB_SERVER_IF, set
#                             # up by DHCP_* variables (see qemu/dhcp-server)
#   lab_dhcp_wait 10          # poll until it serves (port 67 / Kea's log)
#   lab_dhcp_log              # path of its log (dnsmasq --log-dhcp / Kea)
#   lab_dhcp_stop
#   lab_exec CMD...           # run CMD inside the (server) namespace
#   lab_cexec CMD...          # run CMD inside the client namespace (veth lab)
#   lab_cleanup               # also run by the trap on exit/INT/TERM
#                             # (qemu/iscsi.sh adds the iSCSI target)
#
# Every packet stays inside the lab's own namespace: the tap device is
# created inside it and qemu is started inside it (lab_exec), so the guest
# and the servers see only each other. Names carry the caller's PID, and the
# daemons run in a private mount namespace with their own /run, so labs can
# run in parallel. Processes are ended by PID, never by name.

# shellcheck disable=SC2034 # LAB_GUEST_IP, LAB_NFS_PROTOS are for callers
LAB_NET=${LAB_NET:-10.77.0}           # the /24 used inside the namespace
LAB_SERVER_IP=$LAB_NET.1
LAB_GUEST_IP=$LAB_NET.10
LAB_TAP=tap0                           # the guest's first NIC
LAB_TAPS=tap0                          # every tap, in guest NIC order
LAB_SERVER_IF=br-lab                   # where the servers answer
LAB_CLIENT_IF=veth-c                   # veth lab: the client's end
LAB_EXPORT=/export
LAB_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

lab_log() { echo "lab: $*" >&2; }

# lab_init TAG: per-run names and scratch directory; installs the trap.
lab_init() {
    LAB_NS=netroot-$1-$$
    LAB_DIR=$(mktemp -d "${TMPDIR:-/tmp}/netroot-lab-$1.XXXXXX")
    LAB_CNS=netroot-$1-c-$$
    LAB_NS_CREATED="" LAB_CNS_CREATED="" LAB_NFS_PID="" LAB_PIDS=""
    LAB_DHCP_PID="" LAB_DHCP_KIND="" LAB_DHCP_DIR="" LAB_DHCP_N=0
    trap 'lab_cleanup' EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
}

lab_exec() { ip netns exec "$LAB_NS" "$@"; }
lab_cexec() { ip netns exec "$LAB_CNS" "$@"; }

# The servers' side of the qemu lab is a bridge, br-lab, holding
# $LAB_SERVER_IP/24, with a port that keeps its carrier on: Kea skips
# an interface that is not "running" (no carrier) when it opens its sockets
# and does not look again, and a tap has no carrier until qemu opens it. The
# guest's taps are plain bridge ports (STP off).
# The carrier port is one end of a veth pair whose other end is up and
# attached to nothing (the lab kernels may have no dummy driver).
lab_bridge_up() {
    ip -n "$LAB_NS" link set lo up &&
    ip -n "$LAB_NS" link add br-lab type bridge stp_state 0 forward_delay 0 &&
    ip -n "$LAB_NS" link add carrier0 type veth peer name carrier1 &&
    ip -n "$LAB_NS" link set carrier0 master br-lab &&
    ip -n "$LAB_NS" link set carrier0 up &&
    ip -n "$LAB_NS" link set carrier1 up &&
    ip -n "$LAB_NS" addr add "$LAB_SERVER_IP/24" dev br-lab &&
    ip -n "$LAB_NS" link set br-lab up &&
    LAB_SERVER_IF=br-lab
}

# lab_netns_up [NICS]: NICS=1 (default): the guest's NIC, tap0, is on the
# servers' bridge. NICS=2: its first NIC (tap0) is up but on no bridge, with
# no address and no server behind it; the second (tap1) is on the bridge: a
# boot must find the NIC that answers.
lab_netns_up() {
    local nics=${1:-1} t
    case $nics in
        1) LAB_TAPS=tap0 ;;
        2) LAB_TAPS="tap0 tap1" ;;
        *) lab_log "lab_netns_up: NICS must be 1 or 2, not '$nics'"; return 1 ;;
    esac
    ip netns add "$LAB_NS" || return 1
    LAB_NS_CREATED=1
    lab_bridge_up || return 1
    for t in $LAB_TAPS; do
        ip -n "$LAB_NS" tuntap add dev "$t" mode tap &&
        ip -n "$LAB_NS" link set "$t" up || return 1
    done
    # The last tap is the one with the servers behind it.
    ip -n "$LAB_NS" link set "${LAB_TAPS##* }" master br-lab
}

# lab_link_cut SECONDS: the guest's NIC (the tap with the servers behind it)
# leaves the bridge for SECONDS, then joins it again. Meanwhile every frame
# either way is dropped without a word: no RST, no FIN, no ICMP, carrier
# still up on both sides (a switch rebooting, a cable pulled at the far end).
lab_link_cut() {
    local tap=${LAB_TAPS##* }
    ip -n "$LAB_NS" link set "$tap" nomaster || return 1
    sleep "$1"
    ip -n "$LAB_NS" link set "$tap" master br-lab
}

# lab_veth_up: two namespaces, the servers' ($LAB_NS: veth-s at
# $LAB_SERVER_IP/24) and the client's ($LAB_CNS: $LAB_CLIENT_IF down and
# unaddressed, as a NIC is when the initramfs starts). The pair is created
# inside the namespaces: it never exists in the host's. No bridge here: a
# bridge port starts forwarding only when the kernel's link watcher has
# processed the carrier change, up to 1 s after the client's link up, and
# would eat a client's first DISCOVER (Kea's carrier problem is handled in
# lab_dhcp_start instead).
lab_veth_up() {
    ip netns add "$LAB_NS" || return 1
    LAB_NS_CREATED=1
    ip netns add "$LAB_CNS" || return 1
    LAB_CNS_CREATED=1
    LAB_TAPS="" LAB_SERVER_IF=veth-s
    ip -n "$LAB_NS" link set lo up &&
    ip -n "$LAB_CNS" link set lo up &&
    ip -n "$LAB_NS" link add veth-s type veth peer name "$LAB_CLIENT_IF" netns "$LAB_CNS" &&
    ip -n "$LAB_NS" addr add "$LAB_SERVER_IP/24" dev veth-s &&
    ip -n "$LAB_NS" link set veth-s up
}

lab_netns_down() {
    if [ -n "$LAB_CNS_CREATED" ]; then
        ip netns delete "$LAB_CNS" 2>/dev/null || lab_log "could not delete namespace $LAB_CNS"
        LAB_CNS_CREATED=""
    fi
    [ -n "$LAB_NS_CREATED" ] || return 0
    ip netns delete "$LAB_NS" 2>/dev/null || lab_log "could not delete namespace $LAB_NS"
    LAB_NS_CREATED=""
}

# lab_track PID: end PID in lab_cleanup (for qemu and other children).
lab_track() { LAB_PIDS="$LAB_PIDS $1"; }

# lab_kill PID [GRACE_TENTHS]: TERM, wait up to GRACE (default 30 = 3 s),
# then KILL. Only for processes this lab started.
lab_kill() {
    local pid=$1 n=${2:-30} i=0
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
    kill -TERM "$pid" 2>/dev/null || return 0
    while kill -0 "$pid" 2>/dev/null && [ $i -lt "$n" ]; do
        sleep 0.1; i=$((i + 1))
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

# lab_nfs_start ROOTDIR PROTOCOLS: PROTOCOLS is 3,4 | 3 | 4.
lab_nfs_start() {
    local root protos=${2:-3,4}
    root=$(cd "$1" && pwd) || return 1
    mkdir -p "$LAB_DIR/nfs"
    LAB_NFS_PROTOS=$protos
    # Not via lab_exec: a backgrounded function would give the PID of a
    # subshell; this way $! is the supervisor itself (ip and unshare exec).
    ip netns exec "$LAB_NS" unshare --mount --propagation private \
        sh "$LAB_HERE/nfs-server" "$LAB_DIR/nfs" "$root" "$protos" \
        > "$LAB_DIR/nfs/server.out" 2>&1 &
    LAB_NFS_PID=$!
}

# lab_nfs_wait VERSION DEADLINE_S: poll the export with nfs-ls (VERSION 3
# or 4) until it lists, the supervisor dies, or DEADLINE_S passes. Prints
# how long the server took to become ready.
lab_nfs_wait() {
    local ver=$1 deadline=$2 url t0 now
    url="nfs://$LAB_SERVER_IP$LAB_EXPORT"
    [ "$ver" = 4 ] && url="$url?version=4"
    t0=$(date +%s%N)
    while :; do
        if lab_exec timeout 5 nfs-ls "$url" > /dev/null 2>&1; then
            now=$(date +%s%N)
            LAB_NFS_READY_MS=$(( (now - t0) / 1000000 ))
            lab_log "nfs server ready (v$ver) after ${LAB_NFS_READY_MS} ms"
            return 0
        fi
        if ! kill -0 "$LAB_NFS_PID" 2>/dev/null; then
            lab_log "nfs server exited; its output:"
            tail -n 20 "$LAB_DIR/nfs/server.out" "$LAB_DIR/nfs/ganesha.log" >&2 2>/dev/null
            return 1
        fi
        now=$(date +%s%N)
        if [ $(( (now - t0) / 1000000000 )) -ge "$deadline" ]; then
            lab_log "nfs server not ready after ${deadline}s; ganesha log tail:"
            tail -n 20 "$LAB_DIR/nfs/ganesha.log" >&2 2>/dev/null
            return 1
        fi
        sleep 0.2
    done
}

lab_nfs_stop() {
    local f
    [ -n "$LAB_NFS_PID" ] || return 0
    lab_kill "$LAB_NFS_PID" 50          # the supervisor stops both daemons
    # Belt and braces: if the supervisor died first, end its children here.
    for f in ganesha rpcbind; do
        [ -s "$LAB_DIR/nfs/$f.pid" ] && lab_kill "$(cat "$LAB_DIR/nfs/$f.pid")" 30
    done
    LAB_NFS_PID=""
}

# lab_dhcp_start KIND [EXTRA...]: dnsmasq or kea on $LAB_SERVER_IF, serving
# $LAB_NET.0/24 as the DHCP_* variables say (qemu/dhcp-server documents
# them; export them or put them before the call). Each start gets a fresh
# directory, so a restarted server has no leases from an earlier case.
lab_dhcp_start() {
    local kind=$1
    shift
    lab_dhcp_stop
    LAB_DHCP_N=$((LAB_DHCP_N + 1))
    LAB_DHCP_KIND=$kind
    LAB_DHCP_DIR=$LAB_DIR/dhcp-$LAB_DHCP_N-$kind
    mkdir -p "$LAB_DHCP_DIR"
    # Kea opens no socket on an interface without carrier (and never looks
    # again): in the veth lab, give veth-s its carrier by setting the
    # client's end up until Kea is ready (lab_dhcp_wait sets it down again).
    # Its sockets keep working across later carrier changes.
    LAB_DHCP_PEER_UP=""
    if [ "$kind" = kea ] && [ "$LAB_SERVER_IF" = veth-s ] && [ -n "$LAB_CNS_CREATED" ] &&
       ! ip -n "$LAB_CNS" link show "$LAB_CLIENT_IF" | grep -q '[<,]UP[,>]'; then
        ip -n "$LAB_CNS" link set "$LAB_CLIENT_IF" up && LAB_DHCP_PEER_UP=1
    fi
    # As for NFS: ip, unshare and the script all exec, so $! is the daemon.
    DHCP_NET=${DHCP_NET:-$LAB_NET} ip netns exec "$LAB_NS" \
        unshare --mount --propagation private \
        sh "$LAB_HERE/dhcp-server" "$kind" "$LAB_DHCP_DIR" "$LAB_SERVER_IF" "$@" \
        > "$LAB_DHCP_DIR/server.out" 2>&1 &
    LAB_DHCP_PID=$!
}

lab_dhcp_log() {
    case $LAB_DHCP_KIND in
        dnsmasq) echo "$LAB_DHCP_DIR/dnsmasq.log" ;;
        kea) echo "$LAB_DHCP_DIR/kea.log" ;;
        netrootd) echo "$LAB_DHCP_DIR/netrootd.log" ;;
        *) echo /dev/null ;;
    esac
}

# lab_dhcp_ready: the server can answer now: its UDP socket on port 67
# exists in the namespace (dnsmasq binds it after reading its
# configuration; Kea opens it beside its raw socket) and, for Kea, it logged
# DHCP4_STARTED. Kea also logs DHCP4_STARTED when it could open no socket
# at all, hence the socket check.
lab_dhcp_ready() {
    [ -n "$(lab_exec ss -Huln 'sport = :67' 2>/dev/null)" ] || return 1
    case $LAB_DHCP_KIND in
        dnsmasq) return 0 ;;
        kea) grep -q 'DHCP4_STARTED' "$LAB_DHCP_DIR/kea.log" 2>/dev/null ;;
        netrootd) grep -q 'serving DHCP' "$LAB_DHCP_DIR/netrootd.log" 2>/dev/null ;;
        *) return 1 ;;
    esac
}

# lab_dhcp_wait DEADLINE_S: poll until ready, the daemon died, or the
# deadline; sets LAB_DHCP_READY_MS.
lab_dhcp_wait() {
    local deadline=${1:-10} t0 now
    t0=$(date +%s%N)
    while :; do
        if lab_dhcp_ready; then
            if [ -n "${LAB_DHCP_PEER_UP:-}" ]; then
                ip -n "$LAB_CNS" link set "$LAB_CLIENT_IF" down
                LAB_DHCP_PEER_UP=""
            fi
            now=$(date +%s%N)
            LAB_DHCP_READY_MS=$(( (now - t0) / 1000000 ))
            return 0
        fi
        if ! kill -0 "$LAB_DHCP_PID" 2>/dev/null; then
            lab_log "$LAB_DHCP_KIND exited; its output:"
            tail -n 20 "$LAB_DHCP_DIR/server.out" "$(lab_dhcp_log)" >&2 2>/dev/null
            return 1
        fi
        now=$(date +%s%N)
        if [ $(( (now - t0) / 1000000000 )) -ge "$deadline" ]; then
            lab_log "$LAB_DHCP_KIND not ready after ${deadline}s; log tail:"
            tail -n 20 "$LAB_DHCP_DIR/server.out" "$(lab_dhcp_log)" >&2 2>/dev/null
            return 1
        fi
        sleep 0.05
    done
}

lab_dhcp_stop() {
    [ -n "$LAB_DHCP_PID" ] || return 0
    lab_kill "$LAB_DHCP_PID" 30
    LAB_DHCP_PID=""
}

# lab_cleanup: idempotent; ends tracked processes, the NFS server, the
# namespace, and removes the scratch directory (LAB_KEEP=1 keeps it).
lab_cleanup() {
    local p
    trap - EXIT INT TERM
    for p in $LAB_PIDS; do lab_kill "$p" 20; done
    LAB_PIDS=""
    lab_dhcp_stop
    lab_nfs_stop
    # qemu/iscsi.sh, when the caller sourced it
    if declare -F lab_iscsi_stop > /dev/null; then lab_iscsi_stop; fi
    lab_netns_down
    if [ -n "${LAB_DIR:-}" ] && [ -d "$LAB_DIR" ]; then
        if [ -n "${LAB_KEEP:-}" ]; then lab_log "kept $LAB_DIR"; else rm -rf "$LAB_DIR"; fi
    fi
}

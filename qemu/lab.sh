# qemu/lab.sh: boot-lab helpers, sourced by bash scripts (tests/e2e/run, bench).
#
#   . qemu/lab.sh
#   lab_init e2e              # names, temp dir; installs the cleanup trap
#   lab_netns_up              # namespace + tap0 (qemu side) at 10.77.0.1/24
#   lab_nfs_start ROOT 3,4    # rpcbind + ganesha serving ROOT as /export
#   lab_nfs_wait 3 20         # poll with nfs-ls until it answers (v3 or v4)
#   lab_exec CMD...           # run CMD inside the namespace
#   lab_cleanup               # also run by the trap on exit/INT/TERM
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
LAB_TAP=tap0
LAB_EXPORT=/export
LAB_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

lab_log() { echo "lab: $*" >&2; }

# lab_init TAG: per-run names and scratch directory; installs the trap.
lab_init() {
    LAB_NS=netroot-$1-$$
    LAB_DIR=$(mktemp -d "${TMPDIR:-/tmp}/netroot-lab-$1.XXXXXX")
    LAB_NS_CREATED="" LAB_NFS_PID="" LAB_PIDS=""
    trap 'lab_cleanup' EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
}

lab_exec() { ip netns exec "$LAB_NS" "$@"; }

lab_netns_up() {
    ip netns add "$LAB_NS" || return 1
    LAB_NS_CREATED=1
    ip -n "$LAB_NS" link set lo up &&
    ip -n "$LAB_NS" tuntap add dev "$LAB_TAP" mode tap &&
    ip -n "$LAB_NS" addr add "$LAB_SERVER_IP/24" dev "$LAB_TAP" &&
    ip -n "$LAB_NS" link set "$LAB_TAP" up
}

lab_netns_down() {
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

# lab_cleanup: idempotent; ends tracked processes, the NFS server, the
# namespace, and removes the scratch directory (LAB_KEEP=1 keeps it).
lab_cleanup() {
    local p
    trap - EXIT INT TERM
    for p in $LAB_PIDS; do lab_kill "$p" 20; done
    LAB_PIDS=""
    lab_nfs_stop
    lab_netns_down
    if [ -n "${LAB_DIR:-}" ] && [ -d "$LAB_DIR" ]; then
        if [ -n "${LAB_KEEP:-}" ]; then lab_log "kept $LAB_DIR"; else rm -rf "$LAB_DIR"; fi
    fi
}

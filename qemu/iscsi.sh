# qemu/iscsi.sh: the lab's iSCSI target (tgt, or netrootd's own with
# LAB_ISCSI_SERVER=netrootd); sourced after qemu/lab.sh.
#
#   lab_iscsi_start IMAGE [IQN]  tgtd inside $LAB_NS on $LAB_SERVER_IP:3260,
#                                exporting IMAGE as LUN 1 of target IQN
#                                (default $LAB_ISCSI_IQN); returns once tgtd
#                                answers tgtadm and the target is configured
#   lab_iscsi_wait DEADLINE_S    poll from inside the namespace until a
#                                discovery lists the target and a login to
#                                LUN 1 answers INQUIRY; sets
#                                LAB_ISCSI_READY_MS
#   lab_iscsi_kill               SIGKILL tgtd by PID (a crash, as far as the
#                                initiator can tell: no logout, no FIN-wait)
#   lab_iscsi_restart DOWN_S     lab_iscsi_kill, DOWN_S seconds with no
#                                target, then the same target again (same
#                                image, IQN, accounts, ACL) and wait for it
#   lab_iscsi_stop               delete the target, end tgtd (by PID)
#   lab_iscsi_proxy_start        qemu/iscsi-proxy on $LAB_NET.2:3260 (an
#                                extra address of the lab's bridge),
#                                relaying to tgtd; a target that can be made
#                                to ask for a logout (LAB_ISCSI_PROXY_IP)
#   lab_iscsi_proxy_logout [EV]  make it send AsyncEvent EV (1: logout
#                                requested, default; 4: renegotiate) to
#                                every initiator connected through it
#   lab_iscsi_adm ARGS...        tgtadm -C N ARGS against this lab's tgtd
#   lab_iscsi_url [LUN]          iscsi://10.77.0.1:3260/IQN/LUN (no secrets)
#   lab_iscsi_tool CMD ARGS...   a libiscsi tool (iscsi-ls, iscsi-inq,
#                                iscsi-readcapacity16, iscsi-perf ...) run in
#                                the namespace, logging in with the lab's
#                                initiator name and CHAP secrets (passed in
#                                its environment, not its argv), ended
#                                after LAB_ISCSI_TOOL_TIMEOUT (30) s
#
# Settings, read by lab_iscsi_start (and kept for lab_iscsi_restart):
#   LAB_ISCSI_CHAP="USER:SECRET"    tgt "incoming" account: the target
#                                   checks the initiator (iscsi_username/
#                                   iscsi_password on the cmdline)
#   LAB_ISCSI_MUTUAL="USER:SECRET"  tgt "outgoing" account: the initiator
#                                   checks the target (iscsi_in_username/
#                                   iscsi_in_password); needs LAB_ISCSI_CHAP
#   LAB_ISCSI_ACL="ALL"             initiator addresses allowed (space
#                                   separated, or ALL); the server's own
#                                   address is always added for the probes
#   LAB_ISCSI_ACL_NAMES=""          initiator names allowed (tgt -Q)
#   LAB_ISCSI_INITIATOR             the name the probes use
#   LAB_ISCSI_THIN=1                LUN 1 thin provisioned (UNMAP, LBPME)
#   LAB_ISCSI_SCSI_ID=ID            LUN 1's scsi_id and scsi_sn (its VPD
#                                   0x83/0x80 identity) instead of tgt's
#                                   default from the tid and LUN
#
# LAB_ISCSI_SERVER=netrootd: build/x86_64/netrootd (DHCP off) serves IMAGE as
# LUN 0 of target IQN, to the initiators LAB_ISCSI_INITIATOR,
# LAB_ISCSI_ACL_NAMES and LAB_ISCSI_GUEST_INITIATOR (the booted guest's);
# lab_iscsi_kill is its kill -9, lab_iscsi_restart starts it again on the
# same files. LAB_ISCSI_CHAP and LAB_ISCSI_MUTUAL become the client file's
# iscsi-chap-* accounts, LAB_ISCSI_DIGESTS its [iscsi] require-digests;
# lab_iscsi_adm and the proxy are tgt's.
#
# tgt numbers LUNs from 0 and LUN 0 of every target is its own controller
# (peripheral device type 0x0c, "storage array controller", no medium): a
# backing store, whether from tgtadm or from a `backing-store` line in
# targets.conf as in the user's notes, is LUN 1. open-iscsi logs in and
# scans every LUN, so a root=UUID= on the user's boards finds it there.
#
# tgtd ignores SIGTERM while it has targets: lab_iscsi_stop deletes the
# target, asks tgtd to exit (tgtadm --op delete --mode system), and falls
# back to SIGKILL by PID. Each lab's tgtd has its
# own management socket (-C N, N from the lab's PID) inside its own /run
# (qemu/iscsi-target), so labs can run side by side.

LAB_ISCSI_IQN=${LAB_ISCSI_IQN:-iqn.cluster.tsic.top:rpi4.rootfs1}
LAB_ISCSI_INITIATOR=${LAB_ISCSI_INITIATOR:-iqn.2016-04.com.open-iscsi:netroot-lab}
LAB_ISCSI_PORT=3260
LAB_ISCSI_SERVER=${LAB_ISCSI_SERVER:-tgt}
LAB_ISCSI_LUN=1
LAB_ISCSI_PID="" LAB_ISCSI_CTL="" LAB_ISCSI_IMAGE="" LAB_ISCSI_N=0
LAB_ISCSI_PROXY_PID="" LAB_ISCSI_PROXY_IP=""

lab_iscsi_adm() {
    [ -n "$LAB_ISCSI_PID" ] || { lab_log "lab_iscsi_adm: no tgtd"; return 1; }
    nsenter --target "$LAB_ISCSI_PID" --mount --net -- \
        tgtadm -C "$LAB_ISCSI_CTL" --lld iscsi "$@"
}

lab_iscsi_url() {
    echo "iscsi://$LAB_SERVER_IP:$LAB_ISCSI_PORT/$LAB_ISCSI_IQN/${1:-$LAB_ISCSI_LUN}"
}

# netrootd as the lab's target: its configuration, then the daemon.
lab_iscsi_start_netrootd() {
    local d=$LAB_DIR/iscsi/netrootd i=0 n
    mkdir -p "$d/clients.d" "$d/state"
    printf '[netrootd]\ninterface = %s\nstate-dir = %s/state\nclients-dir = %s/clients.d\n[dhcp]\nmode = off\n' \
        "$LAB_SERVER_IF" "$d" "$d" > "$d/netrootd.conf"
    [ -z "${LAB_ISCSI_DIGESTS:-}" ] || printf '[iscsi]\nrequire-digests = %s\n' "$LAB_ISCSI_DIGESTS" >> "$d/netrootd.conf"
    printf 'mac = 02:00:00:00:0e:2e\niscsi-image = %s\niscsi-target = %s\niscsi-initiator = %s %s %s\n' \
        "$LAB_ISCSI_IMAGE" "$LAB_ISCSI_IQN" "$LAB_ISCSI_INITIATOR" "${LAB_ISCSI_ACL_NAMES:-}" \
        "${LAB_ISCSI_GUEST_INITIATOR:-}" > "$d/clients.d/lab.conf"
    if [ -n "${LAB_ISCSI_CHAP:-}" ]; then
        printf 'iscsi-chap-user = %s\niscsi-chap-secret = %s\n' "${LAB_ISCSI_CHAP%%:*}" "${LAB_ISCSI_CHAP#*:}" \
            >> "$d/clients.d/lab.conf"
    fi
    if [ -n "${LAB_ISCSI_MUTUAL:-}" ]; then
        printf 'iscsi-chap-target-user = %s\niscsi-chap-target-secret = %s\n' "${LAB_ISCSI_MUTUAL%%:*}" \
            "${LAB_ISCSI_MUTUAL#*:}" >> "$d/clients.d/lab.conf"
    fi
    chmod 600 "$d/clients.d/lab.conf"
    n=$(grep -c 'serving iSCSI' "$LAB_DIR/iscsi/netrootd.out" 2>/dev/null)
    ip netns exec "$LAB_NS" "$LAB_HERE/../build/x86_64/netrootd" -c "$d/netrootd.conf" \
        >> "$LAB_DIR/iscsi/netrootd.out" 2>&1 &
    LAB_ISCSI_PID=$!
    lab_track "$LAB_ISCSI_PID"
    until [ "$(grep -c 'serving iSCSI' "$LAB_DIR/iscsi/netrootd.out" 2>/dev/null)" -gt "${n:-0}" ]; do
        i=$((i + 1))
        if [ $i -gt 100 ] || ! kill -0 "$LAB_ISCSI_PID" 2>/dev/null; then
            lab_log "netrootd did not come up; its output:"
            tail -n 20 "$LAB_DIR/iscsi/netrootd.out" >&2
            return 1
        fi
        sleep 0.05
    done
}

lab_iscsi_tool() {
    local u="" p="" tu="" tp=""
    if [ -n "${LAB_ISCSI_CHAP:-}" ]; then u=${LAB_ISCSI_CHAP%%:*} p=${LAB_ISCSI_CHAP#*:}; fi
    if [ -n "${LAB_ISCSI_MUTUAL:-}" ]; then tu=${LAB_ISCSI_MUTUAL%%:*} tp=${LAB_ISCSI_MUTUAL#*:}; fi
    local cmd=$1
    shift
    env ${u:+LIBISCSI_CHAP_USERNAME="$u"} ${p:+LIBISCSI_CHAP_PASSWORD="$p"} \
        ${tu:+LIBISCSI_CHAP_TARGET_USERNAME="$tu"} ${tp:+LIBISCSI_CHAP_TARGET_PASSWORD="$tp"} \
        ip netns exec "$LAB_NS" timeout "${LAB_ISCSI_TOOL_TIMEOUT:-30}" \
        "$cmd" -i "$LAB_ISCSI_INITIATOR" "$@"
}

# lab_iscsi_configure: target 1, LUN 1 = the image, accounts, ACL.
lab_iscsi_configure() {
    local a u p
    lab_iscsi_adm --mode target --op new --tid 1 --targetname "$LAB_ISCSI_IQN" || return 1
    lab_iscsi_adm --mode logicalunit --op new --tid 1 --lun 1 \
        --backing-store "$LAB_ISCSI_IMAGE" || return 1
    # Thin provisioning (UNMAP punches holes in the image) and the LUN's
    # identity (VPD 0x83/0x80: tgt derives it from tid/lun unless told).
    [ -z "${LAB_ISCSI_THIN:-}" ] ||
        lab_iscsi_adm --mode logicalunit --op update --tid 1 --lun 1 --params thin_provisioning=1 || return 1
    [ -z "${LAB_ISCSI_SCSI_ID:-}" ] ||
        lab_iscsi_adm --mode logicalunit --op update --tid 1 --lun 1 \
            --params "scsi_id=$LAB_ISCSI_SCSI_ID,scsi_sn=$LAB_ISCSI_SCSI_ID" || return 1
    if [ -n "${LAB_ISCSI_CHAP:-}" ]; then
        u=${LAB_ISCSI_CHAP%%:*} p=${LAB_ISCSI_CHAP#*:}
        lab_iscsi_adm --mode account --op new --user "$u" --password "$p" &&
        lab_iscsi_adm --mode account --op bind --tid 1 --user "$u" || return 1
    fi
    if [ -n "${LAB_ISCSI_MUTUAL:-}" ]; then
        u=${LAB_ISCSI_MUTUAL%%:*} p=${LAB_ISCSI_MUTUAL#*:}
        lab_iscsi_adm --mode account --op new --user "$u" --password "$p" &&
        lab_iscsi_adm --mode account --op bind --tid 1 --user "$u" --outgoing || return 1
    fi
    if [ "${LAB_ISCSI_ACL:-ALL}" = ALL ] && [ -z "${LAB_ISCSI_ACL_NAMES:-}" ]; then
        lab_iscsi_adm --mode target --op bind --tid 1 --initiator-address ALL || return 1
    else
        for a in $LAB_SERVER_IP ${LAB_ISCSI_ACL:-}; do
            [ "$a" = ALL ] && continue
            lab_iscsi_adm --mode target --op bind --tid 1 --initiator-address "$a" || return 1
        done
        for a in ${LAB_ISCSI_ACL_NAMES:-}; do
            lab_iscsi_adm --mode target --op bind --tid 1 --initiator-name "$a" || return 1
        done
        [ -z "${LAB_ISCSI_ACL_NAMES:-}" ] ||
            lab_iscsi_adm --mode target --op bind --tid 1 --initiator-name "$LAB_ISCSI_INITIATOR" || return 1
    fi
}

lab_iscsi_start() {
    local i=0
    LAB_ISCSI_IMAGE=$(cd "$(dirname "$1")" && pwd)/$(basename "$1") || return 1
    [ -f "$LAB_ISCSI_IMAGE" ] || { lab_log "lab_iscsi_start: no image $1"; return 1; }
    [ -n "${2:-}" ] && LAB_ISCSI_IQN=$2
    if [ "$LAB_ISCSI_SERVER" = netrootd ]; then
        LAB_ISCSI_LUN=0
        mkdir -p "$LAB_DIR/iscsi"
        lab_iscsi_start_netrootd
        return
    fi
    # The management socket's number: from our PID, so parallel labs differ
    # even if they shared a /run (they do not: qemu/iscsi-target).
    LAB_ISCSI_CTL=$(( ($$ % 30000) + 1000 ))
    LAB_ISCSI_N=$((LAB_ISCSI_N + 1))
    mkdir -p "$LAB_DIR/iscsi"
    # ip, unshare and the script all exec: $! is tgtd itself.
    ip netns exec "$LAB_NS" unshare --mount --propagation private \
        sh "$LAB_HERE/iscsi-target" "$LAB_DIR/iscsi" \
        "$LAB_SERVER_IP:$LAB_ISCSI_PORT" "$LAB_ISCSI_CTL" \
        >> "$LAB_DIR/iscsi/tgtd.out" 2>&1 &
    LAB_ISCSI_PID=$!
    # tgtd answers tgtadm once its socket exists: poll (100 x 0.05 s).
    until lab_iscsi_adm --mode sys --op show > /dev/null 2>&1; do
        i=$((i + 1))
        if [ $i -gt 100 ] || ! kill -0 "$LAB_ISCSI_PID" 2>/dev/null; then
            lab_log "tgtd did not come up; its output:"
            tail -n 20 "$LAB_DIR/iscsi/tgtd.out" >&2
            lab_iscsi_stop
            return 1
        fi
        sleep 0.05
    done
    lab_iscsi_configure > "$LAB_DIR/iscsi/tgtadm.out" 2>&1 || {
        lab_log "tgtadm could not configure the target:"
        cat "$LAB_DIR/iscsi/tgtadm.out" >&2
        lab_iscsi_stop
        return 1
    }
}

# Discovery sessions have no account in tgt (CHAP is per target), so
# libiscsi must not insist on mutual CHAP there: no target secret for it.
lab_iscsi_ready() {
    LAB_ISCSI_TOOL_TIMEOUT=5 LAB_ISCSI_MUTUAL="" lab_iscsi_tool iscsi-ls "iscsi://$LAB_SERVER_IP:$LAB_ISCSI_PORT/" 2>/dev/null |
        grep -qF "$LAB_ISCSI_IQN" &&
    LAB_ISCSI_TOOL_TIMEOUT=5 lab_iscsi_tool iscsi-inq "$(lab_iscsi_url)" > /dev/null 2>&1
}

lab_iscsi_wait() {
    local deadline=${1:-10} t0 now
    t0=$(date +%s%N)
    while :; do
        if lab_iscsi_ready; then
            now=$(date +%s%N)
            LAB_ISCSI_READY_MS=$(( (now - t0) / 1000000 ))
            return 0
        fi
        if ! kill -0 "$LAB_ISCSI_PID" 2>/dev/null; then
            lab_log "tgtd exited; its output:"
            tail -n 20 "$LAB_DIR/iscsi/tgtd.out" >&2
            return 1
        fi
        now=$(date +%s%N)
        if [ $(( (now - t0) / 1000000000 )) -ge "$deadline" ]; then
            lab_log "iSCSI target not ready after ${deadline}s; tgtd output:"
            tail -n 20 "$LAB_DIR/iscsi/tgtd.out" >&2
            return 1
        fi
        sleep 0.1
    done
}

lab_iscsi_kill() {
    [ -n "$LAB_ISCSI_PID" ] || return 0
    kill -KILL "$LAB_ISCSI_PID" 2>/dev/null
    wait "$LAB_ISCSI_PID" 2>/dev/null
    LAB_ISCSI_PID=""
}

lab_iscsi_restart() {
    local down=${1:-5}
    lab_iscsi_kill
    sleep "$down"
    lab_iscsi_start "$LAB_ISCSI_IMAGE" && lab_iscsi_wait 20
}

lab_iscsi_stop() {
    [ -n "$LAB_ISCSI_PID" ] || return 0
    if [ "$LAB_ISCSI_SERVER" = netrootd ]; then
        kill "$LAB_ISCSI_PID" 2>/dev/null
        wait "$LAB_ISCSI_PID" 2>/dev/null
        LAB_ISCSI_PID=""
        return 0
    fi
    # tgtd ignores SIGTERM while it has targets; "delete --mode system" is
    # its own orderly shutdown (what Debian's init script does). SIGKILL
    # after 3 s if it is still there.
    local i=0
    lab_iscsi_adm --mode target --op delete --force --tid 1 > /dev/null 2>&1
    lab_iscsi_adm --mode system --op delete > /dev/null 2>&1
    while kill -0 "$LAB_ISCSI_PID" 2>/dev/null && [ $i -lt 30 ]; do
        sleep 0.1; i=$((i + 1))
    done
    kill -KILL "$LAB_ISCSI_PID" 2>/dev/null
    wait "$LAB_ISCSI_PID" 2>/dev/null
    LAB_ISCSI_PID=""
}

lab_iscsi_proxy_start() {
    local i=0
    LAB_ISCSI_PROXY_IP=$LAB_NET.2
    mkdir -p "$LAB_DIR/iscsi"
    ip -n "$LAB_NS" addr add "$LAB_ISCSI_PROXY_IP/24" dev "$LAB_SERVER_IF" || return 1
    ip netns exec "$LAB_NS" python3 "$LAB_HERE/iscsi-proxy" "$LAB_ISCSI_PROXY_IP:$LAB_ISCSI_PORT" \
        "$LAB_SERVER_IP:$LAB_ISCSI_PORT" >> "$LAB_DIR/iscsi/proxy.out" 2>&1 &
    LAB_ISCSI_PROXY_PID=$!
    lab_track "$LAB_ISCSI_PROXY_PID"
    until grep -q 'listening on' "$LAB_DIR/iscsi/proxy.out" 2>/dev/null; do
        i=$((i + 1))
        if [ $i -gt 100 ] || ! kill -0 "$LAB_ISCSI_PROXY_PID" 2>/dev/null; then
            lab_log "iscsi-proxy did not start:"
            cat "$LAB_DIR/iscsi/proxy.out" >&2
            return 1
        fi
        sleep 0.05
    done
}

lab_iscsi_proxy_logout() {
    case ${1:-1} in
        1) kill -USR1 "$LAB_ISCSI_PROXY_PID" ;;
        4) kill -USR2 "$LAB_ISCSI_PROXY_PID" ;;
        *) return 1 ;;
    esac
}

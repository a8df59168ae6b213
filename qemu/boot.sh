# qemu/boot.sh: start an arm64 guest inside the lab namespace; sourced after
# qemu/lab.sh.
#
#   LAB_GUEST_ARCH=x86_64               (set before the calls; default
#                                       aarch64) an x86_64 guest instead:
#                                       qemu-system-x86_64 -M pc, TCG, the
#                                       amd64 kernel in $LAB_CACHE/amd64
#                                       (bench/boot fetches it), console
#                                       ttyS0. Unset, nothing changes.
#
#   lab_kernel_path                     -> vmlinuz of the cached arm64 kernel
#   lab_qemu_start KERNEL INITRD "APPEND" LOG [MAC [MAC2]]
#                                       -> sets LAB_QEMU_PID (tracked)
#   lab_qemu_running                    -> 0 while qemu is alive
#   LAB_QEMU_ARGS                       extra qemu options (word-split), e.g.
#                                       "-smp 2" (bench/iscsi-root)
#
# The guest gets one virtio-net-pci NIC per tap of the lab (LAB_TAPS, set
# by lab_netns_up: tap0, or tap0 and tap1), in that order, so tap0 is the
# guest's eth0 and tap1 its eth1. MACs: 52:54:00:12:34:56 (MAC) and
# 52:54:00:12:34:57 (MAC2). The taps live in the lab's namespace; the
# console (ttyAMA0) goes to LOG. -no-reboot turns the guest's
# reboot (e.g. after panic=N) and poweroff into qemu exiting. romfile= drops
# the NIC's iPXE option ROM: useless with -kernel, and efi-virtio.rom is in
# ipxe-qemu, which the lab does not install.

LAB_ROOT=$(cd "$LAB_HERE/.." && pwd)
LAB_CACHE=${NETROOT_CACHE:-$LAB_ROOT/.cache}

# The Debian architecture name of the guest's kernel cache.
lab_guest_debarch() {
    case ${LAB_GUEST_ARCH:-aarch64} in
        x86_64|amd64) echo amd64 ;;
        *) echo arm64 ;;
    esac
}

lab_kernel_version() {
    local a
    a=$(lab_guest_debarch)
    [ -s "$LAB_CACHE/$a/kernel-version" ] || {
        if [ "$a" = arm64 ]; then
            lab_log "no arm64 kernel in $LAB_CACHE (run scripts/install-deps all)"
        else
            lab_log "no $a kernel in $LAB_CACHE (bench/boot fetches it)"
        fi
        return 1
    }
    cat "$LAB_CACHE/$a/kernel-version"
}

lab_kernel_path() {
    local v
    v=$(lab_kernel_version) || return 1
    echo "$LAB_CACHE/$(lab_guest_debarch)/boot/vmlinuz-$v"
}

LAB_MACS="52:54:00:12:34:56 52:54:00:12:34:57"

lab_qemu_start() {
    local kernel=$1 initrd=$2 append=$3 log=$4 t i=0
    local -a macs nics=()
    read -r -a macs <<< "${5:-${LAB_MACS% *}} ${6:-${LAB_MACS#* }}"
    for t in ${LAB_TAPS:-$LAB_TAP}; do
        nics+=(-netdev "tap,id=n$i,ifname=$t,script=no,downscript=no"
               -device "virtio-net-pci,netdev=n$i,mac=${macs[$i]},romfile=")
        i=$((i + 1))
    done
    local console=ttyAMA0
    local -a machine=(qemu-system-aarch64 -M virt -cpu cortex-a72)
    if [ "$(lab_guest_debarch)" = amd64 ]; then
        machine=(qemu-system-x86_64 -M pc) console=ttyS0
    fi
    # ip netns exec execs qemu, so $! is qemu's own PID.
    # shellcheck disable=SC2086
    ip netns exec "$LAB_NS" "${machine[0]}" ${LAB_QEMU_ARGS:-} \
        "${machine[@]:1}" -m 1024 -nographic -no-reboot -accel tcg \
        -kernel "$kernel" -initrd "$initrd" \
        -append "console=$console $append" \
        "${nics[@]}" \
        < /dev/null > "$log" 2>&1 &
    LAB_QEMU_PID=$!
    lab_track "$LAB_QEMU_PID"
}

lab_qemu_running() { kill -0 "$LAB_QEMU_PID" 2>/dev/null; }

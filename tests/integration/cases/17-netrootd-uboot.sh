#!/bin/bash
# U-Boot (Debian's u-boot-qemu, qemu_arm64) under qemu-system-aarch64 on the
# lab's bridge, netrootd serving DHCP with a U-Boot boot file and TFTP:
# U-Boot's own boot sequence (distro boot: DHCP, then TFTP of the boot
# file) must get its address and boot file from netrootd, load the boot
# script (a mkimage script image) over TFTP, and the script must load the
# arm64 kernel (32 MB) from netrootd over TFTP, byte count checked. Once
# per run (the client under test does not take part).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/../lib.sh"
if [ "$IT_CLIENT" != ours ]; then
    skip "U-Boot" "runs once, with the default client"
    exit 0
fi
ub=/usr/lib/u-boot/qemu_arm64/u-boot.bin
[ -f "$ub" ] || { notok "no $ub (scripts/install-deps all)"; exit 1; }
lab_init it
lab_netns_up || { notok "lab: cannot create the namespace"; exit 1; }
d=$LAB_DIR/uboot
mkdir -p "$d/state" "$d/clients.d" "$d/tftp"
kernel=$(ls "$IT_ROOT"/.cache/arm64/boot/vmlinuz-* 2>/dev/null | head -n1)
[ -n "$kernel" ] || { notok "no arm64 kernel in .cache/arm64/boot (scripts/install-deps all)"; exit 1; }
cp "$kernel" "$d/tftp/vmlinuz"
ksize=$(printf '%x' "$(stat -c %s "$kernel")")
cat > "$d/boot.txt" <<'SCR'
echo NETROOT-SCRIPT-LOADED
tftpboot ${kernel_addr_r} vmlinuz
echo NETROOT-KERNEL-LOADED ${filesize}
SCR
mkimage -A arm64 -O linux -T script -C none -d "$d/boot.txt" "$d/tftp/boot.scr.uimg" > /dev/null ||
    { notok "mkimage (u-boot-tools) failed"; exit 1; }
cat > "$d/netrootd.conf" <<CONF
[netrootd]
interface = br-lab
state-dir = $d/state
clients-dir = $d/clients.d
[dhcp]
lease-time = 1h
[pool br-lab]
range = 10.77.0.100 10.77.0.149
netmask = 255.255.255.0
router = 10.77.0.1
[boot]
uboot = boot.scr.uimg
[tftp]
root = $d/tftp
CONF
it_netrootd "$d/netrootd.conf" "$d/netrootd.log"
ip netns exec "$LAB_NS" timeout 240 qemu-system-aarch64 -M virt -cpu cortex-a57 -m 256 -nographic -no-reboot \
    -bios "$ub" -netdev tap,id=n0,ifname=tap0,script=no,downscript=no \
    -device virtio-net-pci,netdev=n0,mac=52:54:00:12:34:56,romfile= > "$d/console.log" 2>&1 < /dev/null &
qpid=$!
lab_track "$qpid"
for _ in $(seq 2400); do
    grep -aq "NETROOT-KERNEL-LOADED\|Retry count exceeded\|TFTP error" "$d/console.log" && break
    kill -0 "$qpid" 2>/dev/null || break
    sleep 0.1
done
kill "$qpid" 2>/dev/null
check "netrootd ACKed U-Boot's REQUEST" \
    grep -Eq 'REQUEST from ([0-9a-f]{2}:){5}[0-9a-f]{2} on br-lab: ACK 10\.77\.0\.1[0-4][0-9]' "$d/netrootd.log"
check "U-Boot: DHCP client bound to a pool address" \
    grep -Eq 'DHCP client bound to address 10\.77\.0\.1[0-4][0-9]' "$d/console.log"
check "U-Boot asks TFTP for the boot file netrootd gave it (boot.scr.uimg)" \
    grep -q "Filename 'boot.scr.uimg'" "$d/console.log"
check "U-Boot loaded the boot script from netrootd's TFTP and ran it" grep -aq '^NETROOT-SCRIPT-LOADED' "$d/console.log"
check "the script loaded the kernel from netrootd: $((16#$ksize)) bytes" grep -aqi "^NETROOT-KERNEL-LOADED $ksize" "$d/console.log"
check "netrootd logged both transfers" \
    bash -c "grep -q 'boot.scr.uimg: sent' '$d/netrootd.log' && grep -q 'vmlinuz: sent' '$d/netrootd.log'"
grep -o 'vmlinuz: sent.*' "$d/netrootd.log" | sed 's/^/# /'
if [ "$IT_FAILS" -gt 0 ]; then
    echo "#   U-Boot console:"; grep -aE 'DHCP|BOOTP|TFTP|Filename|bound|virtio' "$d/console.log" | tail -n 15 | sed 's/^/#     /'
    echo "#   netrootd:"; tail -n 8 "$d/netrootd.log" | sed 's/^/#     /'
fi
exit $(( IT_FAILS > 0 ))

#!/bin/bash
# U-Boot (Debian's u-boot-qemu, qemu_arm64) under qemu-system-aarch64 on the
# lab's bridge, netrootd serving DHCP with a U-Boot boot file: U-Boot's own
# boot sequence (distro boot: DHCP, then TFTP of the boot file) must get
# its address and boot file from netrootd. netrootd has no TFTP server yet,
# so U-Boot's TFTP then times out; only the DHCP part is checked. Once per
# run (the client under test does not take part).
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
mkdir -p "$d/state" "$d/clients.d"
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
CONF
it_netrootd "$d/netrootd.conf" "$d/netrootd.log"
ip netns exec "$LAB_NS" timeout 120 qemu-system-aarch64 -M virt -cpu cortex-a57 -m 256 -nographic -no-reboot \
    -bios "$ub" -netdev tap,id=n0,ifname=tap0,script=no,downscript=no \
    -device virtio-net-pci,netdev=n0,mac=52:54:00:12:34:56,romfile= > "$d/console.log" 2>&1 < /dev/null &
qpid=$!
lab_track "$qpid"
for _ in $(seq 1200); do
    grep -q "Filename 'boot.scr.uimg'" "$d/console.log" && break
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
if [ "$IT_FAILS" -gt 0 ]; then
    echo "#   U-Boot console:"; grep -aE 'DHCP|BOOTP|TFTP|Filename|bound|virtio' "$d/console.log" | tail -n 15 | sed 's/^/#     /'
    echo "#   netrootd:"; tail -n 8 "$d/netrootd.log" | sed 's/^/#     /'
fi
exit $(( IT_FAILS > 0 ))

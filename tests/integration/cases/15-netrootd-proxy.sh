#!/bin/bash
# Proxy mode beside the LAN's own DHCP server, as the official Raspberry Pi
# netboot tutorial sets up with dnsmasq: dnsmasq plays the home router (it
# hands out the addresses) and netrootd, on the same link, answers only PXE
# clients, with the boot block and no address. A Pi 4's DISCOVER
# (tests/integration/pxe-client) must get both OFFERs and merge them; an
# ordinary client (ours here) gets its address from dnsmasq, and netrootd
# stays silent to it.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/../lib.sh"
it_setup
it_server dnsmasq
d=$LAB_DIR/proxy
mkdir -p "$d/state" "$d/clients.d"
cat > "$d/netrootd.conf" <<CONF
[netrootd]
interface = veth-s
state-dir = $d/state
clients-dir = $d/clients.d
[dhcp]
mode = proxy
CONF
it_netrootd "$d/netrootd.conf" "$d/log"
check "netrootd serves in proxy mode beside dnsmasq" grep -q 'serving DHCP (proxy)' "$d/log"

# The Pi's own MAC on the link, as a real board has it.
ip -n "$LAB_CNS" link set "$LAB_CLIENT_IF" address dc:a6:32:01:02:03
ip -n "$LAB_CNS" link set "$LAB_CLIENT_IF" up
sleep 0.5
ip netns exec "$LAB_CNS" timeout 10 python3 "$IT_HERE/pxe-client" "$LAB_CLIENT_IF" pi4 2 > "$LAB_DIR/pxe.out" 2>&1
sed 's/^/#   /' "$LAB_DIR/pxe.out"
check "the Pi 4 gets an address OFFER from dnsmasq" \
    grep -Eq 'yiaddr=10\.77\.0\.1[0-4][0-9] .*opt43= ' "$LAB_DIR/pxe.out"
check "and the proxy OFFER from netrootd: no address, siaddr, the Raspberry Pi Boot menu, PXEClient, option 66, no PAD" \
    grep -Eq 'yiaddr=0\.0\.0\.0 siaddr=10\.77\.0\.1 opt43=06010[0-9a-f]*52617370626572727920506920426f6f74ff opt60=PXEClient opt66=10\.77\.0\.1 .* pads=0' \
    "$LAB_DIR/pxe.out"
ip -n "$LAB_CNS" link set "$LAB_CLIENT_IF" down
ip -n "$LAB_CNS" link set "$LAB_CLIENT_IF" address "$IT_MAC"
it_client
it_configured '10\.77\.0\.1[0-4][0-9]'
check "netrootd (proxy) did not answer the ordinary client" eval "! grep -q 'from $IT_MAC' '$d/log'"
kill "$NRD_PID" 2>/dev/null
it_done

#!/bin/bash
# SIGHUP: a board file added while netrootd runs takes effect without a
# restart, and the leases stay. First the client gets a pool address; then
# clients.d/late.conf reserves 10.77.0.77 for its MAC, netrootd gets SIGHUP,
# and the client, booting again, gets 10.77.0.77.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/../lib.sh"
it_setup
it_server netrootd
it_client
a1=$(it_addr)
if [[ "$a1" =~ ^10\.77\.0\.1[0-4][0-9]/24$ ]]; then ok "first boot: a pool address ($a1)"
else notok "first boot: a pool address (${a1:-none})"; fi
printf 'mac = %s\naddress = 10.77.0.77\n' "$IT_MAC" > "$LAB_DHCP_DIR/clients.d/late.conf"
kill -HUP "$LAB_DHCP_PID"
for _ in $(seq 100); do it_server_saw 'reloaded' && break; sleep 0.05; done
check "netrootd reloaded, keeping the lease" it_server_saw 'reloaded .*: 1 board, 1 leases kept'
ip -n "$LAB_CNS" addr flush dev "$LAB_CLIENT_IF"
ip -n "$LAB_CNS" link set "$LAB_CLIENT_IF" down
it_client
check "after SIGHUP the board's reserved address: $(it_addr)" [ "$(it_addr)" = 10.77.0.77/24 ]
it_done

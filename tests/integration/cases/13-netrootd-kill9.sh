#!/bin/bash
# Leases survive kill -9: the client gets an address; netrootd is killed
# with SIGKILL and started again on the same state directory; a second
# client (another MAC) must get a different address, and the first client,
# asking again, its own address back.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/../lib.sh"
it_setup
DHCP_POOL="100 101" it_server netrootd
it_client
a1=$(it_addr)
check "first client bound (${a1:-none})" [ -n "$a1" ]
dir=$LAB_DHCP_DIR
kill -9 "$LAB_DHCP_PID"
wait "$LAB_DHCP_PID" 2>/dev/null
it_netrootd "$dir/netrootd.conf" "$dir/netrootd-2.log"
check "restarted netrootd read the lease back" grep -q 'leases: 1 from' "$dir/netrootd-2.log"
# the same client again, from scratch (a reboot): its own address
ip -n "$LAB_CNS" addr flush dev "$LAB_CLIENT_IF"
it_client
check "after kill -9 and restart the client gets ${a1%/*} again" [ "$(it_addr)" = "$a1" ]
# another MAC: the other address of the pool of two
ip -n "$LAB_CNS" addr flush dev "$LAB_CLIENT_IF"
ip -n "$LAB_CNS" link set "$LAB_CLIENT_IF" down
ip -n "$LAB_CNS" link set "$LAB_CLIENT_IF" address 52:54:00:77:00:99
it_client
a2=$(it_addr)
check "a second board gets the other address (${a2:-none}), never ${a1%/*}" \
    [ -n "$a2" ] && [ "$a2" != "$a1" ]
kill "$NRD_PID" 2>/dev/null
it_done

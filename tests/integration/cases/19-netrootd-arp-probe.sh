#!/bin/bash
# arp-probe: netrootd asks "who has A?" before it offers a new address A,
# and offers another when a host answers. First the client alone: it gets
# its first choice X, probed. Then netrootd starts over with no leases and
# a host set by hand at X sits on the link (a macvlan beside the client,
# MAC 02:00:00:00:00:66, answering ARP for X): the client must get the
# other address of the pool, and netrootd must say X is in use.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/../lib.sh"
it_setup
DHCP_PING=1 DHCP_POOL="100 101" it_server netrootd
it_client
a1=$(it_addr)
x=${a1%/*}
check "alone on the link: the client gets its first choice (${a1:-none})" [ -n "$a1" ]
check "netrootd probed it before the OFFER" it_server_saw "probing $x \\(ARP\\) before offering it"
# netrootd again from no leases at all
dir=$LAB_DHCP_DIR
kill "$LAB_DHCP_PID"
wait "$LAB_DHCP_PID" 2>/dev/null
rm -f "$dir/state/leases.journal"
ip -n "$LAB_CNS" addr flush dev "$LAB_CLIENT_IF"
ip -n "$LAB_CNS" link set "$LAB_CLIENT_IF" down
# the squatter: only the interface holding an address answers for it
ip netns exec "$LAB_CNS" sysctl -qw net.ipv4.conf.all.arp_ignore=1
ip -n "$LAB_CNS" link add squat0 link "$LAB_CLIENT_IF" address 02:00:00:00:00:66 type macvlan mode bridge &&
    ip -n "$LAB_CNS" addr add "$x/32" dev squat0 && ip -n "$LAB_CNS" link set squat0 up ||
    notok "lab: cannot add the squatter at $x"
if it_netrootd "$dir/netrootd.conf" "$dir/netrootd-2.log"; then ok "netrootd restarted"; else notok "netrootd restarted"; fi
it_client
a2=$(it_addr)
check "with a host at $x, the client gets the other address (${a2:-none})" \
    [ -n "$a2" ] && [ "${a2%/*}" != "$x" ]
check "netrootd logged the conflict" \
    grep -q "$x is in use by 02:00:00:00:00:66, which has no lease from netrootd" "$dir/netrootd-2.log"
kill "$NRD_PID" 2>/dev/null
it_done

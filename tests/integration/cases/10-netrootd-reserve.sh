#!/bin/bash
# A board's file in clients.d reserves 10.77.0.42 and the hostname resv42
# for the client's MAC: the client must take exactly that address and
# report the hostname.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/../lib.sh"
it_setup
DHCP_RESERVE=$IT_MAC,10.77.0.42,resv42 it_server netrootd
it_client
it_configured '10\.77\.0\.42'
check "net-veth-c.conf: HOSTNAME='resv42' (option 12)" [ "$(it_conf HOSTNAME)" = resv42 ]
check "netrootd names the board in its log" it_server_saw "from $IT_MAC \\(resv42\\)"
it_done

#!/bin/bash
# Privileges: with [netrootd] user = nobody, netrootd binds port 67 as root
# and then runs as nobody (no capabilities left), and still serves and
# journals leases.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/../lib.sh"
it_setup
DHCP_USER=nobody it_server netrootd
uid=$(awk '/^Uid:/ { print $2, $3, $4, $5 }' "/proc/$LAB_DHCP_PID/status" 2>/dev/null)
capeff=$(awk '/^CapEff:/ { print $2 }' "/proc/$LAB_DHCP_PID/status" 2>/dev/null)
nobody=$(id -u nobody)
check "netrootd runs as nobody (uid $uid)" [ "$uid" = "$nobody $nobody $nobody $nobody" ]
check "with no effective capability ($capeff)" [ "$capeff" = 0000000000000000 ]
it_client
it_configured '10\.77\.0\.1[0-4][0-9]'
check "the lease is journaled after the drop (through the descriptor opened before it)" [ -s "$LAB_DHCP_DIR/state/leases.journal" ]
it_done

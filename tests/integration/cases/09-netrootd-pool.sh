#!/bin/bash
# netrootd hands out an address from its pool (10.77.0.100-149) and writes
# the lease to its journal before the ACK.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/../lib.sh"
it_setup
it_server netrootd
it_client
it_configured '10\.77\.0\.1[0-4][0-9]'
a=$(it_addr)
check "netrootd logged the ACK of ${a%/*} to $IT_MAC" \
    it_server_saw "REQUEST from $IT_MAC on veth-s: ACK ${a%/*} for 3600 s"
check "the lease is in netrootd's journal" [ -s "$LAB_DHCP_DIR/state/leases.journal" ]
it_done

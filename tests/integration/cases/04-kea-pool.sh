#!/bin/bash
# ISC Kea hands out an address from its pool (10.77.0.100-149).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/../lib.sh"
it_setup
it_server kea
it_client
it_configured '10\.77\.0\.1[0-4][0-9]'
a=$(it_addr)
check "Kea's lease file holds ${a%/*} for $IT_MAC" \
    grep -q "^${a%/*},$IT_MAC," "$LAB_DHCP_DIR/kea-leases4.csv"
it_done

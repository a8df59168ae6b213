#!/bin/bash
# dnsmasq hands out an address from its pool (10.77.0.100-149).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/../lib.sh"
it_setup
it_server dnsmasq
it_client
it_configured '10\.77\.0\.1[0-4][0-9]'
a=$(it_addr)
check "dnsmasq's lease file holds ${a%/*} for $IT_MAC" \
    grep -q " $IT_MAC ${a%/*} " "$LAB_DHCP_DIR/dnsmasq.leases"
it_done

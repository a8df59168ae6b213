#!/bin/bash
# Kea reserves 10.77.0.43 (outside the pool) and the hostname resv43 for the
# client's MAC.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/../lib.sh"
it_setup
DHCP_RESERVE=$IT_MAC,10.77.0.43,resv43 it_server kea
it_client
it_configured '10\.77\.0\.43'
check "net-veth-c.conf: HOSTNAME='resv43' (option 12)" [ "$(it_conf HOSTNAME)" = resv43 ]
it_done

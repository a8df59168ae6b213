#!/bin/bash
# netrootd with rapid-commit = yes: a client offering Rapid Commit (RFC
# 4039) in its DISCOVER gets the ACK at once. Proof: netrootd's log has the
# ACK answering the DISCOVER and no REQUEST.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/../lib.sh"
it_setup
DHCP_RAPID=1 it_server netrootd
it_client
it_configured '10\.77\.0\.1[0-4][0-9]'
if [ "$IT_CLIENT" != ours ]; then
    skip "two-message exchange" "$IT_CLIENT does not offer Rapid Commit"
else
    check "netrootd ACKed the DISCOVER (rapid commit)" it_server_saw "DISCOVER from $IT_MAC .*: ACK .*\\(rapid commit\\)"
    check "no REQUEST" eval '! it_server_saw "REQUEST from"'
fi
it_done

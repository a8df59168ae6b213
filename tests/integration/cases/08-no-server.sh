#!/bin/bash
# No DHCP server on the link: the client must give up on its own after
# netroot.dhcp_timeout= (plus a few seconds), exit nonzero and say in a
# FAILED line that DHCP got no answer — never hang, never succeed.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/../lib.sh"
it_setup
it_client
# 124/137: the harness' own timeout ended it, which is a hang, not a failure.
# shellcheck disable=SC2016  # evaluated by check
check "client exits nonzero by itself (exit $CLIENT_RC)" \
    eval '[ "$CLIENT_RC" -ne 0 ] && [ "$CLIENT_RC" -ne 124 ] && [ "$CLIENT_RC" -ne 137 ]'
limit=$(( (IT_DHCP_TIMEOUT + 5) * 1000 ))
check "gave up in ${CLIENT_MS} ms (dhcp_timeout ${IT_DHCP_TIMEOUT} s + 5 s = $limit ms at most)" \
    [ "$CLIENT_MS" -le "$limit" ]
check "did not give up before dhcp_timeout" [ "$CLIENT_MS" -ge $(( (IT_DHCP_TIMEOUT - 1) * 1000 )) ]
check "a FAILED line names DHCP" grep -Eq 'FAILED:.*(DHCP|dhcp)' "$CLIENT_OUT"
check "no address on veth-c" [ -z "$(it_addr)" ]
check "no net-veth-c.conf" [ ! -e "$RUN/net-veth-c.conf" ]
it_done

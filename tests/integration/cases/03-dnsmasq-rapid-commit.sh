#!/bin/bash
# dnsmasq with --dhcp-rapid-commit: a client that offers Rapid Commit
# (RFC 4039, option 80) in its DISCOVER gets the ACK at once, with no
# OFFER/REQUEST round trip. Proof: the server log has a DISCOVER and an ACK
# for the client and no REQUEST.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/../lib.sh"
it_setup
DHCP_RAPID=1 it_server dnsmasq
it_client
it_configured '10\.77\.0\.1[0-4][0-9]'
if [ "$IT_CLIENT" != ours ]; then
    skip "two-message exchange" "$IT_CLIENT does not offer Rapid Commit"
else
    check "dnsmasq saw a DHCPDISCOVER" it_server_saw "DHCPDISCOVER\\([^)]*\\).* $IT_MAC"
    check "dnsmasq sent a DHCPACK" it_server_saw "DHCPACK\\([^)]*\\).* $IT_MAC"
    check "no DHCPREQUEST: the ACK answered the DISCOVER (rapid commit)" \
        eval '! it_server_saw "DHCPREQUEST\\([^)]*\\)"'
    check "the client says rapid commit" grep -qi 'rapid commit' "$CLIENT_OUT"
fi
it_done

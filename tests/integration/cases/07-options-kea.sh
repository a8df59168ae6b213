#!/bin/bash
# The same options from Kea (which, like dnsmasq, sends only the options the
# client asks for).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/../lib.sh"
it_setup
DHCP_ROOTPATH=10.77.0.1:/export DHCP_DNS=10.77.0.53 DHCP_DOMAIN=kea.lab.test it_server kea
it_client
it_configured '10\.77\.0\.1[0-4][0-9]'
check "net-veth-c.conf: ROOTPATH='10.77.0.1:/export'" [ "$(it_conf ROOTPATH)" = 10.77.0.1:/export ]
check "net-veth-c.conf: IPV4DNS0='10.77.0.53'" [ "$(it_conf IPV4DNS0)" = 10.77.0.53 ]
check "net-veth-c.conf: DNSDOMAIN='kea.lab.test'" [ "$(it_conf DNSDOMAIN)" = kea.lab.test ]
if r=$(it_resolv); then
    check "${r#"$RUN"/}: nameserver 10.77.0.53" grep -qx 'nameserver 10.77.0.53' "$r"
else
    notok "no resolv.conf in the run dir (netroot/resolv.conf)"
fi
it_done

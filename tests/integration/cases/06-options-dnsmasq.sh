#!/bin/bash
# What the boot needs besides the address, from dnsmasq: root path (option
# 17), DNS server (6) and domain (15) must reach net-veth-c.conf and
# resolv.conf. dnsmasq sends option 17 only to a client that asks for it.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/../lib.sh"
it_setup
DHCP_ROOTPATH=10.77.0.1:/srv/nfs/pi-%s,vers=3 DHCP_DNS=10.77.0.53 DHCP_DOMAIN=boot.lab.test \
    it_server dnsmasq
it_client
it_configured '10\.77\.0\.1[0-4][0-9]'
check "net-veth-c.conf: ROOTPATH='10.77.0.1:/srv/nfs/pi-%s,vers=3'" \
    [ "$(it_conf ROOTPATH)" = "10.77.0.1:/srv/nfs/pi-%s,vers=3" ]
check "net-veth-c.conf: IPV4DNS0='10.77.0.53'" [ "$(it_conf IPV4DNS0)" = 10.77.0.53 ]
check "net-veth-c.conf: DNSDOMAIN='boot.lab.test'" [ "$(it_conf DNSDOMAIN)" = boot.lab.test ]
if r=$(it_resolv); then
    check "${r#"$RUN"/}: nameserver 10.77.0.53" grep -qx 'nameserver 10.77.0.53' "$r"
    check "${r#"$RUN"/}: search boot.lab.test" grep -qx 'search boot.lab.test' "$r"
else
    notok "no resolv.conf in the run dir (netroot/resolv.conf)"
fi
it_done

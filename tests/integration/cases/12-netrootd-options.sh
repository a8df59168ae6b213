#!/bin/bash
# What the boot needs besides the address, from netrootd: root path (option
# 17), DNS server (6) and domain (15) reach net-veth-c.conf (every client
# here asks for 17; netrootd sends an option only to a client that asks).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/../lib.sh"
it_setup
DHCP_ROOTPATH=10.77.0.1:/srv/nfs/pi-%s,vers=3 DHCP_DNS=10.77.0.53 DHCP_DOMAIN=boot.lab.test \
    it_server netrootd
it_client
it_configured '10\.77\.0\.1[0-4][0-9]'
check "net-veth-c.conf: ROOTPATH='10.77.0.1:/srv/nfs/pi-%s,vers=3'" \
    [ "$(it_conf ROOTPATH)" = "10.77.0.1:/srv/nfs/pi-%s,vers=3" ]
check "net-veth-c.conf: IPV4DNS0='10.77.0.53'" [ "$(it_conf IPV4DNS0)" = 10.77.0.53 ]
check "net-veth-c.conf: DNSDOMAIN='boot.lab.test'" [ "$(it_conf DNSDOMAIN)" = boot.lab.test ]
it_done

/* What the network step leaves for the booted system, and what the kernel
 * left for us.
 *
 * netconf_format() writes klibc ipconfig's /run/net-<dev>.conf format:
 * KEY='value' lines that initramfs-tools, open-iscsi's net-interface-handler,
 * cloud-init and netplan source. Key order and quoting follow klibc's
 * dump_device_config(); PROTO is 'none' for a static address (not "static").
 *
 * pnp_parse() reads /proc/net/pnp, which a kernel with CONFIG_IP_PNP writes
 * after it configured ip= itself (Raspberry Pi kernels do). Pure code. */
#ifndef NETROOT_NETCONF_H
#define NETROOT_NETCONF_H

#include "cmdline.h"
#include "dhcp_lease.h"

#define DOMAIN_LEN 256

struct net_result {
	char device[IFNAME_LEN];
	const char *proto;              /* "none", "dhcp", "bootp" */
	in4_t addr, netmask, broadcast, gateway;
	in4_t dns[DHCP_LEASE_DNS];      /* all go to resolv.conf; net-<dev>.conf has room for 2 */
	in4_t rootserver;
	char hostname[HOSTNAME_LEN];
	char dnsdomain[DOMAIN_LEN];
	char nisdomain[DOMAIN_LEN];
	char rootpath[PATH_LEN];
	char filename[PATH_LEN];
	char domainsearch[DOMAIN_LEN];
	unsigned long uptime;           /* seconds since boot when configured */
	unsigned long leasetime;        /* DHCP lease, 0 for static */
};

/* Returns the length written, or -ENOSPC. */
int netconf_format(const struct net_result *r, char *buf, size_t n);

/* resolv.conf: "search" (the search list, else the domain), then a
 * "nameserver" line for each DNS server. Returns the length (0: nothing to
 * write), or -ENOSPC. */
int netconf_resolv_format(const struct net_result *r, char *buf, size_t n);

/* /run/netroot/lease-<dev>: what a DHCP client in the booted system needs
 * to take the lease over (docs/network.md), T1/T2 exactly as the lease
 * decided them (dhcp_lease_times()). Returns the length, or -ENOSPC. */
int netconf_lease_format(const struct dhcp_lease *l, const char *ifname, unsigned long uptime,
			 char *buf, size_t n);

struct pnp_info {
	bool manual;                    /* "#MANUAL": ip= static */
	char proto[8];                  /* "DHCP", "BOOTP", "RARP", "" */
	in4_t dns[3];
	int ndns;
	in4_t bootserver;
	char domain[DOMAIN_LEN];
};

/* Returns 0, or -EINVAL if the text is not /proc/net/pnp. */
int pnp_parse(const char *text, size_t len, struct pnp_info *out);

#endif

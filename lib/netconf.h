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

#define DOMAIN_LEN 256

struct net_result {
	char device[IFNAME_LEN];
	const char *proto;              /* "none", "dhcp", "bootp" */
	in4_t addr, netmask, broadcast, gateway;
	in4_t dns[2];
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

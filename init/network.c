/* The network step: the device, its link and carrier, its address — static
 * from ip=, or kept as the kernel configured it — and the record of it in
 * /run/net-<dev>.conf for the booted system. */
#include "init.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

static int write_file(const char *path, const char *text, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	ssize_t w;

	if (fd < 0)
		return -errno;
	w = write(fd, text, len);
	close(fd);
	return w == (ssize_t)len ? 0 : -EIO;
}

/* Raspberry Pi kernels (CONFIG_IP_PNP=y) configure ip= before /init runs.
 * If the interface already has an address, keep it: reconfiguring would
 * break nothing but costs time, and DHCP a second time could change it. */
static int reuse_kernel_config(const struct netif *nif, struct net_result *res)
{
	char text[2048], a[16];
	struct pnp_info pnp;
	int prefix = 0, fd, i;
	ssize_t n;

	if (net_find_address(nif, &res->addr, &prefix) != 1)
		return 0;
	res->netmask = in4_mask_of(prefix);
	res->broadcast = res->addr | ~res->netmask;
	net_find_gateway(nif, &res->gateway);
	res->proto = "none";
	fd = open("/proc/net/pnp", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, text, sizeof(text) - 1);
		close(fd);
		if (n > 0 && pnp_parse(text, (size_t)n, &pnp) == 0) {
			if (!pnp.manual)
				res->proto = "dhcp";
			for (i = 0; i < pnp.ndns && i < 2; i++)
				res->dns[i] = pnp.dns[i];
			res->rootserver = pnp.bootserver;
			snprintf(res->dnsdomain, sizeof(res->dnsdomain), "%s", pnp.domain);
		}
	}
	gethostname(res->hostname, sizeof(res->hostname) - 1);
	if (!strcmp(res->hostname, "(none)"))
		res->hostname[0] = '\0';
	log_info("address: %s already has %s/%d (configured by the kernel's ip= handling), keeping it",
		 nif->name, in4_str(res->addr, a), prefix);
	return 1;
}

static int configure_static(const struct boot_plan *plan, const struct netif *nif, struct net_result *res)
{
	const struct ip_spec *ip = &plan->ip;
	char a[16], g[16];
	int r;

	r = net_add_address(nif, ip->client, plan->prefix, plan->broadcast);
	if (r < 0)
		return r;
	res->addr = ip->client;
	res->netmask = ip->netmask;
	res->broadcast = plan->broadcast;
	if (ip->gateway && !((ip->gateway ^ ip->client) & ip->netmask)) {
		r = net_add_default_route(nif, ip->gateway);
		if (r < 0)
			return r;
		res->gateway = ip->gateway;
	}
	res->dns[0] = ip->dns[0];
	res->dns[1] = ip->dns[1];
	res->proto = "none";
	if (ip->hostname[0]) {
		/* kernel ipconfig: the part before the first '.' is the node
		 * name, the rest the NIS domain name. */
		const char *dot = strchr(ip->hostname, '.');
		size_t hl = dot ? (size_t)(dot - ip->hostname) : strlen(ip->hostname);

		if (sethostname(ip->hostname, hl) != 0)
			log_warn("address: cannot set hostname: %s", strerror(errno));
		if (dot && setdomainname(dot + 1, strlen(dot + 1)) == 0)
			snprintf(res->nisdomain, sizeof(res->nisdomain), "%s", dot + 1);
		snprintf(res->hostname, sizeof(res->hostname), "%.*s", (int)hl, ip->hostname);
	}
	log_info("address: %s is %s/%d%s%s%s%s", nif->name, in4_str(ip->client, a), plan->prefix,
		 res->gateway ? ", gateway " : "", res->gateway ? in4_str(ip->gateway, g) : "",
		 res->hostname[0] ? ", hostname " : "", res->hostname);
	return 0;
}

int network_setup(const struct boot_config *cfg, const struct boot_plan *plan, struct net_result *res)
{
	struct netif nif;
	char text[2048], path[64];
	int r, len;

	memset(&nif, 0, sizeof(nif));
	memset(res, 0, sizeof(*res));

	phase_begin("link");
	r = net_open();
	if (r < 0)
		return r;
	r = net_wait_device(cfg, plan, &nif);
	if (r < 0)
		return r;
	log_info("link: using %s (%02x:%02x:%02x:%02x:%02x:%02x)", nif.name, nif.mac[0], nif.mac[1],
		 nif.mac[2], nif.mac[3], nif.mac[4], nif.mac[5]);
	r = net_link_up(&nif, plan->ip.mtu);
	if (r < 0)
		return r;
	phase_end();

	phase_begin("carrier");
	r = net_wait_carrier(&nif, cfg->nr.carrier_timeout);
	if (r < 0)
		return r;
	phase_end();

	phase_begin("address");
	snprintf(res->device, sizeof(res->device), "%s", nif.name);
	r = reuse_kernel_config(&nif, res);
	if (r == 0) {
		if (plan->net == NET_STATIC)
			r = configure_static(plan, &nif, res);
		else
			r = fail(ENOSYS, "give a static address: ip=<client>::<gateway>:<netmask>:<host>:<dev>:off",
				 "ip=%s: this build of netroot-init has no DHCP client yet",
				 autoconf_name(plan->ip.autoconf));
		if (r < 0)
			return r;
	}
	res->uptime = (unsigned long)log_uptime();
	if (plan->root_kind == ROOT_NFS) {
		res->rootserver = plan->nfs.server ? plan->nfs.server : res->rootserver;
	}

	len = netconf_format(res, text, sizeof(text));
	snprintf(path, sizeof(path), "/run/net-%s.conf", nif.name);
	if (len < 0 || write_file(path, text, (size_t)len) < 0)
		log_warn("address: cannot write %s", path);
	phase_end();
	return 0;
}

/* The network step: choose the device(s), bring the link up, wait for
 * carrier, get an address — static from ip=, by DHCP (on every candidate at
 * once when no device is named), or kept as the kernel configured it — and
 * leave a record of it for the booted system:
 *   /run/net-<dev>.conf        klibc ipconfig format (initramfs-tools, open-iscsi, cloud-init read it)
 *   /run/netroot/resolv.conf   DNS servers and search domains (and /etc/resolv.conf in the initramfs)
 *   /run/netroot/lease-<dev>   the DHCP lease, for whatever renews it after switch_root
 * `netroot-init --network CMDLINE` runs this step alone, as a test or on a
 * live system, in the current network namespace. */
#include "init.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "dhcp_net.h"
#include "dhcpc.h"
#include "log.h"
#include "text.h"

#define MAX_CANDIDATES 8

/* Raspberry Pi kernels (CONFIG_IP_PNP=y) configure ip= before /init runs.
 * If the interface already has an address, keep it: DHCP a second time
 * could change it, and the kernel never renews its lease anyway. */
static int reuse_kernel_config(const struct netif *nif, struct net_result *res)
{
	char text[2048], a[16];
	struct pnp_info pnp;
	int prefix = 0, i;
	ssize_t n;

	if (net_find_address(nif, &res->addr, &prefix) != 1)
		return 0;
	res->netmask = in4_mask_of(prefix);
	res->broadcast = res->addr | ~res->netmask;
	net_find_gateway(nif, &res->gateway);
	res->proto = "none";
	n = read_small("/proc/net/pnp", text, sizeof(text));
	if (n > 0 && pnp_parse(text, (size_t)n, &pnp) == 0) {
		if (!pnp.manual)
			res->proto = "dhcp";
		for (i = 0; i < pnp.ndns && i < DHCP_LEASE_DNS; i++)
			res->dns[i] = pnp.dns[i];
		res->rootserver = pnp.bootserver;
		text_copy(res->dnsdomain, sizeof(res->dnsdomain), pnp.domain);
	}
	gethostname(res->hostname, sizeof(res->hostname) - 1);
	if (!strcmp(res->hostname, "(none)"))
		res->hostname[0] = '\0';
	log_info("address: %s already has %s/%d (configured by the kernel's ip= handling), keeping it",
		 nif->name, in4_str(res->addr, a), prefix);
	return 1;
}

/* kernel ipconfig: the part before the first '.' is the node name, the rest
 * the NIS domain name. */
static void apply_hostname(const char *name, const struct net_opts *opts, struct net_result *res)
{
	const char *dot = strchr(name, '.');
	size_t hl = dot ? (size_t)(dot - name) : strlen(name);

	snprintf(res->hostname, sizeof(res->hostname), "%.*s", (int)hl, name);
	if (dot)
		text_copy(res->nisdomain, sizeof(res->nisdomain), dot + 1);
	if (!opts->boot)
		return;         /* --network: never rename the machine we run on */
	if (sethostname(name, hl) != 0)
		log_warn("address: cannot set hostname: %s", strerror(errno));
	if (dot && setdomainname(dot + 1, strlen(dot + 1)) != 0)
		log_warn("address: cannot set the NIS domain name: %s", strerror(errno));
}

static int configure_static(const struct boot_plan *plan, const struct netif *nif,
			    const struct net_opts *opts, struct net_result *res)
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
	if (ip->hostname[0])
		apply_hostname(ip->hostname, opts, res);
	log_info("address: %s is %s/%d%s%s%s%s", nif->name, in4_str(ip->client, a), plan->prefix,
		 res->gateway ? ", gateway " : "", res->gateway ? in4_str(ip->gateway, g) : "",
		 res->hostname[0] ? ", hostname " : "", res->hostname);
	return 0;
}

struct route_ctx {
	const struct netif *nif;
	const struct dhcp_route *first;
	char why[DHCP_MAX_ROUTES][sizeof(failure.what)];
};

static int add_route(void *ctx, const struct dhcp_route *r)
{
	struct route_ctx *rc = ctx;
	int e = net_add_route(rc->nif, r->dst, r->prefix, r->gw);

	if (e < 0)
		text_copy(rc->why[r - rc->first], sizeof(rc->why[0]), failure.what);
	return e;
}

/* Option 121: a route the kernel refuses is skipped with a warning, the
 * others kept (see dhcp_routes_install). Sets res->gateway from the default
 * route, if it went in. */
static void apply_routes(const struct netif *nif, const struct dhcp_lease *l, struct net_result *res)
{
	static struct route_ctx rc;
	struct failure saved = failure;     /* a skipped route is not the boot's failure */
	int err[DHCP_MAX_ROUTES], i;

	rc.nif = nif;
	rc.first = l->routes;
	dhcp_routes_install(l->routes, l->nroutes, add_route, &rc, err);
	for (i = 0; i < l->nroutes; i++) {
		if (err[i] < 0)
			log_warn("address: %s; skipped, the other routes are kept", rc.why[i]);
		else if (l->routes[i].prefix == 0)
			res->gateway = l->routes[i].gw;
	}
	failure = saved;
}

/* Apply a DHCP lease: address, routes (option 121 wins over 3, RFC 3442),
 * MTU, hostname (ip= field 5 wins over option 12, as in the kernel). */
static int apply_lease(const struct boot_plan *plan, struct netif *nif, const struct dhcp_lease *l,
		       const struct net_opts *opts, struct net_result *res)
{
	char a[16], b[16];
	in4_t mask = l->netmask;       /* dhcpc fills in the classful one when none came */
	int prefix, r, i;

	/* The lease's texts go into the records whole, never cut in silence. */
	_Static_assert(sizeof(res->dnsdomain) >= sizeof(l->domain) && sizeof(res->domainsearch) >=
		       sizeof(l->search) && sizeof(res->rootpath) >= sizeof(l->rootpath) &&
		       sizeof(res->filename) >= sizeof(l->bootfile), "a lease text does not fit net_result");

	prefix = in4_prefix_len(mask);
	if (prefix < 0)
		return fail(EINVAL, "fix the subnet mask the DHCP server hands out",
			    "DHCP gave %s a non-contiguous netmask %s", nif->name, in4_str(mask, a));
	res->addr = l->addr;
	res->netmask = mask;
	res->broadcast = l->broadcast ? l->broadcast : (l->addr | ~mask);
	if (l->mtu >= 68 && l->mtu != plan->ip.mtu) {
		r = net_link_up(nif, l->mtu);
		if (r < 0)
			return r;
	}
	r = net_add_address(nif, res->addr, prefix, res->broadcast);
	if (r < 0)
		return r;
	if (l->nroutes > 0) {
		apply_routes(nif, l, res);
	} else if (l->nrouters > 0) {
		r = net_add_default_route(nif, l->routers[0]);
		if (r < 0)
			return r;
		res->gateway = l->routers[0];
	}
	for (i = 0; i < l->ndns && i < DHCP_LEASE_DNS; i++)
		res->dns[i] = l->dns[i];
	text_copy(res->dnsdomain, sizeof(res->dnsdomain), l->domain);
	text_copy(res->domainsearch, sizeof(res->domainsearch), l->search);
	text_copy(res->rootpath, sizeof(res->rootpath), l->rootpath);
	text_copy(res->filename, sizeof(res->filename), l->bootfile);
	/* The NFS server when nfsroot= names none: next-server, then the DHCP
	 * server itself (dracut's order; the kernel uses the server too). */
	res->rootserver = l->siaddr ? l->siaddr : l->server_id;
	res->leasetime = l->lease_secs;
	res->proto = "dhcp";
	if (plan->ip.hostname[0])
		apply_hostname(plan->ip.hostname, opts, res);
	else if (l->hostname[0])
		apply_hostname(l->hostname, opts, res);
	log_info("address: %s is %s/%d from DHCP server %s%s%s, lease %u s%s", nif->name, in4_str(l->addr, a),
		 prefix, in4_str(l->server_id, b), res->hostname[0] ? ", hostname " : "", res->hostname,
		 l->lease_secs, l->rapid_commit ? " (rapid commit)" : "");
	return 0;
}

static void write_records(const struct net_opts *opts, const struct net_result *res,
			  const struct dhcp_lease *lease, const char *ifname)
{
	char text[2048], path[PATH_LEN + 32];
	int len;

	len = netconf_format(res, text, sizeof(text));
	snprintf(path, sizeof(path), "%s/net-%s.conf", opts->run_dir, ifname);
	if (len < 0 || write_file(path, text, (size_t)len) < 0)
		log_warn("address: cannot write %s", path);

	snprintf(path, sizeof(path), "%s/netroot", opts->run_dir);
	mkdir(path, 0755);
	len = netconf_resolv_format(res, text, sizeof(text));
	if (len > 0) {
		snprintf(path, sizeof(path), "%s/netroot/resolv.conf", opts->run_dir);
		if (write_file(path, text, (size_t)len) < 0)
			log_warn("address: cannot write %s", path);
		if (opts->boot)
			write_file("/etc/resolv.conf", text, (size_t)len);
	}
	if (lease) {
		len = netconf_lease_format(lease, ifname, res->uptime, text, sizeof(text));
		snprintf(path, sizeof(path), "%s/netroot/lease-%s", opts->run_dir, ifname);
		if (len < 0 || write_file(path, text, (size_t)len) < 0)
			log_warn("address: cannot write %s", path);
	}
}

/* Which devices: the one named in ip=, the one BOOTIF= names, or — for DHCP
 * with no device named — every physical Ethernet device, raced. */
static int choose_devices(const struct boot_config *cfg, const struct boot_plan *plan,
			  struct netif *cand, int *ncand)
{
	bool race = plan->net == NET_DHCP && !cfg->has_bootif &&
		    (!plan->ip.device[0] || !strcmp(plan->ip.device, "all"));
	int r;

	r = net_wait_device(cfg, plan, &cand[0]);
	if (r < 0)
		return r;
	*ncand = 1;
	if (race) {
		/* Devices that probe together appear within moments of each
		 * other: give the rest a short, bounded chance to show up. */
		sleep_ms(200);
		r = net_list_ether(cand, MAX_CANDIDATES);
		if (r > 0)
			*ncand = r;
	}
	return 0;
}

/* Wait until at least one candidate has carrier (bounded). */
static int wait_any_carrier(const struct boot_config *cfg, struct netif *cand, int n)
{
	double deadline = log_uptime() + cfg->nr.carrier_timeout;
	int i;

	if (n == 1)
		return net_wait_carrier(&cand[0], cfg->nr.carrier_timeout);
	for (;;) {
		for (i = 0; i < n; i++)
			if (net_has_carrier(&cand[i]) == 1)
				return 0;
		if (cfg->nr.carrier_timeout >= 0 && log_uptime() > deadline)
			break;
		sleep_ms(50);
	}
	return fail(ENOLINK, "are the cables in and the switch ports up? raise netroot.carrier_timeout= for slow switches",
		    "no carrier on any of %d Ethernet devices after %d s", n, cfg->nr.carrier_timeout);
}

static int run_dhcp(const struct boot_config *cfg, const struct boot_plan *plan, struct netif *cand, int n,
		    int *winner, struct dhcp_lease *lease)
{
	struct dhcp_iface ifs[MAX_CANDIDATES];
	struct dhcp_client_params p;
	uint8_t cid[DHCP_CLIENT_ID_MAX + 1];
	char names[MAX_CANDIDATES * (IFNAME_LEN + 1)] = "";
	double deadline;
	int i, r;

	memset(&p, 0, sizeof(p));
	p.hostname = plan->ip.hostname[0] ? plan->ip.hostname : NULL;
	p.vendor_class = cfg->dhcpclass[0] ? cfg->dhcpclass : NULL;
	p.rapid_commit = true;
	if (plan->ip.has_client_id) {
		size_t l = strlen(plan->ip.client_id);

		cid[0] = plan->ip.client_id_type;
		memcpy(cid + 1, plan->ip.client_id, l);
		p.client_id = cid;
		p.client_id_len = l + 1;
	}
	for (i = 0; i < n; i++) {
		ifs[i].ifindex = cand[i].ifindex;
		memcpy(ifs[i].name, cand[i].name, sizeof(ifs[i].name));
		memcpy(ifs[i].mac, cand[i].mac, 6);
		strncat(names, " ", sizeof(names) - strlen(names) - 1);
		strncat(names, cand[i].name, sizeof(names) - strlen(names) - 1);
	}
	deadline = log_uptime() + (cfg->nr.dhcp_timeout >= 0 ? cfg->nr.dhcp_timeout : 1e9);
	log_info("dhcp: asking on%s", names);
	r = dhcp_acquire(ifs, n, &p, deadline, winner, lease);
	if (r == -ETIMEDOUT)
		return fail(ETIMEDOUT, "is a DHCP server (or proxy/relay) answering on this network? Ports with spanning "
			    "tree can drop packets for 30 s after link-up: raise netroot.dhcp_timeout=, or use a static ip=",
			    "no DHCP lease on%s within %d s", names, cfg->nr.dhcp_timeout);
	if (r < 0)
		return fail(r, "", "DHCP failed on%s: %s", names, strerror(-r));
	return 0;
}

static int setup(const struct boot_config *cfg, const struct boot_plan *plan,
		 const struct net_opts *opts, struct net_result *res)
{
	struct netif cand[MAX_CANDIDATES], *nif;
	struct dhcp_lease lease;
	bool have_lease = false;
	double link_up;
	int ncand = 0, winner = 0, r, i;

	memset(res, 0, sizeof(*res));
	phase_begin("link");
	r = net_open();
	if (r < 0)
		return r;
	r = choose_devices(cfg, plan, cand, &ncand);
	if (r < 0)
		return r;
	for (i = 0; i < ncand; i++) {
		log_info("link: %s %s (%02x:%02x:%02x:%02x:%02x:%02x)", ncand > 1 ? "candidate" : "using",
			 cand[i].name, cand[i].mac[0], cand[i].mac[1], cand[i].mac[2], cand[i].mac[3],
			 cand[i].mac[4], cand[i].mac[5]);
		r = net_link_up(&cand[i], plan->ip.mtu);
		if (r < 0)
			return r;
	}
	link_up = log_uptime();
	phase_end();

	phase_begin("carrier");
	r = wait_any_carrier(cfg, cand, ncand);
	if (r < 0)
		return r;
	phase_end();

	phase_begin("address");
	nif = &cand[0];
	r = ncand == 1 ? reuse_kernel_config(nif, res) : 0;
	if (r == 0 && plan->net == NET_STATIC) {
		r = configure_static(plan, nif, opts, res);
	} else if (r == 0) {
		r = run_dhcp(cfg, plan, cand, ncand, &winner, &lease);
		if (r < 0)
			return r;
		nif = &cand[winner];
		for (i = 0; i < ncand; i++)
			if (i != winner) {
				log_info("link: %s lost the race, setting it down", cand[i].name);
				net_link_down(&cand[i]);
			}
		have_lease = true;
		report_dhcp_server(lease.server_id);
		r = apply_lease(plan, nif, &lease, opts, res);
	}
	if (r < 0)
		return r;
	text_copy(res->device, sizeof(res->device), nif->name);
	res->uptime = (unsigned long)log_uptime();
	if (plan->root_kind == ROOT_NFS && plan->nfs.server)
		res->rootserver = plan->nfs.server;
	write_records(opts, res, have_lease ? &lease : NULL, nif->name);
	phase_end();
	log_info("network: %s %s/%d (%s) configured %.3f s after link up", nif->name, in4_str(res->addr, (char[16]){ 0 }),
		 in4_prefix_len(res->netmask), res->proto, log_uptime() - link_up);
	return 0;
}

int network_setup(const struct boot_config *cfg, const struct boot_plan *plan,
		  const struct net_opts *opts, struct net_result *res)
{
	int r = setup(cfg, plan, opts, res);

	dhcp_net_close_parked();        /* only now: closing them is slow, see dhcp_net.h */
	return r;
}

/* netroot-init --network CMDLINE [--run-dir DIR]: the network step alone. */
int network_main(int argc, char **argv)
{
	static struct boot_config cfg;
	static struct boot_plan plan;
	struct net_result res;
	struct net_opts opts = { "/run", false };
	const char *line = NULL;
	int i, r;

	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--run-dir") && i + 1 < argc)
			opts.run_dir = argv[++i];
		else if (!line)
			line = argv[i];
		else
			line = NULL, i = argc;
	}
	if (!line) {
		fprintf(stderr, "usage: netroot-init --network CMDLINE [--run-dir DIR]\n"
			"  Runs the boot's network step for CMDLINE (ip=, BOOTIF=, netroot.*_timeout=)\n"
			"  in the current network namespace, writing net-<dev>.conf to DIR (default /run).\n");
		return 2;
	}
	if (cmdline_parse(line, strlen(line), &cfg) < 0) {
		fprintf(stderr, "netroot-init --network: command line too long\n");
		return 2;
	}
	log_setup(LOG_TO_CONSOLE, cfg.debug, 0);
	log_set_console(2);
	bootplan_build(&cfg, &plan);   /* the root may be missing: only the network matters here */
	for (i = 0; i < plan.ndiag; i++)
		if (plan.diag[i].level >= DIAG_WARN && !strstr(plan.diag[i].msg, "root"))
			log_warn("cmdline: %s", plan.diag[i].msg);
	if (plan.net == NET_NONE) {
		log_err("FAILED: the command line asks for no network (give ip=dhcp or a static ip=)");
		return 1;
	}
	r = network_setup(&cfg, &plan, &opts, &res);
	if (r == 0)
		report_start(&cfg, &plan, &res);   /* as a boot would: the report to the server */
	net_close();
	if (r < 0) {
		log_err("FAILED: %s", failure.what);
		if (failure.check[0])
			log_err("check: %s", failure.check);
		return 1;
	}
	return 0;
}

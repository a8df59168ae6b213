/* The network interface, through rtnetlink (libnl-route-3): find it, bring
 * it up, wait for carrier, read and set addresses and routes. Every wait is
 * bounded; every failure says which interface and what to check. */
#include "init.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/route.h>

#include "log.h"
#include "text.h"

#define POLL_MS 50

static struct nl_sock *sk;

int net_open(void)
{
	int r;

	if (sk)
		return 0;
	sk = nl_socket_alloc();
	if (!sk)
		return fail(ENOMEM, "", "cannot allocate a netlink socket");
	r = nl_connect(sk, NETLINK_ROUTE);
	if (r < 0) {
		nl_socket_free(sk);
		sk = NULL;
		return fail(EIO, "the kernel needs CONFIG_NET and CONFIG_INET",
			    "cannot open rtnetlink: %s", nl_geterror(r));
	}
	return 0;
}

void net_close(void)
{
	if (sk) {
		nl_socket_free(sk);
		sk = NULL;
	}
}

/* A physical Ethernet device: ARPHRD_ETHER, no link "kind" (veth, bridge,
 * dummy, bond... all have one), not loopback. */
static bool is_physical_ether(struct rtnl_link *l)
{
	return rtnl_link_get_arptype(l) == ARPHRD_ETHER &&
	       !(rtnl_link_get_flags(l) & IFF_LOOPBACK) &&
	       rtnl_link_get_type(l) == NULL;
}

static bool mac_matches(struct rtnl_link *l, const uint8_t mac[6])
{
	struct nl_addr *a = rtnl_link_get_addr(l);

	return a && nl_addr_get_len(a) == 6 && memcmp(nl_addr_get_binary_addr(a), mac, 6) == 0;
}

static void fill_netif(struct rtnl_link *l, struct netif *nif)
{
	struct nl_addr *a = rtnl_link_get_addr(l);

	text_copy(nif->name, sizeof(nif->name), rtnl_link_get_name(l));
	nif->ifindex = rtnl_link_get_ifindex(l);
	if (a && nl_addr_get_len(a) == 6)
		memcpy(nif->mac, nl_addr_get_binary_addr(a), 6);
}

/* Pick the device: named in ip=, else BOOTIF=, else the first physical
 * Ethernet device (lowest ifindex). Returns 1 found, 0 not yet, <0 error. */
static int pick_device(const struct boot_config *cfg, const struct boot_plan *plan, struct netif *nif)
{
	struct nl_cache *cache = NULL;
	struct nl_object *o;
	struct rtnl_link *best = NULL;
	int r;

	r = rtnl_link_alloc_cache(sk, AF_UNSPEC, &cache);
	if (r < 0)
		return -EIO;
	for (o = nl_cache_get_first(cache); o; o = nl_cache_get_next(o)) {
		struct rtnl_link *l = (struct rtnl_link *)o;

		if (plan->ip.device[0] && strcmp(plan->ip.device, "all") != 0) {
			if (strcmp(rtnl_link_get_name(l), plan->ip.device) == 0)
				best = l;
		} else if (cfg->has_bootif) {
			if (mac_matches(l, cfg->bootif))
				best = l;
		} else if (is_physical_ether(l) &&
			   (!best || rtnl_link_get_ifindex(l) < rtnl_link_get_ifindex(best))) {
			best = l;
		}
		if (best && (plan->ip.device[0] || cfg->has_bootif))
			break;
	}
	if (best)
		fill_netif(best, nif);
	nl_cache_free(cache);
	return best ? 1 : 0;
}

int net_wait_device(const struct boot_config *cfg, const struct boot_plan *plan, struct netif *nif)
{
	double deadline = log_uptime() + cfg->nr.device_timeout;
	char mac[24];
	int r;

	for (;;) {
		r = pick_device(cfg, plan, nif);
		if (r < 0)
			return fail(r, "", "cannot list network devices (rtnetlink)");
		if (r > 0)
			return 0;
		if (cfg->nr.device_timeout >= 0 && log_uptime() > deadline)
			break;
		sleep_ms(POLL_MS);
	}
	if (plan->ip.device[0])
		return fail(ENODEV, "is the NIC driver in the initramfs (see the modules step above) and is the name right? "
			    "With net.ifnames the kernel name may differ; ip= wants the kernel's name (eth0)",
			    "network device %s did not appear within %d s", plan->ip.device, cfg->nr.device_timeout);
	if (cfg->has_bootif) {
		snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", cfg->bootif[0], cfg->bootif[1],
			 cfg->bootif[2], cfg->bootif[3], cfg->bootif[4], cfg->bootif[5]);
		return fail(ENODEV, "is the NIC driver in the initramfs, and is BOOTIF= this machine's MAC?",
			    "no network device with MAC %s (BOOTIF=) appeared within %d s", mac, cfg->nr.device_timeout);
	}
	return fail(ENODEV, "is the NIC driver in the initramfs? USB NICs can be slow: raise netroot.device_timeout=",
		    "no Ethernet device appeared within %d s", cfg->nr.device_timeout);
}

static int get_link(const struct netif *nif, struct rtnl_link **l)
{
	int r = rtnl_link_get_kernel(sk, nif->ifindex, NULL, l);

	return r < 0 ? -ENODEV : 0;
}

int net_link_up(struct netif *nif, unsigned mtu)
{
	struct rtnl_link *l = NULL, *change;
	int r;

	if (get_link(nif, &l) < 0)
		return fail(ENODEV, "", "network device %s vanished", nif->name);
	change = rtnl_link_alloc();
	if (!change) {
		rtnl_link_put(l);
		return fail(ENOMEM, "", "out of memory");
	}
	rtnl_link_set_flags(change, IFF_UP);
	if (mtu)
		rtnl_link_set_mtu(change, mtu);
	r = rtnl_link_change(sk, l, change, 0);
	rtnl_link_put(change);
	rtnl_link_put(l);
	if (r < 0)
		return fail(EIO, mtu ? "is the MTU in ip= supported by the NIC?" : "",
			    "cannot bring %s up%s: %s", nif->name, mtu ? " with the requested MTU" : "",
			    nl_geterror(r));
	return 0;
}

int net_wait_carrier(const struct netif *nif, int timeout)
{
	double deadline = log_uptime() + timeout;

	for (;;) {
		struct rtnl_link *l = NULL;
		bool up;

		if (get_link(nif, &l) < 0)
			return fail(ENODEV, "", "network device %s vanished", nif->name);
		up = (rtnl_link_get_flags(l) & IFF_LOWER_UP) != 0;
		rtnl_link_put(l);
		if (up)
			return 0;
		if (timeout >= 0 && log_uptime() > deadline)
			break;
		sleep_ms(POLL_MS);
	}
	return fail(ENOLINK, "is the cable in and the switch port up? A 10/100 splitter or a slow switch "
		    "may need more time: raise netroot.carrier_timeout=",
		    "no carrier on %s after %d s", nif->name, timeout);
}

/* The first IPv4 address on the interface, if any. Returns 1 found, 0 none. */
int net_find_address(const struct netif *nif, in4_t *addr, int *prefix)
{
	struct nl_cache *cache = NULL;
	struct nl_object *o;
	int found = 0;

	if (rtnl_addr_alloc_cache(sk, &cache) < 0)
		return -EIO;
	for (o = nl_cache_get_first(cache); o && !found; o = nl_cache_get_next(o)) {
		struct rtnl_addr *a = (struct rtnl_addr *)o;
		struct nl_addr *local = rtnl_addr_get_local(a);

		if (rtnl_addr_get_ifindex(a) != nif->ifindex || rtnl_addr_get_family(a) != AF_INET ||
		    !local || nl_addr_get_len(local) != 4)
			continue;
		memcpy(addr, nl_addr_get_binary_addr(local), 4);
		*prefix = rtnl_addr_get_prefixlen(a);
		found = 1;
	}
	nl_cache_free(cache);
	return found;
}

/* The default route's gateway through this interface, if any. */
int net_find_gateway(const struct netif *nif, in4_t *gw)
{
	struct nl_cache *cache = NULL;
	struct nl_object *o;
	int found = 0;

	if (rtnl_route_alloc_cache(sk, AF_INET, 0, &cache) < 0)
		return -EIO;
	for (o = nl_cache_get_first(cache); o && !found; o = nl_cache_get_next(o)) {
		struct rtnl_route *rt = (struct rtnl_route *)o;
		struct nl_addr *dst = rtnl_route_get_dst(rt);
		struct rtnl_nexthop *nh;
		struct nl_addr *via;

		if (rtnl_route_get_table(rt) != RT_TABLE_MAIN || (dst && nl_addr_get_prefixlen(dst) != 0) ||
		    rtnl_route_get_nnexthops(rt) < 1)
			continue;
		nh = rtnl_route_nexthop_n(rt, 0);
		via = rtnl_route_nh_get_gateway(nh);
		if (rtnl_route_nh_get_ifindex(nh) == nif->ifindex && via && nl_addr_get_len(via) == 4) {
			memcpy(gw, nl_addr_get_binary_addr(via), 4);
			found = 1;
		}
	}
	nl_cache_free(cache);
	return found;
}

int net_add_address(const struct netif *nif, in4_t addr, int prefix, in4_t brd)
{
	struct rtnl_addr *a = rtnl_addr_alloc();
	struct nl_addr *local = nl_addr_build(AF_INET, &addr, 4);
	struct nl_addr *bcast = nl_addr_build(AF_INET, &brd, 4);
	char s[16];
	int r = -NLE_NOMEM;

	if (a && local && bcast) {
		nl_addr_set_prefixlen(local, prefix);
		rtnl_addr_set_ifindex(a, nif->ifindex);
		rtnl_addr_set_local(a, local);
		rtnl_addr_set_broadcast(a, bcast);
		r = rtnl_addr_add(sk, a, 0);
	}
	nl_addr_put(local);
	nl_addr_put(bcast);
	rtnl_addr_put(a);
	if (r < 0 && r != -NLE_EXIST)
		return fail(EIO, "is the address in ip= valid for this network?",
			    "cannot add %s/%d to %s: %s", in4_str(addr, s), prefix, nif->name, nl_geterror(r));
	return 0;
}

int net_add_route(const struct netif *nif, in4_t dst, int prefix, in4_t gw)
{
	struct rtnl_route *rt = rtnl_route_alloc();
	struct rtnl_nexthop *nh = rtnl_route_nh_alloc();
	struct nl_addr *dsta = nl_addr_build(AF_INET, &dst, 4);
	struct nl_addr *via = gw ? nl_addr_build(AF_INET, &gw, 4) : NULL;
	char s1[16], s2[16];
	int r = -NLE_NOMEM;

	if (rt && nh && dsta && (via || !gw)) {
		nl_addr_set_prefixlen(dsta, prefix);
		rtnl_route_set_family(rt, AF_INET);
		rtnl_route_set_table(rt, RT_TABLE_MAIN);
		/* no gateway: the destination is on the link itself */
		rtnl_route_set_scope(rt, gw ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK);
		rtnl_route_set_protocol(rt, RTPROT_BOOT);
		rtnl_route_set_dst(rt, dsta);
		rtnl_route_nh_set_ifindex(nh, nif->ifindex);
		if (via)
			rtnl_route_nh_set_gateway(nh, via);
		rtnl_route_add_nexthop(rt, nh);
		nh = NULL;              /* owned by the route now */
		r = rtnl_route_add(sk, rt, NLM_F_CREATE | NLM_F_EXCL);
	}
	if (nh)
		rtnl_route_nh_free(nh);
	nl_addr_put(dsta);
	nl_addr_put(via);
	rtnl_route_put(rt);
	if (r < 0 && r != -NLE_EXIST)
		return fail(EIO, "is the gateway on the client's subnet?",
			    "cannot add the route %s/%d via %s on %s: %s", in4_str(dst, s1), prefix,
			    gw ? in4_str(gw, s2) : "(link)", nif->name, nl_geterror(r));
	return 0;
}

int net_add_default_route(const struct netif *nif, in4_t gw)
{
	return net_add_route(nif, 0, 0, gw);
}

int net_link_down(const struct netif *nif)
{
	struct rtnl_link *l = NULL, *change;
	int r;

	if (get_link(nif, &l) < 0)
		return -ENODEV;
	change = rtnl_link_alloc();
	if (!change) {
		rtnl_link_put(l);
		return -ENOMEM;
	}
	rtnl_link_unset_flags(change, IFF_UP);
	r = rtnl_link_change(sk, l, change, 0);
	rtnl_link_put(change);
	rtnl_link_put(l);
	return r < 0 ? -EIO : 0;
}

int net_has_carrier(const struct netif *nif)
{
	struct rtnl_link *l = NULL;
	bool up;

	if (get_link(nif, &l) < 0)
		return -ENODEV;
	up = (rtnl_link_get_flags(l) & IFF_LOWER_UP) != 0;
	rtnl_link_put(l);
	return up;
}

/* Every physical Ethernet device present now, lowest ifindex first. */
int net_list_ether(struct netif *out, int max)
{
	struct nl_cache *cache = NULL;
	struct nl_object *o;
	int n = 0, i, j;

	if (rtnl_link_alloc_cache(sk, AF_UNSPEC, &cache) < 0)
		return -EIO;
	for (o = nl_cache_get_first(cache); o && n < max; o = nl_cache_get_next(o)) {
		struct rtnl_link *l = (struct rtnl_link *)o;

		if (is_physical_ether(l))
			fill_netif(l, &out[n++]);
	}
	nl_cache_free(cache);
	for (i = 1; i < n; i++)         /* insertion sort by ifindex */
		for (j = i; j > 0 && out[j].ifindex < out[j - 1].ifindex; j--) {
			struct netif t = out[j];

			out[j] = out[j - 1];
			out[j - 1] = t;
		}
	return n;
}

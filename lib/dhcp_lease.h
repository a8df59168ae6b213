/* A DHCP lease as netroot uses it: what an ACK gave, decided in one place
 * (pure code: no I/O, no logging), applied by init/network.c and recorded
 * for the booted system by lib/netconf.c.
 *
 * dhcp_lease_from_ack() keeps what the boot and the booted system use. What
 * the ACK carried and the lease does not keep (a list longer than it holds,
 * an option the codec found malformed or too long, route entries after a bad
 * one) is never dropped in silence: each is said in l->notes, which the
 * client logs as warnings. */
#ifndef NETROOT_DHCP_LEASE_H
#define NETROOT_DHCP_LEASE_H

#include <stdbool.h>
#include <stdint.h>

#include "dhcp_msg.h"
#include "ipv4.h"
#include "nr_limits.h"

#define DHCP_LEASE_INFINITE 0xffffffffu

struct dhcp_lease {
	in4_t addr, netmask, broadcast, server_id, siaddr;
	in4_t routers[DHCP_LEASE_ROUTERS];
	int nrouters;                   /* 0 when option 121 gave routes (RFC 3442) */
	struct dhcp_route routes[DHCP_MAX_ROUTES];
	int nroutes;                    /* from option 121; when present, option 3 is ignored */
	in4_t dns[DHCP_LEASE_DNS];
	int ndns;
	in4_t ntp[DHCP_LEASE_NTP];
	int nntp;
	unsigned mtu;                   /* 0 = not given */
	uint32_t lease_secs, t1_secs, t2_secs; /* lease 0 = not given; DHCP_LEASE_INFINITE */
	char hostname[HOSTNAME_LEN], domain[DHCP_DOMAIN_LEN], search[DHCP_SEARCH_LEN] /* space-separated */,
	     rootpath[PATH_LEN], bootfile[PATH_LEN];
	bool rapid_commit;              /* the ACK came without REQUEST */
	int prefix;                     /* netmask as a prefix length */
	/* What the ACK carried that the lease does not keep, in words. */
	char notes[DHCP_LEASE_NOTES][DHCP_LEASE_NOTE_LEN];
	int nnotes;                     /* may exceed DHCP_LEASE_NOTES: the rest were not kept */
};

/* An ACK (already checked by the codec) as a lease. Returns 0, or -EINVAL
 * with *why set when the address cannot be used. rapid_commit is the
 * caller's to set. */
int dhcp_lease_from_ack(const struct dhcp_msg *m, struct dhcp_lease *l, const char **why);

/* NULL if a can be our address, else why not ("loopback"). */
const char *dhcp_bad_address(in4_t a);

/* Renewal (T1) and rebinding (T2) times, the one place they are decided
 * (RFC 2131 4.4.5): as the server gave them (t1/t2 NULL = not given), else
 * 1/2 and 7/8 of the lease; both defaults when what was given is 0 or
 * contradicts itself (T1 > T2, T2 > lease). An infinite lease is never
 * renewed: both infinite. No lease time: both 0. Returns true when a value
 * the server gave was replaced. */
bool dhcp_lease_times(uint32_t lease, const uint32_t *t1, const uint32_t *t2, uint32_t *t1_out,
		      uint32_t *t2_out);

/* Installs routes[0..n) through add() (0 or -errno). RFC 3442 sets no
 * order, so a route the kernel refuses (its gateway reachable only through a
 * route later in the list) is tried again after each pass that installed
 * something; then it is skipped: one bad route must not stop the boot.
 * err[i] is 0 for a route installed, else add()'s last error. Returns the
 * number installed. */
typedef int dhcp_route_add_fn(void *ctx, const struct dhcp_route *r);
int dhcp_routes_install(const struct dhcp_route *routes, int n, dhcp_route_add_fn *add, void *ctx,
			int err[]);

#endif

/* The DHCPv4 client of netroot-init: one explicit state machine per
 * interface (struct dhcpc), and dhcp_acquire(), which runs several of them
 * in one poll loop until the first gets a lease.
 *
 *   INIT --> SELECTING --OFFER--> REQUESTING --ACK--> BOUND
 *    ^           |  \--rapid-commit ACK-----------------^
 *    |           |                   |
 *    +---- NAK (after a pause), or REQUEST unanswered --+      any --deadline--> FAILED
 *
 * The state machine never touches a socket: it hands each packet it sends
 * (a whole IPv4/UDP datagram) to a transmit callback and is fed what was
 * received, with the time passed in, so unit tests drive it directly. The
 * sockets live in dhcp_net.c. */
#ifndef NETROOT_DHCPC_H
#define NETROOT_DHCPC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cmdline.h"
#include "dhcp_lease.h"         /* struct dhcp_lease */
#include "dhcp_msg.h"
#include "nr_limits.h"

struct dhcp_client_params {
	const char *hostname;           /* NULL or "" = none */
	const char *vendor_class;       /* NULL = "netroot" (the kernel's dhcpclass=) */
	const uint8_t *client_id;       /* NULL = none (chaddr identifies us); includes the type byte */
	size_t client_id_len;
	bool rapid_commit;              /* offer option 80; dhcp_client_params_init() sets it */
};

/* Defaults: no hostname, vendor class "netroot", no client id, rapid commit. */
void dhcp_client_params_init(struct dhcp_client_params *p);

struct dhcp_iface {
	int ifindex;
	char name[IFNAME_LEN];
	uint8_t mac[6];
};

/* Runs DHCP on n interfaces at once until one is BOUND or the deadline
 * (log_uptime() seconds; INFINITY = no limit) passes. The interfaces must be
 * up (IFF_UP) with carrier; their addresses are not touched. p NULL = the
 * defaults. Returns 0 and sets *winner (index into ifs) and *lease;
 * -ETIMEDOUT when no lease in time; -EINVAL/-E2BIG for bad arguments
 * (n > DHCP_MAX_IFACES); another -errno when no interface could open its
 * socket (-EAFNOSUPPORT: the kernel lacks CONFIG_PACKET). The other
 * interfaces are abandoned: no RELEASE, their sockets closed. Logs progress
 * per interface ("dhcp: eth0: offer 10.0.0.5 from 10.0.0.1"). */
int dhcp_acquire(const struct dhcp_iface *ifs, int n, const struct dhcp_client_params *p,
		 double deadline, int *winner, struct dhcp_lease *lease);

/* ---- the state machine (the seam the unit tests use) -------------------- */

enum dhcpc_state {
	DHCPC_INIT,             /* waiting to (re)start with a new xid */
	DHCPC_SELECTING,        /* DISCOVER sent, waiting for an OFFER (or a rapid-commit ACK) */
	DHCPC_REQUESTING,       /* REQUEST sent for one offer, waiting for ACK/NAK */
	DHCPC_BOUND,            /* lease in c->lease: done */
	DHCPC_FAILED,           /* the deadline passed: done */
	DHCPC_NSTATES
};

const char *dhcpc_state_name(enum dhcpc_state s);

/* Sends one IPv4/UDP packet, broadcast on the interface. 0 or -errno. */
typedef int dhcpc_xmit_fn(void *ctx, const uint8_t *pkt, size_t len);

struct dhcpc {
	enum dhcpc_state state;
	struct dhcp_iface ifc;
	struct dhcp_client_params p;    /* the strings stay the caller's */
	dhcpc_xmit_fn *xmit;
	void *ctx;

	uint64_t rng;                   /* xid and jitter; seeded by the caller */
	uint32_t xid;
	double started;                 /* dhcpc_start(): the 'secs' field counts from here */
	double timer;                   /* next retransmission or restart (absolute) */
	double deadline;
	int tries;                      /* transmissions of the current DISCOVER/REQUEST */
	in4_t offered, server;          /* the offer being requested */
	struct dhcp_lease lease;        /* valid in BOUND */

	/* For the summary line when it gives up. */
	int xmit_err;                   /* the last send failed: warn once per run of failures */
	int ndiscover, nrequest, noffer, nnak, nignored;
	char last_ignored[128];         /* why the last reply was ignored */
};

void dhcpc_init(struct dhcpc *c, const struct dhcp_iface *ifc, const struct dhcp_client_params *p,
		dhcpc_xmit_fn *xmit, void *ctx, uint64_t seed);
/* Enter INIT and send the first DISCOVER at once. */
void dhcpc_start(struct dhcpc *c, double now, double deadline);
/* A received IPv4 packet (flags: DHCP_IPUDP_CSUM_PARTIAL). Anything not
 * valid and meant for us is ignored with a log_debug line. Returns 1 when
 * this made the state BOUND, else 0. */
int dhcpc_receive(struct dhcpc *c, const uint8_t *pkt, size_t len, unsigned flags, double now);
/* Run the timers due at now (retransmit, restart, give up). */
void dhcpc_timeout(struct dhcpc *c, double now);
/* When dhcpc_timeout() next has work: absolute, INFINITY when done. */
double dhcpc_next_timeout(const struct dhcpc *c);

#endif

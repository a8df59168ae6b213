/* netrootd's event loop (server/loop.c): one epoll over the sockets and a
 * signalfd; replies that must wait (the Pi 3 ROM's delay) on a timer. */
#ifndef NETROOT_SERVER_LOOP_H
#define NETROOT_SERVER_LOOP_H

#include "conf.h"
#include "dhcpd_net.h"
#include "lease.h"

#define LOOP_MAX_PENDING 64     /* delayed replies held at once */
#define RATE_SLOTS 1024         /* per-MAC rate limit table */
#define RATE_MAX 30             /* requests per MAC per RATE_WINDOW_S; more are dropped */
#define RATE_WINDOW_S 10
#define SWEEP_EVERY_S 60        /* ended leases are looked for this often, */
#define LEASE_GRACE_S 86400     /* and forgotten this long after they ended */

struct pending {
	int64_t due_ms;
	int sock;
	struct dhcpd_reply r;
};

struct rate_slot {
	uint8_t mac[6];
	int64_t window;                 /* start of the window, seconds */
	uint32_t count;
	bool told;
};

struct loop {
	const char *conf_path;
	struct nrd_conf conf;
	struct nrd_client *clients;
	int nclients;
	struct lease_table leases;
	struct dhcpd_sock socks[NRD_MAX_IFACES];
	int nsocks;
	struct dhcpd_iface ifcs[NRD_MAX_IFACES];
	struct pending pend[LOOP_MAX_PENDING];
	int npend;
	struct rate_slot rate[RATE_SLOTS];
	uint64_t nreq, nreply, ndropped_rate;
	int64_t next_sweep_ms;
};

/* Serves until SIGTERM or SIGINT; reloads on SIGHUP. The exit status. */
int loop_run(struct loop *L);

#endif

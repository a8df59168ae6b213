/* netrootd's event loop (server/loop.c): one epoll over the sockets and a
 * signalfd; replies that must wait (the Pi 3 ROM's delay) on a timer. */
#ifndef NETROOT_SERVER_LOOP_H
#define NETROOT_SERVER_LOOP_H

#include "arp_probe.h"
#include "conf.h"
#include "dhcpd_net.h"
#include "iscsid.h"
#include "lease.h"
#include "status.h"
#include "status_net.h"
#include "tftpd.h"

#define LOOP_MAX_PENDING 64     /* delayed replies held at once */
#define LOOP_MAX_PROBES 64      /* ARP probes waiting for an answer at once */
#define PROBE_MAX_CONFLICTS 4   /* addresses found in use for one request before it is dropped */
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

/* A request waiting for the ARP probe of the address it would be offered. */
struct probe {
	in4_t addr;
	int sock;
	int64_t due_ms;                 /* no answer by then: the address is free */
	int conflicts;                  /* addresses already found in use for this request */
	uint8_t chaddr[6];              /* the asking client (its own answer is no conflict) */
	uint8_t pkt[DHCP_PKT_MAX];
	size_t len;
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
	struct arp_sock arps[NRD_MAX_IFACES];   /* fd -1 unless arp-probe was on at start */
	struct probe probes[LOOP_MAX_PROBES];
	int nprobes;
	struct dhcpd_probed probed;
	struct iscsid *iscsi;            /* the target: told of the boards again on a reload */
	bool tftp_on;                   /* [tftp] root given: tftp is open */
	struct tftpd tftp;
	struct pending pend[LOOP_MAX_PENDING];
	int npend;
	struct rate_slot rate[RATE_SLOTS];
	uint64_t nreq, nreply, ndropped_rate, nconflicts;
	int64_t next_sweep_ms;
	/* the fleet view (loop_status.c) */
	bool status_on;                 /* the table is kept */
	struct status status;
	struct report_sock rsocks[NRD_MAX_IFACES];      /* the boards' reports, one per interface */
	int nrsocks;
	int wakefd;                     /* eventfd: the iSCSI threads changed the table */
	int64_t status_written_ms;
	bool status_failed;             /* the last write of status.json failed (said once) */
};

/* Serves until SIGTERM or SIGINT; reloads on SIGHUP. The exit status. */
int loop_run(struct loop *L);

/* loop_status.c: the fleet view. Open: the table (with the boots of the
 * last run from STATE/status.json) and a report socket on each served
 * interface's address (after the DHCP sockets); 0, or -errno with msg. */
#define LOOP_REPORT_EV 0x180            /* epoll data of interface i's report socket: 0x180 + i */
#define LOOP_WAKE_EV 0xfffe             /* epoll data of the eventfd */
int loop_status_open(struct loop *L, char *msg, size_t msglen);
/* A DHCP request and its reply (NULL: none yet) into the table. */
void loop_status_dhcp(struct loop *L, const uint8_t *pkt, size_t len, const struct dhcpd_reply *out);
void loop_status_on_report(struct loop *L, int i);
/* Writes status.json when due; lowers *first to when it next is. */
void loop_status_tick(struct loop *L, int64_t now_ms, int64_t *first);
/* At exit: the sockets closed, status.json written, the pid file removed. */
void loop_status_close(struct loop *L, int64_t now_ms);
/* The hooks: tftpd's on_done (ctx: the loop) and iscsid's on_login
 * (ev_ctx: the loop; called from the target's threads). */
void loop_tftp_done(void *ctx, in4_t ip, const char *name, uint64_t bytes, int64_t ms, bool ok);
void loop_iscsi_login(void *ctx, const char *client, in4_t ip, bool ok, const char *why);

#endif

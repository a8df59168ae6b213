/* netrootd's iSCSI target (server/iscsid.c): the boards' root disks, one
 * target per client file with iscsi-image = (docs/netrootd.md).
 *
 * Layers (practices.md §16): the connection (iscsid.c: sockets, threads,
 * the PDU sequence, digests; iscsid_login.c: login, security, sessions,
 * SendTargets; iscsid_scsi.c: commands, R2T/Data-Out, Data-In, the I/O
 * workers' jobs) -> the PDU codec (iscsi_pdu.c) -> login and text
 * negotiation (iscsi_nego.c, CHAP in iscsi_chap.c) -> SCSI (scsi_cmd.c,
 * scsi_pr.c) -> the backing store (bstore.c), its slow I/O on the workers
 * (iopool.c).
 *
 * Concurrency: each connection runs in its own thread (connections spread
 * over the cores; a slow or malicious initiator holds only its own
 * thread), which never waits for the disk: a read or write whose data is
 * in memory is done at once (RWF_NOWAIT), anything that would wait goes to
 * the I/O workers (server/iopool.c, round robin between connections), and
 * the connection goes on reading commands meanwhile, so the disk sees many
 * at once. A login for a target is refused unless the initiator's name
 * is the one its client file names (one Pi never reaches another's disk,
 * even knowing its target name); discovery shows an initiator only its own
 * targets. A board that reboots and logs in again with the same initiator
 * name and ISID replaces its old session at once (reinstatement). */
#ifndef NETROOT_SERVER_ISCSID_H
#define NETROOT_SERVER_ISCSID_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "bstore.h"
#include "conf.h"
#include "iopool.h"
#include "iscsi_nego.h"
#include "scsi_cmd.h"

#define ISCSID_MAX_SESSIONS 256
#define ISCSID_IO_THREADS 16            /* as many reads at once as tgt's pool per LUN */

struct iscsi_target {
	char name[ISCSI_NAME_MAX + 1];
	char initiators[4 * (ISCSI_NAME_MAX + 1)];      /* the ones allowed, blank-separated */
	char client[NRD_NAME_LEN];
	char chap_user[224], chap_secret[256];          /* "": no CHAP, None is enough */
	char chap_tuser[224], chap_tsecret[256];        /* mutual CHAP: the target's own */
	struct bstore bs;
	struct scsi_lu lu;
	/* under iscsid.mu: the connections logged into it (or logging in),
	 * and whether a reload took it out of the list (closed and freed
	 * when the last of them ends) */
	int refs;
	bool retired;
	bool readonly;
	char image[PATH_LEN];
};

/* name is one of t's allowed initiators. */
bool iscsid_allowed(const struct iscsi_target *t, const char *name);

struct iscsid_sess {
	bool used;
	char initiator[ISCSI_NAME_MAX + 1];
	uint8_t isid[6];
	int fd;
	void *conn;
};

struct iscsid {
	struct iscsi_target **t;        /* the served targets (under mu once started) */
	int nt, cap;
	int lfd[NRD_MAX_IFACES];
	int nl;
	in4_t addrs[NRD_MAX_IFACES];    /* where to listen when a reload brings the first target */
	int naddrs;
	bool started;                   /* iscsid_start ran (a reload may listen then) */
	bool pool_on;
	uint16_t port;
	uint8_t require_digests;        /* set before iscsid_open: ISCSI_DIG_* a login must take */
	int io_threads;                 /* set before iscsid_open: the I/O workers (0: ISCSID_IO_THREADS) */
	struct iopool pool;
	pthread_mutex_t mu;             /* sess, next_tsih, counters */
	struct iscsid_sess sess[ISCSID_MAX_SESSIONS];
	uint16_t next_tsih;
	uint64_t nlogins, nrefused, nreinstated;
	/* told of every login to a target and every refused one (the fleet
	 * view), from the connection's thread: the board's name, its
	 * address, ok; NULL: nobody listens. Set before iscsid_start. */
	void (*on_login)(void *ctx, const char *client, in4_t ip, bool ok, const char *why);
	void *ev_ctx;
};

/* Opens every client's image and listens on port on each address (before
 * privileges are dropped). 0 (nothing to serve: d->nt == 0), or -errno
 * with msg. */
int iscsid_open(struct iscsid *d, uint16_t port, const struct nrd_client *cl, int n, const in4_t *addrs, int naddrs,
		char *msg, size_t msglen);

/* SIGHUP: the boards again. A new board's disk is opened and served; a
 * board whose file is gone, or whose disk, name, initiators or CHAP
 * changed, has its target retired: no new login, not in discovery, its
 * sessions go on until they end, then its disk is closed (a changed board
 * gets a new target beside it at once). Listens when the first target
 * arrives. Errors are logged; the rest is served. */
void iscsid_reload(struct iscsid *d, const struct nrd_client *cl, int n);

/* A connection's hold on the target named name (NULL: none such), and its
 * release (the last one of a retired target closes its disk). */
struct iscsi_target *iscsid_target_get(struct iscsid *d, const char *name);
void iscsid_target_put(struct iscsid *d, struct iscsi_target *t);

/* Starts the accepting threads (none while nothing is served: a reload
 * that brings the first target starts them). 0 or -errno. */
int iscsid_start(struct iscsid *d);

#endif

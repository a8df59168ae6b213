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
	struct iscsi_target *t;
	int nt;
	int lfd[NRD_MAX_IFACES];
	int nl;
	uint16_t port;
	uint8_t require_digests;        /* set before iscsid_open: ISCSI_DIG_* a login must take */
	int io_threads;                 /* set before iscsid_open: the I/O workers (0: ISCSID_IO_THREADS) */
	struct iopool pool;
	pthread_mutex_t mu;             /* sess, next_tsih, counters */
	struct iscsid_sess sess[ISCSID_MAX_SESSIONS];
	uint16_t next_tsih;
	uint64_t nlogins, nrefused, nreinstated;
};

/* Opens every client's image and listens on port on each address (before
 * privileges are dropped). 0 (nothing to serve: d->nt == 0), or -errno
 * with msg. */
int iscsid_open(struct iscsid *d, uint16_t port, const struct nrd_client *cl, int n, const in4_t *addrs, int naddrs,
		char *msg, size_t msglen);

/* Starts the accepting threads. 0 or -errno. */
int iscsid_start(struct iscsid *d);

#endif

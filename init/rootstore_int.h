/* The root-storage daemon's inside: its table of requests and the loop
 * that serves them (rootstore_io.c), shared with its start-up
 * (rootstore.c). Not for the rest of the init. */
#ifndef NETROOT_ROOTSTORE_INT_H
#define NETROOT_ROOTSTORE_INT_H

#include <stdbool.h>
#include <stdint.h>

#include <iscsi/iscsi.h>
#include <iscsi/scsi-lowlevel.h>

#include "iscsi_login.h"
#include "rootstore.h"

struct rs;

/* One request from the kernel, from the moment it is read until it is
 * answered. Every request in the table is either on the wire of the
 * current session (task set) or waiting to be sent (task NULL): at a new
 * session every one of them is sent again, oldest first. A request bigger
 * than the target takes in one command (VPD B0) goes out in pieces, one
 * at a time; `done` counts the bytes already acknowledged. */
struct rs_req {
	struct rs *rs;
	struct rs_req *prev, *next;     /* the table, in arrival order */
	uint64_t seq;                   /* arrival number: "oldest first" */
	uint64_t handle;                /* opaque to us, echoed to the kernel */
	uint32_t type, flags;
	uint64_t from;                  /* bytes */
	uint32_t len, done;             /* bytes asked, bytes acknowledged by the target */
	uint32_t piece;                 /* bytes of the piece on the wire */
	uint8_t *buf;
	struct scsi_task *task;         /* on the wire of the current session, or NULL */
	struct scsi_iovec iov;          /* reads land straight in buf */
	double retry_at;                /* waiting: not before this uptime (BUSY backoff) */
	int busy, unit_attentions, aborted, losses;
};

struct rs {
	struct iscsi_disk d;            /* the session now; d.ctx NULL while there is none */
	struct iscsi_disk first;        /* the disk as the first login found it */
	const struct rootstore_conf *conf;  /* for logging in again */
	struct iscsi_session_opts so;   /* the same ISID at every login */
	int sock;                       /* our end of the socketpair with the kernel */
	uint8_t in[65536];              /* bytes read from it, not yet taken */
	size_t in_off, in_len;
	bool in_drained;                /* the last read emptied the socket */
	struct rs_req *head, *tail;     /* the table, oldest first */
	int nreq_table;
	uint64_t bytes_table;           /* request buffers held */
	uint64_t mem_budget;            /* stop reading requests beyond this */
	uint32_t max_piece;             /* bytes per READ/WRITE command (0: no limit) */
	uint64_t max_unmap_blocks;      /* blocks per UNMAP command */
	uint32_t max_request;           /* bytes per kernel request (its max_sectors_kb) */
	uint64_t seq;
	bool stop;                      /* the kernel went away */
	bool draining;                  /* NBD_CMD_DISC: answer what is held, then stop */
	bool broken;                    /* the session is gone: log in again */
	bool destroying;                /* inside iscsi_destroy_context: completions are cancellations */
	char why[160];                  /* why the session was given up */
	double nop_sent;                /* uptime of the NOP-Out in flight, 0: none */
	double last_nop;
	double last_rx;                 /* uptime of the last bytes from the target */
	uint64_t nreq, nerr, nreconnect, nresent, nbusy;
	double relogin_secs;            /* the last rs_login_again(): how long, how many tries */
	int relogin_tries;
};

/* Logs in again until the target serves the disk rs->first was, then
 * resets the LU (a barrier against the old session's commands). */
void rs_login_again(struct rs *rs);

/* Serves until the kernel disconnects. */
void rs_serve(struct rs *rs);

/* The request-size cap and memory budget for a board with mem_total bytes
 * of RAM and the target's limits in d: filled into rs. */
void rs_set_limits(struct rs *rs, uint64_t mem_total);

/* ---- the supervisor and its standby (rootstore.c, rootstore_standby.c) */

/* Where the first worker of PID 1's root leaves what a standby needs: the
 * state (mode 0600: it holds the CHAP secrets) and a copy of this binary. */
#define RS_STATE_PARENT "/run/netroot"
#define RS_STATE_DIR    "/run/netroot/rootstore"
#define RS_STATE_FILE   RS_STATE_DIR "/state"

/* Holds the abstract unix socket name "netroot-nbd/ROLE/nbdN" (role
 * "supervisor" or "worker"): its fd, -EADDRINUSE while another process
 * holds it, or -errno. The name goes when the process holding it dies. */
int rs_claim(const char *role, const char *nbd_dev);

/* rs_claim(), again every poll_s while the name is held (logging
 * `waiting`, when not NULL, once it has to wait). */
int rs_claim_wait(const char *role, const char *nbd_dev, double poll_s, const char *waiting);

/* The standby's state for rs (its conf, ISID and first disk) into
 * RS_STATE_DIR, with a copy of this binary: 0 or -errno. */
int rs_state_save(const struct rs *rs);

/* Start workers one after another (from `generation`: 0 logs in and
 * connects the device and reports on sfd, later ones re-attach it) while
 * holding the supervisor's name (supfd). Returns the exit status. */
int rs_supervise(struct rs *rs, int supfd, int generation, int sfd);

void rs_harden(void);           /* signals, OOM, locked memory, not dumpable */
void rs_ignore_signals(void);
uint64_t rs_ram_bytes(void);

#endif

/* The parts of netrootd's iSCSI target (server/iscsid.c: connections;
 * iscsid_login.c: login, security and text; iscsid_scsi.c: SCSI commands,
 * their data and the I/O workers' jobs) share these. Not for elsewhere. */
#ifndef NETROOT_SERVER_ISCSID_INT_H
#define NETROOT_SERVER_ISCSID_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "buf.h"
#include "iopool.h"
#include "iscsi_nego.h"
#include "iscsi_pdu.h"
#include "iscsid.h"
#include "scsi_cmd.h"

#define QUEUE 128                       /* commands the initiator may have outstanding (MaxCmdSN window) */
#define MAX_TASKS 64                    /* writes waiting for their data */
#define TASK_BUF_MAX (2 * SCSI_MAX_XFER_BLOCKS * SCSI_BLOCK)   /* COMPARE AND WRITE sends 2n blocks */
#ifndef ISCSID_PING_IDLE_S
#define ISCSID_PING_IDLE_S 10           /* a session silent this long gets a NOP-In ping */
#endif
#ifndef ISCSID_PING_DEAD_S
#define ISCSID_PING_DEAD_S 15           /* and is closed when the ping goes unanswered this long */
#endif

#define JOB_BYTES_MAX (32u << 20)        /* a connection's buffers on the workers; past it, commands wait in line */

/* A command on an I/O worker (the disk may make it wait). */
struct job {
	struct iojob base;              /* first */
	struct conn *c;
	uint32_t itt, edtl, len;        /* len: the bytes the command moves */
	uint8_t lun[8], cdb[16];
	enum scsi_dir dir;
	bool partial;
	uint8_t *buf;                   /* the write's data, or the read's room */
	uint32_t outlen, cap, inlen;
	uint8_t ovun;                   /* a write's over/underflow (run_write) */
	uint32_t resid, r2tsn;
	struct scsi_status st;
};

struct wtask {                          /* a write waiting for Data-Out */
	bool used;
	uint32_t itt, ttt;
	uint8_t cdb[16];
	uint8_t *buf;
	uint32_t len;                   /* bytes the initiator sends (EDTL) */
	uint32_t need;                  /* bytes the command takes */
	uint32_t got;
	uint32_t r2t_end;               /* the end of the data solicited so far */
	uint32_t r2tsn;
	uint32_t datasn;                /* the next Data-Out's DataSN in this R2T's sequence */
	bool partial;                   /* a READ/WRITE: fewer bytes write fewer blocks */
	bool simple;                    /* task attribute SIMPLE (or untagged): may run beside others */
	uint8_t lun[8];
	uint16_t bad_asc;               /* a sequence error: the data is dropped, the write fails with this */
};

struct conn {
	struct iscsid *d;
	int fd;
	char who[48];                   /* "10.77.0.100:40000" */
	in4_t local;
	in4_t peer;
	struct iscsi_nego n;
	struct iscsi_target *tgt;
	bool ffp;                       /* full feature phase */
	uint8_t stage;                  /* login: the current stage */
	uint8_t isid[6];
	char nexus[PR_NEXUS_LEN];       /* "initiator,i,0xISID": who holds reservations */
	uint16_t tsih;
	uint32_t statsn, expcmdsn;
	uint32_t next_ttt;
	bool hdig, ddig;                /* CRC32C digests, from the first PDU after the login */
	uint32_t ping_ttt;              /* the NOP-In ping waiting for its NOP-Out; 0: none */
	time_t ping_sent;
	struct wtask tasks[MAX_TASKS];
	struct ioq q;                   /* its commands on the I/O workers */
	uint64_t job_bytes;             /* their buffers, bounded by JOB_BYTES_MAX */
	bool aborted_found;             /* ABORT TASK found its task among the jobs */
	uint8_t bhs[ISCSI_BHS_LEN];
	uint8_t *data;                  /* a received data segment (+ pad) */
	uint8_t *in;                    /* what a read returns */
	struct wbuf *kv;
	uint8_t kvbuf[ISCSI_TEXT_MAX];
};

/* iscsid.c: one PDU out (digests added), the sequence numbers of an
 * answer, a command's CmdSN check, a Reject. */
int iscsid_send_pdu(struct conn *c, const uint8_t *bhs, const void *data, uint32_t len);
void iscsid_sns(struct conn *c, uint8_t *bhs, bool status);
bool iscsid_cmdsn(struct conn *c, const struct iscsi_bhs *h);
int iscsid_reject(struct conn *c, uint8_t reason);

/* iscsid_login.c: a login or text request (0 to go on, -1 to close);
 * the session's end. */
int iscsid_login(struct conn *c, const struct iscsi_bhs *h);
int iscsid_text(struct conn *c, const struct iscsi_bhs *h);
void iscsid_unregister_session(struct conn *c);

/* iscsid_scsi.c: a SCSI command, a Data-Out (0 or -1 to close); the
 * answers of jobs the workers finished; waiting for all of them, those
 * abort() picks left unanswered; a job's memory. */
int iscsid_scsi_cmd(struct conn *c, const struct iscsi_bhs *h);
int iscsid_data_out(struct conn *c, const struct iscsi_bhs *h);
int iscsid_jobs_answer(struct conn *c);
int iscsid_jobs_settle(struct conn *c, bool (*abort)(const struct job *j, uint32_t itt), uint32_t itt);
void iscsid_job_free(struct conn *c, struct job *j);

#endif

/* SCSI block commands (SPC-4 / SBC-3) for netrootd's iSCSI target
 * (server/scsi_cmd.c): one handler per operation code, in a table (as
 * tgt's sbc.c / spc.c), every CDB field read through the bounded cursor
 * helpers, every transfer through the LUN's backing store (bstore.h).
 * Pure over (the LUN, the CDB, the data): no sockets. */
#ifndef NETROOT_SERVER_SCSI_CMD_H
#define NETROOT_SERVER_SCSI_CMD_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "bstore.h"
#include "scsi_pr.h"

#define SCSI_BLOCK 512u
#define SCSI_MAX_XFER_BLOCKS 8192u      /* 4 MiB: Block Limits' MAXIMUM TRANSFER LENGTH */

struct scsi_lu {
	struct bstore *bs;
	uint64_t nblocks;
	bool readonly;
	char serial[33];                /* VPD 0x80 */
	uint8_t naa[16];                /* VPD 0x83: NAA 6 designator */
	pthread_mutex_t atomic;         /* COMPARE AND WRITE against every other writer of this LUN */
	struct scsi_pr pr;              /* persistent reservations */
};

enum scsi_dir { SCSI_NONE = 0, SCSI_IN, SCSI_OUT };

struct scsi_status {
	uint8_t status;                 /* 0 GOOD, 2 CHECK CONDITION */
	uint8_t sense[18];              /* fixed format, when CHECK CONDITION */
};

/* What cdb moves (nexus: who asks; a reservation another holds answers
 * RESERVATION CONFLICT): its direction and bytes, and whether it may move fewer
 * (a READ or WRITE whose transport carries fewer bytes than its blocks —
 * iSCSI's Expected Data Transfer Length — moves the whole blocks that fit:
 * residual overflow). 0, or -1 with st filled (INVALID COMMAND OPERATION
 * CODE, a protection field set, an LBA out of range, a transfer longer
 * than SCSI_MAX_XFER_BLOCKS). */
int scsi_plan(struct scsi_lu *lu, const char *nexus, const uint8_t *cdb, enum scsi_dir *dir, uint32_t *len,
	      bool *partial, struct scsi_status *st);

/* Runs cdb: out/outlen the data received (SCSI_OUT: a partial command
 * writes outlen / 512 blocks), in/cap the room for what it returns
 * (SCSI_IN, *inlen set: at most cap). st: the status. */
void scsi_exec(struct scsi_lu *lu, const char *nexus, const uint8_t *cdb, const uint8_t *out, uint32_t outlen,
	       uint8_t *in, uint32_t cap, uint32_t *inlen, struct scsi_status *st);

/* CHECK CONDITION with sense key and ASC/ASCQ (0x2400: INVALID FIELD IN CDB). */
void scsi_sense(struct scsi_status *st, uint8_t key, uint16_t asc);

/* What a command asks of the store: nothing (run it at once), a read or
 * a write that may be done without waiting when the data is in memory
 * (scsi_exec_nowait first), or I/O that may wait (a worker runs it). */
enum scsi_io_class { SCSI_IO_NONE, SCSI_IO_TRY, SCSI_IO_WAIT };
enum scsi_io_class scsi_io_class(const uint8_t *cdb);

/* scsi_exec of a SCSI_IO_TRY command through the store's try_read/
 * try_write: 0 done (as scsi_exec), 1 it would have waited (nothing done:
 * run scsi_exec on a worker). */
int scsi_exec_nowait(struct scsi_lu *lu, const char *nexus, const uint8_t *cdb, const uint8_t *out, uint32_t outlen,
		     uint8_t *in, uint32_t cap, uint32_t *inlen, struct scsi_status *st);

/* nexus: the I_T nexus a command comes from ("iqn...,i,0xISID"), for
 * persistent reservations. */

/* A LUN over bs, its identifiers derived from name (the target's). */
void scsi_lu_init(struct scsi_lu *lu, struct bstore *bs, const char *name);

#endif

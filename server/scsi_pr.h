/* SCSI persistent reservations (SPC-4 5.13) for netrootd's target
 * (server/scsi_pr.c): registrations and the reservation of one LUN,
 * shared by every I_T nexus (initiator name + ISID) that logs into it.
 * Kept in memory (APTPL is not offered): a restart of netrootd clears
 * them, as a power cycle of a disk without APTPL would. */
#ifndef NETROOT_SERVER_SCSI_PR_H
#define NETROOT_SERVER_SCSI_PR_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#define PR_MAX_REGS 32
#define PR_NEXUS_LEN 256                /* "iqn...,i,0x400000123456" */

struct scsi_status;

struct scsi_pr {
	pthread_mutex_t mu;
	uint32_t gen;                   /* PRgeneration */
	int nregs;
	struct {
		char nexus[PR_NEXUS_LEN];
		uint64_t key;
	} regs[PR_MAX_REGS];
	bool reserved;
	char holder[PR_NEXUS_LEN];      /* for the all-registrants types: any registrant holds it */
	uint8_t type;
};

void scsi_pr_init(struct scsi_pr *pr);

/* PERSISTENT RESERVE IN / OUT. */
void scsi_pr_in(struct scsi_pr *pr, const uint8_t *cdb, uint8_t *out, uint32_t cap, uint32_t *len,
		struct scsi_status *st);
void scsi_pr_out(struct scsi_pr *pr, const char *nexus, const uint8_t *cdb, const uint8_t *param, uint32_t plen,
		 struct scsi_status *st);

/* Whether nexus may read (write) the medium under the reservation now. */
bool scsi_pr_allows(struct scsi_pr *pr, const char *nexus, bool write);

#endif

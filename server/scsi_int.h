/* The parts of netrootd's SCSI layer (server/scsi_cmd.c: the command table,
 * plan and execution; scsi_spc.c: SPC commands; scsi_sbc.c: SBC commands)
 * share these. Not for elsewhere. */
#ifndef NETROOT_SERVER_SCSI_INT_H
#define NETROOT_SERVER_SCSI_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "scsi_cmd.h"

/* sense keys and ASC/ASCQ pairs used here */
#define SK_NOT_READY 0x02
#define SK_MEDIUM_ERROR 0x03
#define SK_ILLEGAL_REQUEST 0x05
#define SK_DATA_PROTECT 0x07
#define SK_MISCOMPARE 0x0e
#define ASC_INVALID_OPCODE 0x2000
#define ASC_LBA_OUT_OF_RANGE 0x2100
#define ASC_INVALID_FIELD_CDB 0x2400
#define ASC_INVALID_FIELD_PARAM 0x2600
#define ASC_PARAM_LIST_LENGTH 0x1a00
#define ASC_WRITE_PROTECTED 0x2700
#define ASC_READ_ERROR 0x1100
#define ASC_WRITE_ERROR 0x0c00
#define ASC_MISCOMPARE_VERIFY 0x1d00
#define ASC_SAVING_NOT_SUPPORTED 0x3900

struct ctx {
	struct scsi_lu *lu;
	const char *nexus;
	const uint8_t *cdb;
	const uint8_t *out;
	uint32_t outlen;
	uint8_t *in;
	uint32_t cap, *inlen;
	struct scsi_status *st;
	bool nowait;                    /* scsi_exec_nowait: the store's try_* only */
	bool would_block;               /* ... and it would have waited: nothing done */
};

static inline void sense(struct scsi_status *st, uint8_t key, uint16_t asc)
{
	memset(st, 0, sizeof(*st));
	st->status = 2;
	st->sense[0] = 0x70;
	st->sense[2] = key;
	st->sense[7] = 10;
	st->sense[12] = (uint8_t)(asc >> 8);
	st->sense[13] = (uint8_t)asc;
}

static inline uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}
static inline uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static inline uint64_t be64(const uint8_t *p)
{
	return (uint64_t)be32(p) << 32 | be32(p + 4);
}
static inline void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}
static inline void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}
static inline void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)(v >> 32));
	put32(p + 4, (uint32_t)v);
}

/* The LBA and block count of a READ/WRITE/VERIFY/WRITE SAME/C&W CDB. */
static inline void lba_count(const uint8_t *cdb, uint64_t *lba, uint32_t *n)
{
	switch (cdb[0] >> 5) {
	case 0:         /* 6-byte */
		*lba = (uint32_t)(cdb[1] & 0x1f) << 16 | be16(cdb + 2);
		*n = cdb[4] ? cdb[4] : 256;
		break;
	case 1:         /* 10-byte */
	case 2:
		*lba = be32(cdb + 2);
		*n = be16(cdb + 7);
		break;
	case 5:         /* 12-byte */
		*lba = be32(cdb + 2);
		*n = be32(cdb + 6);
		break;
	default:        /* 16-byte */
		*lba = be64(cdb + 2);
		*n = cdb[0] == 0x89 ? cdb[13] : be32(cdb + 10);
		break;
	}
}

static inline bool in_range(const struct scsi_lu *lu, uint64_t lba, uint64_t n)
{
	return lba <= lu->nblocks && n <= lu->nblocks - lba;
}

/* Copies n bytes of src (what the command produced) into the initiator's
 * buffer, cut at the allocation length / room. */
static inline void reply(struct ctx *c, const uint8_t *src, uint32_t n)
{
	if (n > c->cap)
		n = c->cap;
	memcpy(c->in, src, n);
	*c->inlen = n;
}

/* scsi_spc.c */
void scsi_tur(struct ctx *c);
void scsi_request_sense(struct ctx *c);
void scsi_inquiry(struct ctx *c);
void scsi_report_luns(struct ctx *c);
void scsi_mode_sense(struct ctx *c);
void scsi_mode_select(struct ctx *c);
void scsi_prin(struct ctx *c);
void scsi_prout(struct ctx *c);

/* scsi_sbc.c */
void scsi_read_capacity10(struct ctx *c);
void scsi_read_capacity16(struct ctx *c);
void scsi_do_read(struct ctx *c);
void scsi_do_write(struct ctx *c);
void scsi_verify(struct ctx *c);
void scsi_sync_cache(struct ctx *c);
void scsi_start_stop(struct ctx *c);
void scsi_unmap(struct ctx *c);
void scsi_write_same(struct ctx *c);
void scsi_compare_and_write(struct ctx *c);
void scsi_prefetch(struct ctx *c);
void scsi_get_lba_status(struct ctx *c);
bool scsi_fua(const uint8_t *cdb);

#endif

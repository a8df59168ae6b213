#include "scsi_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


void scsi_sense(struct scsi_status *st, uint8_t key, uint16_t asc)
{
	sense(st, key, asc);
}

static void report_opcodes(struct ctx *c);

/* ---- the table ------------------------------------------------------------- */

enum xfer { X_NONE, X_ALLOC6, X_ALLOC_B34, X_ALLOC_B78, X_ALLOC_B69, X_ALLOC_B1013, X_BLOCKS, X_BLOCKS_OUT,
	    X_VERIFY, X_ONE_BLOCK_OUT, X_TWO_N_OUT, X_PARAM_B78, X_FIXED8, X_FIXED_ALLOC16, X_PARAM_B58 };

struct scsi_op {
	uint8_t op;
	uint8_t sa;                     /* service action (byte 1, low 5 bits), 0xff: none */
	enum scsi_dir dir;
	enum xfer xfer;
	bool writes;                    /* refused on a read-only LUN */
	bool lba;                       /* LBA + count checked against the capacity */
	void (*run)(struct ctx *);
	bool prot;                      /* byte 1 bits 7-5 RD/WRPROTECT: no protection information here */
	bool partial;                   /* may move fewer whole blocks than asked */
};

static const struct scsi_op ops[] = {
	{ 0x00, 0xff, SCSI_NONE, X_NONE, false, false, scsi_tur, false, false },                  /* TEST UNIT READY */
	{ 0x03, 0xff, SCSI_IN, X_ALLOC6, false, false, scsi_request_sense, false, false },        /* REQUEST SENSE */
	{ 0x08, 0xff, SCSI_IN, X_BLOCKS, false, true, scsi_do_read, false, true },               /* READ 6 */
	{ 0x0a, 0xff, SCSI_OUT, X_BLOCKS_OUT, true, true, scsi_do_write, false, true },          /* WRITE 6 */
	{ 0x12, 0xff, SCSI_IN, X_ALLOC_B34, false, false, scsi_inquiry, false, false },           /* INQUIRY */
	{ 0x1a, 0xff, SCSI_IN, X_ALLOC6, false, false, scsi_mode_sense, false, false },           /* MODE SENSE 6 */
	{ 0x1b, 0xff, SCSI_NONE, X_NONE, false, false, scsi_start_stop, false, false },           /* START STOP UNIT */
	{ 0x1e, 0xff, SCSI_NONE, X_NONE, false, false, scsi_start_stop, false, false },           /* PREVENT ALLOW MEDIUM REMOVAL */
	{ 0x25, 0xff, SCSI_IN, X_FIXED8, false, false, scsi_read_capacity10, false, false },      /* READ CAPACITY 10 */
	{ 0x28, 0xff, SCSI_IN, X_BLOCKS, false, true, scsi_do_read, true, true },               /* READ 10 */
	{ 0x2a, 0xff, SCSI_OUT, X_BLOCKS_OUT, true, true, scsi_do_write, true, true },          /* WRITE 10 */
	{ 0x2e, 0xff, SCSI_OUT, X_BLOCKS_OUT, true, true, scsi_do_write, true, true },          /* WRITE AND VERIFY 10 */
	{ 0x2f, 0xff, SCSI_OUT, X_VERIFY, false, true, scsi_verify, true, false },               /* VERIFY 10 */
	{ 0x35, 0xff, SCSI_NONE, X_NONE, false, false, scsi_sync_cache, false, false },           /* SYNCHRONIZE CACHE 10 */
	{ 0x41, 0xff, SCSI_OUT, X_ONE_BLOCK_OUT, true, true, scsi_write_same, true, false },     /* WRITE SAME 10 */
	{ 0x42, 0xff, SCSI_OUT, X_PARAM_B78, true, false, scsi_unmap, false, false },             /* UNMAP */
	{ 0x5a, 0xff, SCSI_IN, X_ALLOC_B78, false, false, scsi_mode_sense, false, false },        /* MODE SENSE 10 */
	{ 0x88, 0xff, SCSI_IN, X_BLOCKS, false, true, scsi_do_read, true, true },               /* READ 16 */
	{ 0x89, 0xff, SCSI_OUT, X_TWO_N_OUT, true, true, scsi_compare_and_write, true, false },  /* COMPARE AND WRITE */
	{ 0x8a, 0xff, SCSI_OUT, X_BLOCKS_OUT, true, true, scsi_do_write, true, true },          /* WRITE 16 */
	{ 0x8e, 0xff, SCSI_OUT, X_BLOCKS_OUT, true, true, scsi_do_write, true, true },          /* WRITE AND VERIFY 16 */
	{ 0x8f, 0xff, SCSI_OUT, X_VERIFY, false, true, scsi_verify, true, false },               /* VERIFY 16 */
	{ 0x91, 0xff, SCSI_NONE, X_NONE, false, false, scsi_sync_cache, false, false },           /* SYNCHRONIZE CACHE 16 */
	{ 0x93, 0xff, SCSI_OUT, X_ONE_BLOCK_OUT, true, true, scsi_write_same, true, false },     /* WRITE SAME 16 */
	{ 0x9e, 0x10, SCSI_IN, X_FIXED_ALLOC16, false, false, scsi_read_capacity16, false, false }, /* READ CAPACITY 16 */
	{ 0xa0, 0xff, SCSI_IN, X_ALLOC_B69, false, false, scsi_report_luns, false, false },       /* REPORT LUNS */
	{ 0xa8, 0xff, SCSI_IN, X_BLOCKS, false, true, scsi_do_read, true, true },               /* READ 12 */
	{ 0xaa, 0xff, SCSI_OUT, X_BLOCKS_OUT, true, true, scsi_do_write, true, true },          /* WRITE 12 */
	{ 0xae, 0xff, SCSI_OUT, X_BLOCKS_OUT, true, true, scsi_do_write, true, true },          /* WRITE AND VERIFY 12 */
	{ 0xaf, 0xff, SCSI_OUT, X_VERIFY, false, true, scsi_verify, true, false },              /* VERIFY 12 */
	{ 0x34, 0xff, SCSI_NONE, X_NONE, false, true, scsi_prefetch, false, false },            /* PRE-FETCH 10 */
	{ 0x90, 0xff, SCSI_NONE, X_NONE, false, true, scsi_prefetch, false, false },            /* PRE-FETCH 16 */
	{ 0x9e, 0x12, SCSI_IN, X_FIXED_ALLOC16, false, false, scsi_get_lba_status, false, false }, /* GET LBA STATUS */
	{ 0x15, 0xff, SCSI_OUT, X_ALLOC6, false, false, scsi_mode_select, false, false },       /* MODE SELECT 6 */
	{ 0x55, 0xff, SCSI_OUT, X_ALLOC_B78, false, false, scsi_mode_select, false, false },    /* MODE SELECT 10 */
	{ 0xa3, 0x0c, SCSI_IN, X_ALLOC_B69, false, false, report_opcodes, false, false },  /* REPORT SUPPORTED OPERATION CODES */
	{ 0x5e, 0xff, SCSI_IN, X_ALLOC_B78, false, false, scsi_prin, false, false },           /* PERSISTENT RESERVE IN */
	{ 0x5f, 0xff, SCSI_OUT, X_PARAM_B58, false, false, scsi_prout, false, false },         /* PERSISTENT RESERVE OUT */
};
static const size_t nops = sizeof(ops) / sizeof(ops[0]);

static size_t cdb_len(uint8_t op)
{
	switch (op >> 5) {
	case 0:
		return 6;
	case 1:
	case 2:
		return 10;
	case 5:
		return 12;
	default:
		return 16;
	}
}

/* The CDB usage map of o: the bits this target reads (SPC-4 6.35.3). */
static size_t usage(const struct scsi_op *o, uint8_t *u)
{
	size_t n = cdb_len(o->op);

	memset(u, 0xff, n);
	u[0] = o->op;
	if (o->sa != 0xff)
		u[1] = o->sa;
	else if (o->partial)
		u[1] = 0x18;    /* DPO, FUA */
	else if (o->run == scsi_verify)
		u[1] = 0x16;    /* DPO, BYTCHK */
	u[n - 1] = 0x00;        /* CONTROL: nothing */
	return n;
}

/* REPORT SUPPORTED OPERATION CODES: all of them (option 0), or one (1-3). */
static void report_opcodes(struct ctx *c)
{
	uint8_t opt = c->cdb[2] & 0x07, op = c->cdb[3], d[8 + 40 * 20 + 64];
	uint16_t sa = be16(c->cdb + 4);
	bool rctd = c->cdb[2] & 0x80;
	size_t n = 4;

	memset(d, 0, sizeof(d));
	if (opt == 0) {
		for (size_t i = 0; i < nops; i++) {
			uint8_t *e = d + n;

			e[0] = ops[i].op;
			if (ops[i].sa != 0xff) {
				put16(e + 2, ops[i].sa);
				e[5] = 0x01;    /* SERVACTV */
			}
			put16(e + 6, (uint16_t)cdb_len(ops[i].op));
			n += 8;
			if (rctd) {
				e[5] |= 0x02;   /* CTDP: a timeouts descriptor follows */
				put16(d + n, 10);
				n += 12;
			}
		}
		put32(d, (uint32_t)(n - 4));
		reply(c, d, n);
		return;
	}
	if (opt > 3) {
		sense(c->st, SK_ILLEGAL_REQUEST, ASC_INVALID_FIELD_CDB);
		return;
	}
	for (size_t i = 0; i < nops; i++) {
		const struct scsi_op *o = &ops[i];
		size_t u;

		if (o->op != op)
			continue;
		if (opt == 1 && o->sa != 0xff) {
			sense(c->st, SK_ILLEGAL_REQUEST, ASC_INVALID_FIELD_CDB);    /* it has service actions */
			return;
		}
		if (opt == 2 && o->sa == 0xff) {
			sense(c->st, SK_ILLEGAL_REQUEST, ASC_INVALID_FIELD_CDB);    /* it has none */
			return;
		}
		if (opt == 2 && o->sa != sa)
			continue;
		if (opt == 3 && o->sa != 0xff && o->sa != sa)
			continue;
		d[1] = 0x03 | (rctd ? 0x80 : 0);        /* supported as the standard says */
		u = usage(o, d + 4);
		put16(d + 2, (uint16_t)u);
		n = 4 + u;
		if (rctd) {
			put16(d + n, 10);
			n += 12;
		}
		reply(c, d, n);
		return;
	}
	d[1] = 0x01;            /* not supported */
	reply(c, d, 4);
}


static const struct scsi_op *find(const uint8_t *cdb)
{
	for (size_t i = 0; i < nops; i++)
		if (ops[i].op == cdb[0] && (ops[i].sa == 0xff || ops[i].sa == (cdb[1] & 0x1f)))
			return &ops[i];
	return NULL;
}

/* 1 medium read, 2 medium write, 0 neither: what a reservation governs. */
static int access_of(const struct scsi_op *o)
{
	if (o->writes || o->run == scsi_sync_cache)
		return 2;
	return o->lba || o->run == scsi_get_lba_status ? 1 : 0;
}

int scsi_plan(struct scsi_lu *lu, const char *nexus, const uint8_t *cdb, enum scsi_dir *dir, uint32_t *len,
	      bool *partial, struct scsi_status *st)
{
	const struct scsi_op *o = find(cdb);
	uint64_t lba = 0;
	uint32_t n = 0;

	memset(st, 0, sizeof(*st));
	if (!o) {
		sense(st, SK_ILLEGAL_REQUEST, ASC_INVALID_OPCODE);
		return -1;
	}
	*partial = o->partial;
	if (access_of(o) && !scsi_pr_allows(&lu->pr, nexus, access_of(o) == 2)) {
		st->status = 0x18;      /* RESERVATION CONFLICT */
		return -1;
	}
	if (o->prot && (cdb[1] >> 5)) {
		sense(st, SK_ILLEGAL_REQUEST, ASC_INVALID_FIELD_CDB);
		return -1;
	}
	if (o->lba) {
		lba_count(cdb, &lba, &n);
		if (!in_range(lu, lba, n)) {
			sense(st, SK_ILLEGAL_REQUEST, ASC_LBA_OUT_OF_RANGE);
			return -1;
		}
		if (cdb[0] == 0x41 || cdb[0] == 0x93) {
			/* WSNZ: 0 blocks is refused; no ANCHOR (ANC_SUP 0) */
			if (n == 0 || n > SCSI_MAX_XFER_BLOCKS || (cdb[1] & 0x10)) {
				sense(st, SK_ILLEGAL_REQUEST, ASC_INVALID_FIELD_CDB);
				return -1;
			}
		} else if (n > SCSI_MAX_XFER_BLOCKS || (cdb[0] == 0x89 && n != 1)) {
			/* COMPARE AND WRITE: 1 block (Block Limits). 0 blocks is
			 * refused too: SBC-3 calls it a no-op, but a 1-byte count
			 * of 256 reads as 0, and the initiator's data would be
			 * dropped unnoticed (libiscsi's suite expects the error) */
			sense(st, SK_ILLEGAL_REQUEST, ASC_INVALID_FIELD_CDB);
			return -1;
		}
	}
	if (o->writes && lu->readonly) {
		sense(st, SK_DATA_PROTECT, ASC_WRITE_PROTECTED);
		return -1;
	}
	*dir = o->dir;
	switch (o->xfer) {
	case X_NONE:
		*len = 0;
		break;
	case X_ALLOC6:
		*len = cdb[4];
		break;
	case X_ALLOC_B34:
		*len = be16(cdb + 3);
		break;
	case X_ALLOC_B78:
	case X_PARAM_B78:
		*len = be16(cdb + 7);
		break;
	case X_ALLOC_B69:
		*len = be32(cdb + 6);
		break;
	case X_ALLOC_B1013:
	case X_FIXED_ALLOC16:
		*len = be32(cdb + 10);
		break;
	case X_FIXED8:
		*len = 8;
		break;
	case X_PARAM_B58:
		*len = be32(cdb + 5);
		break;
	case X_BLOCKS:
	case X_BLOCKS_OUT:
		*len = n * SCSI_BLOCK;
		break;
	case X_VERIFY:
		*len = ((cdb[1] >> 1) & 3) ? n * SCSI_BLOCK : 0;
		if (!*len)
			*dir = SCSI_NONE;
		break;
	case X_ONE_BLOCK_OUT:
		*len = cdb[0] == 0x93 && (cdb[1] & 0x01) ? 0 : SCSI_BLOCK;
		if (!*len)
			*dir = SCSI_NONE;
		break;
	case X_TWO_N_OUT:
		*len = 2 * n * SCSI_BLOCK;
		break;
	}
	if (*len > SCSI_MAX_XFER_BLOCKS * SCSI_BLOCK)
		*len = SCSI_MAX_XFER_BLOCKS * SCSI_BLOCK;      /* allocation lengths above: cut */
	return 0;
}

void scsi_exec(struct scsi_lu *lu, const char *nexus, const uint8_t *cdb, const uint8_t *out, uint32_t outlen,
	       uint8_t *in, uint32_t cap, uint32_t *inlen, struct scsi_status *st)
{
	const struct scsi_op *o = find(cdb);
	struct ctx c = { lu, nexus, cdb, out, outlen, in, cap, inlen, st, false, false };

	memset(st, 0, sizeof(*st));
	*inlen = 0;
	if (!o) {
		sense(st, SK_ILLEGAL_REQUEST, ASC_INVALID_OPCODE);
		return;
	}
	o->run(&c);
}

enum scsi_io_class scsi_io_class(const uint8_t *cdb)
{
	switch (cdb[0]) {
	case 0x08: case 0x28: case 0xa8: case 0x88:     /* READ 6/10/12/16 */
	case 0x0a:                                      /* WRITE 6 */
		return SCSI_IO_TRY;
	case 0x2a: case 0xaa: case 0x8a:                /* WRITE 10/12/16: FUA waits for the disk */
		return scsi_fua(cdb) ? SCSI_IO_WAIT : SCSI_IO_TRY;
	case 0x2e: case 0x8e:                           /* WRITE AND VERIFY */
	case 0x2f: case 0xaf: case 0x8f:                /* VERIFY */
	case 0x41: case 0x93:                           /* WRITE SAME */
	case 0x42:                                      /* UNMAP */
	case 0x35: case 0x91:                           /* SYNCHRONIZE CACHE */
	case 0x89:                                      /* COMPARE AND WRITE */
	case 0x34: case 0x90:                           /* PRE-FETCH */
		return SCSI_IO_WAIT;
	case 0x9e:                                      /* GET LBA STATUS (SEEK_DATA) */
		return (cdb[1] & 0x1f) == 0x12 ? SCSI_IO_WAIT : SCSI_IO_NONE;
	default:
		return SCSI_IO_NONE;
	}
}

int scsi_exec_nowait(struct scsi_lu *lu, const char *nexus, const uint8_t *cdb, const uint8_t *out, uint32_t outlen,
		     uint8_t *in, uint32_t cap, uint32_t *inlen, struct scsi_status *st)
{
	const struct scsi_op *o = find(cdb);
	struct ctx c = { lu, nexus, cdb, out, outlen, in, cap, inlen, st, true, false };

	if (!o || scsi_io_class(cdb) != SCSI_IO_TRY)
		return 1;
	memset(st, 0, sizeof(*st));
	*inlen = 0;
	o->run(&c);
	return c.would_block ? 1 : 0;
}

void scsi_lu_init(struct scsi_lu *lu, struct bstore *bs, const char *name)
{
	uint64_t h = 1469598103934665603ull;

	memset(lu, 0, sizeof(*lu));
	lu->bs = bs;
	lu->nblocks = bs->size / SCSI_BLOCK;
	lu->readonly = bs->readonly;
	for (const char *p = name; *p; p++)
		h = (h ^ (uint8_t)*p) * 1099511628211ull;
	snprintf(lu->serial, sizeof(lu->serial), "%016llx", (unsigned long long)h);
	/* NAA 6 (IEEE Registered Extended) with OUI 0 and the name's hash */
	lu->naa[0] = 0x60;
	for (int i = 0; i < 8; i++)
		lu->naa[8 + i] = (uint8_t)(h >> (56 - 8 * i));
	pthread_mutex_init(&lu->atomic, NULL);
	scsi_pr_init(&lu->pr);
}

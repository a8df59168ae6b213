#include "scsi_cmd.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

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

static void sense(struct scsi_status *st, uint8_t key, uint16_t asc)
{
	memset(st, 0, sizeof(*st));
	st->status = 2;
	st->sense[0] = 0x70;
	st->sense[2] = key;
	st->sense[7] = 10;
	st->sense[12] = (uint8_t)(asc >> 8);
	st->sense[13] = (uint8_t)asc;
}

void scsi_sense(struct scsi_status *st, uint8_t key, uint16_t asc)
{
	sense(st, key, asc);
}

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}
static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static uint64_t be64(const uint8_t *p)
{
	return (uint64_t)be32(p) << 32 | be32(p + 4);
}
static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}
static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}
static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)(v >> 32));
	put32(p + 4, (uint32_t)v);
}

/* The LBA and block count of a READ/WRITE/VERIFY/WRITE SAME/C&W CDB. */
static void lba_count(const uint8_t *cdb, uint64_t *lba, uint32_t *n)
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

static bool in_range(const struct scsi_lu *lu, uint64_t lba, uint64_t n)
{
	return lba <= lu->nblocks && n <= lu->nblocks - lba;
}

/* Copies n bytes of src (what the command produced) into the initiator's
 * buffer, cut at the allocation length / room. */
static void reply(struct ctx *c, const uint8_t *src, uint32_t n)
{
	if (n > c->cap)
		n = c->cap;
	memcpy(c->in, src, n);
	*c->inlen = n;
}

/* ---- SPC ------------------------------------------------------------------ */

static void tur(struct ctx *c)
{
	(void)c;
}

static void request_sense(struct ctx *c)
{
	uint8_t s[18] = { 0x70, 0, 0, 0, 0, 0, 0, 10 };

	reply(c, s, sizeof(s));
}

static void inquiry(struct ctx *c)
{
	uint8_t d[256];
	uint32_t n;
	const struct scsi_lu *lu = c->lu;

	memset(d, 0, sizeof(d));
	if (!(c->cdb[1] & 1)) {
		if (c->cdb[2]) {
			sense(c->st, SK_ILLEGAL_REQUEST, ASC_INVALID_FIELD_CDB);
			return;
		}
		d[2] = 0x06;            /* SPC-4 */
		d[3] = 0x12;            /* HiSup, response format 2 */
		d[4] = 66 - 5;
		d[7] = 0x02;            /* CmdQue */
		memcpy(d + 8, "NETROOT ", 8);
		memcpy(d + 16, "netrootd disk   ", 16);
		memcpy(d + 32, "0001", 4);
		put16(d + 58, 0x0460);  /* version descriptors: SPC-4, SBC-3, iSCSI */
		put16(d + 60, 0x04c0);
		put16(d + 62, 0x0960);
		reply(c, d, 66);
		return;
	}
	d[1] = c->cdb[2];
	switch (c->cdb[2]) {
	case 0x00: {
		static const uint8_t pages[] = { 0x00, 0x80, 0x83, 0xb0, 0xb1, 0xb2 };

		memcpy(d + 4, pages, sizeof(pages));
		n = sizeof(pages);
		break;
	}
	case 0x80:
		n = (uint32_t)strlen(lu->serial);
		memcpy(d + 4, lu->serial, n);
		break;
	case 0x83:
		/* NAA 6, binary, the logical unit */
		d[4] = 0x01;
		d[5] = 0x03;
		d[7] = 16;
		memcpy(d + 8, lu->naa, 16);
		/* T10 vendor ID, ASCII: "NETROOT " + serial */
		d[24] = 0x02;
		d[25] = 0x01;
		d[27] = (uint8_t)(8 + strlen(lu->serial));
		memcpy(d + 28, "NETROOT ", 8);
		memcpy(d + 36, lu->serial, strlen(lu->serial));
		n = 24 + d[27];
		break;
	case 0xb0:
		n = 0x3c;
		put16(d + 6, 8);                                /* optimal granularity: 4 KiB */
		put32(d + 8, SCSI_MAX_XFER_BLOCKS);
		put32(d + 12, 2048);                            /* optimal transfer: 1 MiB */
		d[4] = 0x01;                                    /* WSNZ: WRITE SAME of 0 blocks refused */
		d[5] = 1;                                       /* COMPARE AND WRITE: 1 block */
		if (lu->bs->can_discard) {
			put32(d + 20, 0xffffffffu);             /* max unmap LBA count */
			put32(d + 24, 64);                      /* descriptors */
			put32(d + 28, 8);                       /* unmap granularity */
		}
		put64(d + 36, SCSI_MAX_XFER_BLOCKS);            /* max WRITE SAME length */
		break;
	case 0xb1:
		n = 0x3c;
		put16(d + 4, 1);                                /* non-rotating */
		break;
	case 0xb2:
		n = 4;
		if (lu->bs->can_discard) {
			d[5] = 0x80 | 0x40 | 0x20 | 0x04;       /* LBPU, LBPWS, LBPWS10, LBPRZ */
			d[6] = 0x02;                            /* thin provisioned */
		}
		break;
	default:
		sense(c->st, SK_ILLEGAL_REQUEST, ASC_INVALID_FIELD_CDB);
		return;
	}
	put16(d + 2, (uint16_t)n);
	reply(c, d, 4 + n);
}

static void report_luns(struct ctx *c)
{
	uint8_t d[16] = { 0 };

	put32(d, 8);
	reply(c, d, sizeof(d));
}

/* MODE SENSE 6 and 10: the caching page (write cache on: writes without
 * FUA may be cached until SYNCHRONIZE CACHE) and the control page. */
static void mode_sense(struct ctx *c)
{
	bool ten = c->cdb[0] == 0x5a, dbd = c->cdb[1] & 0x08;
	uint8_t pc = c->cdb[2] >> 6, page = c->cdb[2] & 0x3f, d[128];
	uint32_t hl = ten ? 8 : 4, n;
	uint8_t caching[20] = { 0x08, 0x12, 0x04 }, control[12] = { 0x0a, 0x0a, 0x02 };

	if (pc == 3) {
		sense(c->st, SK_ILLEGAL_REQUEST, ASC_SAVING_NOT_SUPPORTED);
		return;
	}
	if (pc == 1) {          /* changeable: nothing */
		caching[2] = 0;
		control[2] = 0;
	}
	if ((page != 0x08 && page != 0x0a && page != 0x3f) || c->cdb[3]) {
		sense(c->st, SK_ILLEGAL_REQUEST, ASC_INVALID_FIELD_CDB);
		return;
	}
	memset(d, 0, sizeof(d));
	n = hl;
	if (!dbd) {
		uint64_t nb = c->lu->nblocks;

		put32(d + n, nb > 0xffffffffu ? 0xffffffffu : (uint32_t)nb);
		put32(d + n + 4, SCSI_BLOCK);
		n += 8;
	}
	if (page == 0x08 || page == 0x3f) {
		memcpy(d + n, caching, sizeof(caching));
		n += sizeof(caching);
	}
	if (page == 0x0a || page == 0x3f) {
		memcpy(d + n, control, sizeof(control));
		n += sizeof(control);
	}
	if (ten) {
		put16(d, (uint16_t)(n - 2));
		d[3] = (c->lu->readonly ? 0x80 : 0) | 0x10;     /* WP, DPOFUA */
		d[7] = dbd ? 0 : 8;
	} else {
		d[0] = (uint8_t)(n - 1);
		d[2] = (c->lu->readonly ? 0x80 : 0) | 0x10;
		d[3] = dbd ? 0 : 8;
	}
	reply(c, d, n);
}

/* ---- SBC ------------------------------------------------------------------ */

static void read_capacity10(struct ctx *c)
{
	uint8_t d[8];

	put32(d, c->lu->nblocks - 1 > 0xffffffffu ? 0xffffffffu : (uint32_t)(c->lu->nblocks - 1));
	put32(d + 4, SCSI_BLOCK);
	reply(c, d, sizeof(d));
}

static void read_capacity16(struct ctx *c)
{
	uint8_t d[32] = { 0 };

	put64(d, c->lu->nblocks - 1);
	put32(d + 8, SCSI_BLOCK);
	if (c->lu->bs->can_discard)
		d[14] = 0x80 | 0x40;    /* LBPME, LBPRZ */
	reply(c, d, sizeof(d));
}

static void rw_error(struct ctx *c, bool write, int r)
{
	if (r == -EROFS || r == -EPERM || r == -EACCES)
		sense(c->st, SK_DATA_PROTECT, ASC_WRITE_PROTECTED);
	else
		sense(c->st, SK_MEDIUM_ERROR, write ? ASC_WRITE_ERROR : ASC_READ_ERROR);
}

static int try_read(struct bstore *b, void *buf, size_t len, uint64_t off)
{
	return b->ops->try_read ? b->ops->try_read(b, buf, len, off) : -EAGAIN;
}

static void do_read(struct ctx *c)
{
	uint64_t lba;
	uint32_t n;
	int r;

	lba_count(c->cdb, &lba, &n);
	if ((uint64_t)n * SCSI_BLOCK > c->cap)
		n = c->cap / SCSI_BLOCK + (c->cap % SCSI_BLOCK != 0);  /* the transport's room: read what fits */
	r = (c->nowait ? try_read : c->lu->bs->ops->read)(c->lu->bs, c->in,
							  c->cap < (uint64_t)n * SCSI_BLOCK ? c->cap : (size_t)n * SCSI_BLOCK,
							  lba * SCSI_BLOCK);
	if (r == -EAGAIN && c->nowait) {
		c->would_block = true;
		return;
	}
	if (r < 0) {
		rw_error(c, false, r);
		return;
	}
	*c->inlen = c->cap < (uint64_t)n * SCSI_BLOCK ? c->cap : n * SCSI_BLOCK;
}

/* FUA: byte 1 bit 3 in the 10/12/16-byte forms. */
static bool fua(const uint8_t *cdb)
{
	return (cdb[0] >> 5) != 0 && (cdb[1] & 0x08);
}

static void do_write(struct ctx *c)
{
	uint64_t lba;
	uint32_t n;
	int r;

	lba_count(c->cdb, &lba, &n);
	if (c->outlen / SCSI_BLOCK < n)
		n = c->outlen / SCSI_BLOCK;     /* fewer bytes came: the whole blocks that did */
	if (!n)
		return;
	if (c->nowait) {        /* never with FUA: scsi_io_class */
		r = c->lu->bs->ops->try_write ? c->lu->bs->ops->try_write(c->lu->bs, c->out, (size_t)n * SCSI_BLOCK,
									lba * SCSI_BLOCK) : -EAGAIN;
		if (r == -EAGAIN) {
			c->would_block = true;
			return;
		}
	} else {
		r = c->lu->bs->ops->write(c->lu->bs, c->out, (size_t)n * SCSI_BLOCK, lba * SCSI_BLOCK,
					  fua(c->cdb) || c->cdb[0] == 0x2e || c->cdb[0] == 0x8e);
	}
	if (r < 0)
		rw_error(c, true, r);
}

static void verify(struct ctx *c)
{
	uint64_t lba;
	uint32_t n;
	uint8_t *buf;
	int r;

	if (((c->cdb[1] >> 1) & 3) == 0)
		return;         /* BYTCHK 0: the medium is readable: nothing to compare */
	lba_count(c->cdb, &lba, &n);
	if (c->outlen < n * SCSI_BLOCK) {
		sense(c->st, SK_ILLEGAL_REQUEST, ASC_INVALID_FIELD_CDB);        /* less data than the blocks to compare */
		return;
	}
	buf = malloc((size_t)n * SCSI_BLOCK + 1);
	if (!buf) {
		sense(c->st, SK_MEDIUM_ERROR, ASC_READ_ERROR);
		return;
	}
	r = c->lu->bs->ops->read(c->lu->bs, buf, (size_t)n * SCSI_BLOCK, lba * SCSI_BLOCK);
	if (r < 0)
		rw_error(c, false, r);
	else if (memcmp(buf, c->out, (size_t)n * SCSI_BLOCK))
		sense(c->st, SK_MISCOMPARE, ASC_MISCOMPARE_VERIFY);
	free(buf);
}

static void sync_cache(struct ctx *c)
{
	if (c->lu->bs->ops->flush(c->lu->bs) < 0)
		sense(c->st, SK_MEDIUM_ERROR, ASC_WRITE_ERROR);
}

static void start_stop(struct ctx *c)
{
	(void)c;
}

static void unmap(struct ctx *c)
{
	struct rbuf b = rb_init(c->out, c->outlen);
	uint16_t dl, bdl;

	if (c->outlen == 0)
		return;
	if (rb_be16(&b, &dl) < 0 || rb_be16(&b, &bdl) < 0 || rb_skip(&b, 4) < 0 || bdl % 16 || bdl > rb_left(&b)) {
		sense(c->st, SK_ILLEGAL_REQUEST, ASC_PARAM_LIST_LENGTH);
		return;
	}
	/* every descriptor checked before any is done */
	for (int pass = 0; pass < 2; pass++) {
		struct rbuf d = rb_init(b.p, bdl);

		while (rb_left(&d) >= 16) {
			uint32_t hi, lo, n;
			uint64_t lba;

			rb_be32(&d, &hi);
			rb_be32(&d, &lo);
			rb_be32(&d, &n);
			rb_skip(&d, 4);
			lba = (uint64_t)hi << 32 | lo;
			if (!in_range(c->lu, lba, n)) {
				sense(c->st, SK_ILLEGAL_REQUEST, ASC_LBA_OUT_OF_RANGE);
				return;
			}
			if (pass == 1 && n && c->lu->bs->ops->discard(c->lu->bs, lba * SCSI_BLOCK, (uint64_t)n * SCSI_BLOCK) < 0) {
				sense(c->st, SK_MEDIUM_ERROR, ASC_WRITE_ERROR);
				return;
			}
		}
	}
}

static void write_same(struct ctx *c)
{
	uint64_t lba;
	uint32_t n;
	bool do_unmap = c->cdb[1] & 0x08, ndob = c->cdb[0] == 0x93 && (c->cdb[1] & 0x01);
	static const uint8_t zero[SCSI_BLOCK];
	const uint8_t *blk = ndob ? zero : c->out;
	uint8_t *buf;
	int r = 0;

	lba_count(c->cdb, &lba, &n);
	if (!ndob && c->outlen < SCSI_BLOCK) {
		sense(c->st, SK_ILLEGAL_REQUEST, ASC_INVALID_FIELD_CDB);        /* no block to repeat */
		return;
	}
	if (do_unmap && c->lu->bs->can_discard && !memcmp(blk, zero, SCSI_BLOCK)) {
		if (c->lu->bs->ops->discard(c->lu->bs, lba * SCSI_BLOCK, (uint64_t)n * SCSI_BLOCK) < 0)
			sense(c->st, SK_MEDIUM_ERROR, ASC_WRITE_ERROR);
		return;
	}
	buf = malloc(64 * SCSI_BLOCK);
	if (!buf) {
		sense(c->st, SK_MEDIUM_ERROR, ASC_WRITE_ERROR);
		return;
	}
	for (uint32_t i = 0; i < 64; i++)
		memcpy(buf + i * SCSI_BLOCK, blk, SCSI_BLOCK);
	for (uint32_t done = 0; r == 0 && done < n;) {
		uint32_t k = n - done < 64 ? n - done : 64;

		r = c->lu->bs->ops->write(c->lu->bs, buf, (size_t)k * SCSI_BLOCK, (lba + done) * SCSI_BLOCK, false);
		done += k;
	}
	free(buf);
	if (r < 0)
		rw_error(c, true, r);
}

/* COMPARE AND WRITE: compare the first n blocks sent with the medium; when
 * equal, write the second n; atomic against every other writer of the LUN. */
static void compare_and_write(struct ctx *c)
{
	uint64_t lba;
	uint32_t n;
	uint8_t *cur;
	int r;

	lba_count(c->cdb, &lba, &n);
	if (c->outlen < 2 * n * SCSI_BLOCK) {
		sense(c->st, SK_ILLEGAL_REQUEST, ASC_INVALID_FIELD_CDB);        /* less data than 2 x n blocks */
		return;
	}
	cur = malloc((size_t)n * SCSI_BLOCK + 1);
	if (!cur) {
		sense(c->st, SK_MEDIUM_ERROR, ASC_READ_ERROR);
		return;
	}
	pthread_mutex_lock(&c->lu->atomic);
	r = c->lu->bs->ops->read(c->lu->bs, cur, (size_t)n * SCSI_BLOCK, lba * SCSI_BLOCK);
	if (r < 0) {
		rw_error(c, false, r);
	} else if (memcmp(cur, c->out, (size_t)n * SCSI_BLOCK)) {
		uint32_t off = 0;

		while (off < n * SCSI_BLOCK && cur[off] == c->out[off])
			off++;
		sense(c->st, SK_MISCOMPARE, ASC_MISCOMPARE_VERIFY);
		c->st->sense[0] |= 0x80;        /* VALID: the information field is the offset */
		put32(c->st->sense + 3, off);
	} else {
		r = c->lu->bs->ops->write(c->lu->bs, c->out + (size_t)n * SCSI_BLOCK, (size_t)n * SCSI_BLOCK,
					  lba * SCSI_BLOCK, fua(c->cdb));
		if (r < 0)
			rw_error(c, true, r);
	}
	pthread_mutex_unlock(&c->lu->atomic);
	free(cur);
}

static void prefetch(struct ctx *c)
{
	(void)c;        /* the range was checked; the page cache does the rest */
}

/* GET LBA STATUS: from the starting LBA, runs of mapped and deallocated
 * blocks as the image file's data and holes show them. */
static void get_lba_status(struct ctx *c)
{
	uint8_t d[8 + 16 * 8];
	uint64_t lba = be64(c->cdb + 2);
	uint32_t n = 0;

	memset(d, 0, sizeof(d));
	while (n < 8 && lba < c->lu->nblocks && 8 + 16 * (n + 1) <= c->cap) {
		bool mapped;
		uint64_t len, blocks;

		if (c->lu->bs->ops->mapping(c->lu->bs, lba * SCSI_BLOCK, &mapped, &len) < 0) {
			sense(c->st, SK_MEDIUM_ERROR, ASC_READ_ERROR);
			return;
		}
		blocks = (len + SCSI_BLOCK - 1) / SCSI_BLOCK;
		if (blocks == 0)
			break;
		if (blocks > 0xffffffffu)
			blocks = 0xffffffffu;
		put64(d + 8 + 16 * n, lba);
		put32(d + 8 + 16 * n + 8, (uint32_t)blocks);
		d[8 + 16 * n + 12] = mapped ? 0 : 1;
		lba += blocks;
		n++;
	}
	if (n == 0 && be64(c->cdb + 2) >= c->lu->nblocks) {
		sense(c->st, SK_ILLEGAL_REQUEST, ASC_LBA_OUT_OF_RANGE);
		return;
	}
	put32(d, 4 + 16 * n);
	reply(c, d, 8 + 16 * n);
}

/* MODE SELECT 6/10: the pages are accepted as they are (nothing here is
 * changeable); saving them is not supported. */
static void mode_select(struct ctx *c)
{
	if (!(c->cdb[1] & 0x10) || (c->cdb[1] & 0x01))
		sense(c->st, SK_ILLEGAL_REQUEST, ASC_INVALID_FIELD_CDB);        /* PF = 0, or SP = 1 */
}

static void report_opcodes(struct ctx *c);

static void pr_in(struct ctx *c)
{
	scsi_pr_in(&c->lu->pr, c->cdb, c->in, c->cap, c->inlen, c->st);
}

static void pr_out(struct ctx *c)
{
	scsi_pr_out(&c->lu->pr, c->nexus, c->cdb, c->out, c->outlen, c->st);
}

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
	{ 0x00, 0xff, SCSI_NONE, X_NONE, false, false, tur, false, false },                  /* TEST UNIT READY */
	{ 0x03, 0xff, SCSI_IN, X_ALLOC6, false, false, request_sense, false, false },        /* REQUEST SENSE */
	{ 0x08, 0xff, SCSI_IN, X_BLOCKS, false, true, do_read, false, true },               /* READ 6 */
	{ 0x0a, 0xff, SCSI_OUT, X_BLOCKS_OUT, true, true, do_write, false, true },          /* WRITE 6 */
	{ 0x12, 0xff, SCSI_IN, X_ALLOC_B34, false, false, inquiry, false, false },           /* INQUIRY */
	{ 0x1a, 0xff, SCSI_IN, X_ALLOC6, false, false, mode_sense, false, false },           /* MODE SENSE 6 */
	{ 0x1b, 0xff, SCSI_NONE, X_NONE, false, false, start_stop, false, false },           /* START STOP UNIT */
	{ 0x1e, 0xff, SCSI_NONE, X_NONE, false, false, start_stop, false, false },           /* PREVENT ALLOW MEDIUM REMOVAL */
	{ 0x25, 0xff, SCSI_IN, X_FIXED8, false, false, read_capacity10, false, false },      /* READ CAPACITY 10 */
	{ 0x28, 0xff, SCSI_IN, X_BLOCKS, false, true, do_read, true, true },               /* READ 10 */
	{ 0x2a, 0xff, SCSI_OUT, X_BLOCKS_OUT, true, true, do_write, true, true },          /* WRITE 10 */
	{ 0x2e, 0xff, SCSI_OUT, X_BLOCKS_OUT, true, true, do_write, true, true },          /* WRITE AND VERIFY 10 */
	{ 0x2f, 0xff, SCSI_OUT, X_VERIFY, false, true, verify, true, false },               /* VERIFY 10 */
	{ 0x35, 0xff, SCSI_NONE, X_NONE, false, false, sync_cache, false, false },           /* SYNCHRONIZE CACHE 10 */
	{ 0x41, 0xff, SCSI_OUT, X_ONE_BLOCK_OUT, true, true, write_same, true, false },     /* WRITE SAME 10 */
	{ 0x42, 0xff, SCSI_OUT, X_PARAM_B78, true, false, unmap, false, false },             /* UNMAP */
	{ 0x5a, 0xff, SCSI_IN, X_ALLOC_B78, false, false, mode_sense, false, false },        /* MODE SENSE 10 */
	{ 0x88, 0xff, SCSI_IN, X_BLOCKS, false, true, do_read, true, true },               /* READ 16 */
	{ 0x89, 0xff, SCSI_OUT, X_TWO_N_OUT, true, true, compare_and_write, true, false },  /* COMPARE AND WRITE */
	{ 0x8a, 0xff, SCSI_OUT, X_BLOCKS_OUT, true, true, do_write, true, true },          /* WRITE 16 */
	{ 0x8e, 0xff, SCSI_OUT, X_BLOCKS_OUT, true, true, do_write, true, true },          /* WRITE AND VERIFY 16 */
	{ 0x8f, 0xff, SCSI_OUT, X_VERIFY, false, true, verify, true, false },               /* VERIFY 16 */
	{ 0x91, 0xff, SCSI_NONE, X_NONE, false, false, sync_cache, false, false },           /* SYNCHRONIZE CACHE 16 */
	{ 0x93, 0xff, SCSI_OUT, X_ONE_BLOCK_OUT, true, true, write_same, true, false },     /* WRITE SAME 16 */
	{ 0x9e, 0x10, SCSI_IN, X_FIXED_ALLOC16, false, false, read_capacity16, false, false }, /* READ CAPACITY 16 */
	{ 0xa0, 0xff, SCSI_IN, X_ALLOC_B69, false, false, report_luns, false, false },       /* REPORT LUNS */
	{ 0xa8, 0xff, SCSI_IN, X_BLOCKS, false, true, do_read, true, true },               /* READ 12 */
	{ 0xaa, 0xff, SCSI_OUT, X_BLOCKS_OUT, true, true, do_write, true, true },
	{ 0xae, 0xff, SCSI_OUT, X_BLOCKS_OUT, true, true, do_write, true, true },          /* WRITE AND VERIFY 12 */
	{ 0xaf, 0xff, SCSI_OUT, X_VERIFY, false, true, verify, true, false },              /* VERIFY 12 */
	{ 0x34, 0xff, SCSI_NONE, X_NONE, false, true, prefetch, false, false },            /* PRE-FETCH 10 */
	{ 0x90, 0xff, SCSI_NONE, X_NONE, false, true, prefetch, false, false },            /* PRE-FETCH 16 */
	{ 0x9e, 0x12, SCSI_IN, X_FIXED_ALLOC16, false, false, get_lba_status, false, false }, /* GET LBA STATUS */
	{ 0x15, 0xff, SCSI_OUT, X_ALLOC6, false, false, mode_select, false, false },       /* MODE SELECT 6 */
	{ 0x55, 0xff, SCSI_OUT, X_ALLOC_B78, false, false, mode_select, false, false },    /* MODE SELECT 10 */
	{ 0xa3, 0x0c, SCSI_IN, X_ALLOC_B69, false, false, report_opcodes, false, false },  /* REPORT SUPPORTED OPERATION CODES */
	{ 0x5e, 0xff, SCSI_IN, X_ALLOC_B78, false, false, pr_in, false, false },           /* PERSISTENT RESERVE IN */
	{ 0x5f, 0xff, SCSI_OUT, X_PARAM_B58, false, false, pr_out, false, false },         /* PERSISTENT RESERVE OUT */          /* WRITE 12 */
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
	else if (o->run == verify)
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
	if (o->writes || o->run == sync_cache)
		return 2;
	return o->lba || o->run == get_lba_status ? 1 : 0;
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
		return fua(cdb) ? SCSI_IO_WAIT : SCSI_IO_TRY;
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

#include "scsi_int.h"

#include <errno.h>
#include <stdlib.h>

#include "buf.h"

/* ---- SBC ------------------------------------------------------------------ */

void scsi_read_capacity10(struct ctx *c)
{
	uint8_t d[8];

	put32(d, c->lu->nblocks - 1 > 0xffffffffu ? 0xffffffffu : (uint32_t)(c->lu->nblocks - 1));
	put32(d + 4, SCSI_BLOCK);
	reply(c, d, sizeof(d));
}

void scsi_read_capacity16(struct ctx *c)
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

void scsi_do_read(struct ctx *c)
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
bool scsi_fua(const uint8_t *cdb)
{
	return (cdb[0] >> 5) != 0 && (cdb[1] & 0x08);
}

void scsi_do_write(struct ctx *c)
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
					  scsi_fua(c->cdb) || c->cdb[0] == 0x2e || c->cdb[0] == 0x8e);
	}
	if (r < 0)
		rw_error(c, true, r);
}

/* The n blocks at lba compared with cmp: 0 when equal; else -1 with the
 * sense set (a read error, or MISCOMPARE; with info, the offset of the
 * first differing byte in the information field). */
static int compare_medium(struct ctx *c, uint64_t lba, uint32_t n, const uint8_t *cmp, bool info)
{
	uint8_t *cur;
	int r;

	if (!n)
		return 0;       /* no block: equal (and cmp may be NULL) */
	cur = malloc((size_t)n * SCSI_BLOCK + 1);
	if (!cur) {
		sense(c->st, SK_MEDIUM_ERROR, ASC_READ_ERROR);
		return -1;
	}
	r = c->lu->bs->ops->read(c->lu->bs, cur, (size_t)n * SCSI_BLOCK, lba * SCSI_BLOCK);
	if (r < 0) {
		rw_error(c, false, r);
	} else if (memcmp(cur, cmp, (size_t)n * SCSI_BLOCK)) {
		uint32_t off = 0;

		while (off < n * SCSI_BLOCK && cur[off] == cmp[off])
			off++;
		sense(c->st, SK_MISCOMPARE, ASC_MISCOMPARE_VERIFY);
		if (info) {
			c->st->sense[0] |= 0x80;        /* VALID: the information field is the offset */
			put32(c->st->sense + 3, off);
		}
		r = -1;
	}
	free(cur);
	return r < 0 ? -1 : 0;
}

void scsi_verify(struct ctx *c)
{
	uint64_t lba;
	uint32_t n;

	if (((c->cdb[1] >> 1) & 3) == 0)
		return;         /* BYTCHK 0: the medium is readable: nothing to compare */
	lba_count(c->cdb, &lba, &n);
	if (c->outlen < n * SCSI_BLOCK) {
		sense(c->st, SK_ILLEGAL_REQUEST, ASC_INVALID_FIELD_CDB);        /* less data than the blocks to compare */
		return;
	}
	compare_medium(c, lba, n, c->out, false);
}

void scsi_sync_cache(struct ctx *c)
{
	if (c->lu->bs->ops->flush(c->lu->bs) < 0)
		sense(c->st, SK_MEDIUM_ERROR, ASC_WRITE_ERROR);
}

void scsi_start_stop(struct ctx *c)
{
	(void)c;
}

void scsi_unmap(struct ctx *c)
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

void scsi_write_same(struct ctx *c)
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
void scsi_compare_and_write(struct ctx *c)
{
	uint64_t lba;
	uint32_t n;
	int r;

	lba_count(c->cdb, &lba, &n);
	if (c->outlen < 2 * n * SCSI_BLOCK) {
		sense(c->st, SK_ILLEGAL_REQUEST, ASC_INVALID_FIELD_CDB);        /* less data than 2 x n blocks */
		return;
	}
	pthread_mutex_lock(&c->lu->atomic);
	if (compare_medium(c, lba, n, c->out, true) == 0) {
		r = c->lu->bs->ops->write(c->lu->bs, c->out + (size_t)n * SCSI_BLOCK, (size_t)n * SCSI_BLOCK,
					  lba * SCSI_BLOCK, scsi_fua(c->cdb));
		if (r < 0)
			rw_error(c, true, r);
	}
	pthread_mutex_unlock(&c->lu->atomic);
}

void scsi_prefetch(struct ctx *c)
{
	(void)c;        /* the range was checked; the page cache does the rest */
}

/* GET LBA STATUS: from the starting LBA, runs of mapped and deallocated
 * blocks as the image file's data and holes show them. */
void scsi_get_lba_status(struct ctx *c)
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

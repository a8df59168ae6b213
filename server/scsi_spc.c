#include "scsi_int.h"

#include <stdio.h>

/* ---- SPC ------------------------------------------------------------------ */

void scsi_tur(struct ctx *c)
{
	(void)c;
}

void scsi_request_sense(struct ctx *c)
{
	uint8_t s[18] = { 0x70, 0, 0, 0, 0, 0, 0, 10 };

	reply(c, s, sizeof(s));
}

void scsi_inquiry(struct ctx *c)
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

void scsi_report_luns(struct ctx *c)
{
	uint8_t d[16] = { 0 };

	put32(d, 8);
	reply(c, d, sizeof(d));
}

/* MODE SENSE 6 and 10: the caching page (write cache on: writes without
 * FUA may be cached until SYNCHRONIZE CACHE) and the control page. */
void scsi_mode_sense(struct ctx *c)
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

void scsi_mode_select(struct ctx *c)
{
	if (!(c->cdb[1] & 0x10) || (c->cdb[1] & 0x01))
		sense(c->st, SK_ILLEGAL_REQUEST, ASC_INVALID_FIELD_CDB);        /* PF = 0, or SP = 1 */
}

void scsi_prin(struct ctx *c)
{
	scsi_pr_in(&c->lu->pr, c->cdb, c->in, c->cap, c->inlen, c->st);
}

void scsi_prout(struct ctx *c)
{
	scsi_pr_out(&c->lu->pr, c->nexus, c->cdb, c->out, c->outlen, c->st);
}

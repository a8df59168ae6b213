#include "tftp_recv.h"

void tftp_recv_start(struct tftp_recv *r, uint32_t blksize, uint64_t max_bytes, uint32_t timeout_ms,
		     uint32_t retries_max, bool oack, int64_t now_ms)
{
	r->blksize = blksize;
	r->max_bytes = max_bytes;
	r->timeout_ms = timeout_ms;
	r->retries_max = retries_max;
	r->retries = 0;
	r->bytes = 0;
	r->next = 1;
	r->oack = oack;
	r->deadline_ms = now_ms + timeout_ms;
}

enum tftp_rstep tftp_recv_data(struct tftp_recv *r, uint16_t blk, uint32_t len, int64_t now_ms, uint16_t *ack,
			       uint64_t *off)
{
	if (blk == (uint16_t)r->next && len <= r->blksize) {
		if (r->bytes + len > r->max_bytes)
			return TFTP_R_TOOBIG;
		*off = r->bytes;
		*ack = blk;
		r->bytes += len;
		r->next++;
		r->oack = false;
		r->retries = 0;
		r->deadline_ms = now_ms + r->timeout_ms;
		return len < r->blksize ? TFTP_R_LAST : TFTP_R_WRITE;
	}
	if (blk == (uint16_t)(r->next - 1) && r->next > 1) {
		*ack = blk;     /* our ACK was lost: again, nothing written */
		return TFTP_R_REACK;
	}
	return TFTP_R_NONE;
}

enum tftp_rstep tftp_recv_timeout(struct tftp_recv *r, int64_t now_ms, uint16_t *ack)
{
	if (now_ms < r->deadline_ms)
		return TFTP_R_NONE;
	if (++r->retries > r->retries_max)
		return TFTP_R_FAIL;
	*ack = (uint16_t)(r->next - 1);
	r->deadline_ms = now_ms + r->timeout_ms;
	return TFTP_R_REACK;
}

#include "tftp_xfer.h"

/* The window from base: blocks base..min(base + window - 1, last). */
static enum tftp_step window(struct tftp_xfer *x, int64_t now_ms, struct tftp_send *s)
{
	uint32_t end = x->base + x->window - 1;

	if (end > x->last || end < x->base)
		end = x->last;
	s->oack = false;
	s->first = x->base;
	s->count = end - x->base + 1;
	x->sent = end;
	x->deadline_ms = now_ms + x->timeout_ms;
	return TFTP_STEP_SEND;
}

enum tftp_step tftp_xfer_start(struct tftp_xfer *x, uint64_t size, uint32_t blksize, uint32_t window_,
			       uint32_t timeout_ms, uint32_t retries_max, bool oack, int64_t now_ms,
			       struct tftp_send *s)
{
	x->size = size;
	x->blksize = blksize;
	x->window = window_ ? window_ : 1;
	x->timeout_ms = timeout_ms;
	x->retries_max = retries_max;
	x->last = (uint32_t)(size / blksize + 1);
	x->base = 1;
	x->sent = 0;
	x->retries = 0;
	x->resent = 0;
	x->oack = oack;
	if (oack) {
		s->oack = true;
		s->first = s->count = 0;
		x->deadline_ms = now_ms + timeout_ms;
		return TFTP_STEP_SEND;
	}
	return window(x, now_ms, s);
}

enum tftp_step tftp_xfer_ack(struct tftp_xfer *x, uint16_t blk, int64_t now_ms, struct tftp_send *s)
{
	uint32_t n;

	if (x->oack) {
		if (blk != 0)
			return TFTP_STEP_NONE;
		x->oack = false;
		x->retries = 0;
		return window(x, now_ms, s);
	}
	/* The block in flight (base..sent) whose low 16 bits are blk; an ACK
	 * of base - 1 (the window before) is a duplicate: ignored. */
	n = x->base + (uint16_t)(blk - (uint16_t)x->base);
	if (n < x->base || n > x->sent)
		return TFTP_STEP_NONE;
	x->retries = 0;
	x->base = n + 1;
	if (n == x->last)
		return TFTP_STEP_DONE;
	return window(x, now_ms, s);
}

enum tftp_step tftp_xfer_timeout(struct tftp_xfer *x, int64_t now_ms, struct tftp_send *s)
{
	if (now_ms < x->deadline_ms)
		return TFTP_STEP_NONE;
	if (++x->retries > x->retries_max)
		return TFTP_STEP_FAIL;
	if (x->oack) {
		s->oack = true;
		s->first = s->count = 0;
		x->deadline_ms = now_ms + x->timeout_ms;
		return TFTP_STEP_SEND;
	}
	x->resent += x->sent - x->base + 1;
	return window(x, now_ms, s);
}

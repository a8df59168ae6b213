#include "tftp_proto.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "text.h"

/* A NUL-terminated string at the cursor: its start and length (without
 * the NUL), the cursor moved past the NUL. -1 when no NUL is left. */
static int take_str(struct rbuf *b, const char **s, size_t *n)
{
	const uint8_t *z = memchr(b->p, 0, b->len);

	if (!z)
		return -1;
	*s = (const char *)b->p;
	*n = (size_t)(z - b->p);
	return rb_skip(b, *n + 1);
}

/* A decimal number of at most 20 digits, every byte a digit, <= max. */
static int number(const char *s, size_t n, uint64_t max, uint64_t *out)
{
	uint64_t x = 0;

	if (n == 0 || n > 20)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		if (x > (UINT64_MAX - 9) / 10)
			return -1;
		x = x * 10 + (uint64_t)(s[i] - '0');
	}
	if (x > max)
		return -1;
	*out = x;
	return 0;
}

static bool word(const char *s, size_t n, const char *w)
{
	return n == strlen(w) && !strncasecmp(s, w, n);
}

static int refuse(struct tftp_req *r, int code, const char *why, const char *s, size_t n)
{
	char esc[48];

	if (s) {
		text_escape(esc, sizeof(esc), s, n);
		snprintf(r->why, sizeof(r->why), "%s: \"%s\"", why, esc);
	} else {
		text_copy(r->why, sizeof(r->why), why);
	}
	return code;
}

int tftp_parse_req(const uint8_t *p, size_t len, struct tftp_req *r)
{
	struct rbuf b = rb_init(p, len);
	const char *name, *mode;
	size_t nn, mn;
	uint16_t op;

	memset(r, 0, sizeof(*r));
	if (len > TFTP_REQ_MAX)
		return refuse(r, TFTP_EBADOP, "request longer than 1024 bytes", NULL, 0);
	if (rb_be16(&b, &op) < 0 || (op != TFTP_RRQ && op != TFTP_WRQ))
		return refuse(r, TFTP_EBADOP, "not a read or write request", NULL, 0);
	r->op = op;
	if (take_str(&b, &name, &nn) < 0 || take_str(&b, &mode, &mn) < 0)
		return refuse(r, TFTP_EBADOP, "file name or mode not NUL-terminated", NULL, 0);
	if (nn == 0)
		return refuse(r, TFTP_EBADOP, "empty file name", NULL, 0);
	if (nn > TFTP_NAME_MAX)
		return refuse(r, TFTP_EBADOP, "file name longer than 255 bytes", NULL, 0);
	memcpy(r->name, name, nn);
	r->name[nn] = '\0';
	if (word(mode, mn, "netascii"))
		r->netascii = true;
	else if (!word(mode, mn, "octet"))
		return refuse(r, TFTP_EBADOP, "unknown transfer mode (octet or netascii)", mode, mn);
	while (rb_left(&b) > 0) {
		const char *o, *v;
		size_t on, vn;
		uint64_t x;

		if (take_str(&b, &o, &on) < 0 || take_str(&b, &v, &vn) < 0)
			return refuse(r, TFTP_EOPTION, "option or value not NUL-terminated", NULL, 0);
		if (word(o, on, "blksize")) {
			/* Larger than ours is fine: we answer with ours. */
			if (number(v, vn, UINT64_MAX, &x) < 0 || x < TFTP_BLKSIZE_MIN)
				return refuse(r, TFTP_EOPTION, "blksize is not a number from 8 to 65464", v, vn);
			r->has_blksize = true;
			r->blksize = x > TFTP_BLKSIZE_MAX ? TFTP_BLKSIZE_MAX : (uint32_t)x;
		} else if (word(o, on, "tsize")) {
			if (number(v, vn, UINT64_MAX, &x) < 0)
				return refuse(r, TFTP_EOPTION, "tsize is not a number", v, vn);
			r->has_tsize = true;
			r->tsize = x;
		} else if (word(o, on, "timeout")) {
			if (number(v, vn, TFTP_TIMEOUT_MAX, &x) < 0 || x < 1)
				return refuse(r, TFTP_EOPTION, "timeout is not a number of seconds from 1 to 255", v, vn);
			r->has_timeout = true;
			r->timeout = (uint32_t)x;
		} else if (word(o, on, "windowsize")) {
			if (number(v, vn, TFTP_WINDOW_MAX, &x) < 0 || x < 1)
				return refuse(r, TFTP_EOPTION, "windowsize is not a number from 1 to 65535", v, vn);
			r->has_window = true;
			r->window = (uint32_t)x;
		}
		/* other options: ignored (RFC 2347) */
	}
	return 0;
}

int tftp_parse_ack(const uint8_t *p, size_t len, uint16_t *block, uint16_t *code, char *msgbuf, size_t msgcap)
{
	struct rbuf b = rb_init(p, len);
	uint16_t op, v;

	if (rb_be16(&b, &op) < 0 || rb_be16(&b, &v) < 0)
		return -1;
	if (op == TFTP_ACK) {
		*block = v;
		return 0;
	}
	if (op != TFTP_ERROR)
		return -1;
	*code = v;
	if (msgcap) {
		const uint8_t *z = memchr(b.p, 0, b.len);

		text_escape(msgbuf, msgcap, (const char *)b.p, z ? (size_t)(z - b.p) : b.len);
	}
	return 1;
}

int tftp_parse_data(const uint8_t *p, size_t len, uint16_t *block, const uint8_t **data, size_t *dlen)
{
	struct rbuf b = rb_init(p, len);
	uint16_t op;

	if (rb_be16(&b, &op) < 0 || op != TFTP_DATA || rb_be16(&b, block) < 0 || rb_left(&b) > TFTP_BLKSIZE_MAX)
		return -1;
	*data = b.p;
	*dlen = rb_left(&b);
	return 0;
}

size_t tftp_build_error(uint8_t *out, size_t cap, uint16_t code, const char *msg)
{
	struct wbuf w = wb_init(out, cap);

	wb_be16(&w, TFTP_ERROR);
	wb_be16(&w, code);
	wb_bytes(&w, msg, strlen(msg) + 1);
	return w.err ? 0 : w.len;
}

size_t tftp_build_ack(uint8_t *out, size_t cap, uint16_t block)
{
	struct wbuf w = wb_init(out, cap);

	wb_be16(&w, TFTP_ACK);
	wb_be16(&w, block);
	return w.err ? 0 : w.len;
}

static void opt(struct wbuf *w, const char *name, uint64_t v)
{
	char num[24];

	snprintf(num, sizeof(num), "%llu", (unsigned long long)v);
	wb_bytes(w, name, strlen(name) + 1);
	wb_bytes(w, num, strlen(num) + 1);
}

size_t tftp_build_oack(uint8_t *out, size_t cap, const struct tftp_agreed *a)
{
	struct wbuf w = wb_init(out, cap);

	wb_be16(&w, TFTP_OACK);
	if (a->blksize)
		opt(&w, "blksize", a->blksize_v);
	if (a->tsize)
		opt(&w, "tsize", a->tsize_v);
	if (a->timeout)
		opt(&w, "timeout", a->timeout_v);
	if (a->window)
		opt(&w, "windowsize", a->window_v);
	return w.err ? 0 : w.len;
}

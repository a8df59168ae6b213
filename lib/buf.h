/* Bounded byte cursors: every byte that comes from outside (network packets,
 * files, the kernel command line) is read through an rbuf, and every byte we
 * build goes out through a wbuf. Each accessor checks the remaining length
 * first; on underflow/overflow it returns -EBADMSG/-ENOSPC and moves nothing.
 * Multi-byte integers are assembled from bytes: never cast packet pointers.
 * Modelled on OpenBSD's imsg-buffer.c ibuf_get*. Header-only, no allocation. */
#ifndef NETROOT_BUF_H
#define NETROOT_BUF_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct rbuf {
	const uint8_t *p;   /* next unread byte */
	size_t len;         /* bytes left */
};

struct wbuf {
	uint8_t *p;         /* start of the output */
	size_t cap;         /* capacity */
	size_t len;         /* bytes written */
	int err;            /* sticky: first error seen (-ENOSPC), 0 if none */
};

static inline struct rbuf rb_init(const void *p, size_t len)
{
	struct rbuf b = { (const uint8_t *)p, len };
	return b;
}

static inline size_t rb_left(const struct rbuf *b) { return b->len; }

static inline int rb_skip(struct rbuf *b, size_t n)
{
	if (n > b->len)
		return -EBADMSG;
	b->p += n;
	b->len -= n;
	return 0;
}

static inline int rb_u8(struct rbuf *b, uint8_t *v)
{
	if (b->len < 1)
		return -EBADMSG;
	*v = b->p[0];
	return rb_skip(b, 1);
}

static inline int rb_be16(struct rbuf *b, uint16_t *v)
{
	if (b->len < 2)
		return -EBADMSG;
	*v = (uint16_t)((unsigned)b->p[0] << 8 | b->p[1]);
	return rb_skip(b, 2);
}

static inline int rb_be32(struct rbuf *b, uint32_t *v)
{
	if (b->len < 4)
		return -EBADMSG;
	*v = (uint32_t)b->p[0] << 24 | (uint32_t)b->p[1] << 16 |
	     (uint32_t)b->p[2] << 8 | b->p[3];
	return rb_skip(b, 4);
}

static inline int rb_le16(struct rbuf *b, uint16_t *v)
{
	if (b->len < 2)
		return -EBADMSG;
	*v = (uint16_t)(b->p[1] << 8 | b->p[0]);
	return rb_skip(b, 2);
}

static inline int rb_le32(struct rbuf *b, uint32_t *v)
{
	if (b->len < 4)
		return -EBADMSG;
	*v = (uint32_t)b->p[3] << 24 | (uint32_t)b->p[2] << 16 |
	     (uint32_t)b->p[1] << 8 | b->p[0];
	return rb_skip(b, 4);
}

/* Copy n bytes out. */
static inline int rb_bytes(struct rbuf *b, void *out, size_t n)
{
	if (n > b->len)
		return -EBADMSG;
	if (n)
		memcpy(out, b->p, n);
	return rb_skip(b, n);
}

/* Split off the next n bytes as their own cursor (e.g. one option's value). */
static inline int rb_sub(struct rbuf *b, size_t n, struct rbuf *sub)
{
	if (n > b->len)
		return -EBADMSG;
	*sub = rb_init(b->p, n);
	return rb_skip(b, n);
}

/* Peek without consuming. */
static inline int rb_peek_u8(const struct rbuf *b, uint8_t *v)
{
	if (b->len < 1)
		return -EBADMSG;
	*v = b->p[0];
	return 0;
}

static inline struct wbuf wb_init(void *p, size_t cap)
{
	struct wbuf b = { (uint8_t *)p, cap, 0, 0 };
	return b;
}

/* Reserve n bytes; NULL (and a sticky -ENOSPC) when they do not fit. */
static inline uint8_t *wb_reserve(struct wbuf *b, size_t n)
{
	uint8_t *at;

	if (b->err || n > b->cap - b->len) {
		b->err = -ENOSPC;
		return NULL;
	}
	at = b->p + b->len;
	b->len += n;
	return at;
}

static inline int wb_bytes(struct wbuf *b, const void *src, size_t n)
{
	uint8_t *at = wb_reserve(b, n);

	if (!at)
		return -ENOSPC;
	if (n)
		memcpy(at, src, n);
	return 0;
}

static inline int wb_u8(struct wbuf *b, uint8_t v) { return wb_bytes(b, &v, 1); }

static inline int wb_be16(struct wbuf *b, uint16_t v)
{
	uint8_t x[2] = { (uint8_t)(v >> 8), (uint8_t)v };
	return wb_bytes(b, x, 2);
}

static inline int wb_be32(struct wbuf *b, uint32_t v)
{
	uint8_t x[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16),
			 (uint8_t)(v >> 8), (uint8_t)v };
	return wb_bytes(b, x, 4);
}

static inline int wb_zero(struct wbuf *b, size_t n)
{
	uint8_t *at = wb_reserve(b, n);

	if (!at)
		return -ENOSPC;
	memset(at, 0, n);
	return 0;
}

/* Append a string without its NUL. */
static inline int wb_str(struct wbuf *b, const char *s)
{
	return wb_bytes(b, s, strlen(s));
}

/* NUL-terminate the output as a C string (the NUL is not counted in len).
 * Returns the string, or NULL if it did not fit or an earlier write failed. */
static inline const char *wb_cstr(struct wbuf *b)
{
	if (b->err || b->len >= b->cap) {
		b->err = -ENOSPC;
		return NULL;
	}
	b->p[b->len] = '\0';
	return (const char *)b->p;
}

#endif

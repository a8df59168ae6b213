/* The DHCP message: scanning the fixed header and the option fields (with
 * option overload and RFC 3396 concatenation) and building one. The rules
 * and decoding of each option are in dhcp_opt.c. */
#include "dhcp_msg.h"
#include "dhcp_int.h"

#include <errno.h>
#include <string.h>

/* ---- the message -------------------------------------------------------- */

struct frag {
	const uint8_t *p;
	uint8_t code, len;
};

struct scan {
	struct frag f[DHCP_MAX_OPTIONS];
	int n;
};

/* Collect the options of one field. A field may end without END (common);
 * an option whose length runs past the field rejects the message. */
static int scan_field(struct dhcp_msg *m, struct scan *s, struct rbuf b, bool overloaded)
{
	uint8_t code, len;
	struct rbuf v;

	while (rb_u8(&b, &code) == 0) {
		if (code == DHO_PAD)
			continue;
		if (code == DHO_END)
			break;
		if (rb_u8(&b, &len) < 0 || rb_sub(&b, len, &v) < 0)
			return dhcp_fail(m, -EBADMSG, "runs past the end of its field", code);
		if (overloaded && code == DHO_OVERLOAD)
			return dhcp_fail(m, -EBADMSG, "found inside an overloaded field", code);
		if (s->n == DHCP_MAX_OPTIONS)
			return dhcp_fail(m, -E2BIG, "more options than DHCP_MAX_OPTIONS", 0);
		s->f[s->n].p = v.p;
		s->f[s->n].code = code;
		s->f[s->n].len = len;
		s->n++;
	}
	return 0;
}

/* Option 52 must be read from the options field before file and sname. */
static int find_overload(struct dhcp_msg *m, const struct scan *s)
{
	int i, n = 0, len = 0;

	for (i = 0; i < s->n; i++) {
		if (s->f[i].code != DHO_OVERLOAD)
			continue;
		n++;
		len += s->f[i].len;
		if (s->f[i].len)
			m->overload = s->f[i].p[0];
	}
	if (n == 0)
		return 0;
	if (len != 1)
		return dhcp_fail(m, -EBADMSG, "must be 1 byte", DHO_OVERLOAD);
	if (m->overload < 1 || m->overload > 3)
		return dhcp_fail(m, -EBADMSG, "must be 1, 2 or 3", DHO_OVERLOAD);
	return 0;
}

/* RFC 3396: all fragments of a code, in the order options, file, sname,
 * concatenated into one value. */
static int concatenate(struct dhcp_msg *m, const struct scan *s)
{
	struct wbuf w = wb_init(m->optdata, sizeof(m->optdata));
	bool seen[256];
	int i, j;

	memset(seen, 0, sizeof(seen));
	for (i = 0; i < s->n; i++) {
		uint8_t code = s->f[i].code;
		size_t off = w.len;

		if (seen[code])
			continue;
		seen[code] = true;
		for (j = i; j < s->n; j++)
			if (s->f[j].code == code)
				wb_bytes(&w, s->f[j].p, s->f[j].len);
		if (w.err)      /* cannot happen: fragments never overlap */
			return dhcp_fail(m, -EBADMSG, "options longer than the message", code);
		m->opt[m->nopt].code = code;
		m->opt[m->nopt].off = (uint16_t)off;
		m->opt[m->nopt].len = (uint16_t)(w.len - off);
		m->nopt++;
	}
	m->optdata_len = w.len;
	return 0;
}

static void get_field_text(struct rbuf b, char *out, size_t n)
{
	const uint8_t *nul = memchr(b.p, 0, n);
	size_t len = nul ? (size_t)(nul - b.p) : n;

	rb_bytes(&b, out, len);
	out[len] = '\0';
}

int dhcp_msg_parse(const uint8_t *data, size_t len, struct dhcp_msg *m)
{
	struct rbuf b = rb_init(data, len), sname, file;
	struct scan s;
	uint32_t cookie;
	int r;

	memset(m, 0, sizeof(*m));
	s.n = 0;
	if (len > DHCP_MSG_MAX)
		return dhcp_fail(m, -EMSGSIZE, "longer than DHCP_MSG_MAX", 0);
	if (rb_u8(&b, &m->h.op) < 0 || rb_u8(&b, &m->h.htype) < 0 || rb_u8(&b, &m->h.hlen) < 0 ||
	    rb_u8(&b, &m->h.hops) < 0 || rb_be32(&b, &m->h.xid) < 0 || rb_be16(&b, &m->h.secs) < 0 ||
	    rb_be16(&b, &m->h.flags) < 0 || rb_bytes(&b, &m->h.ciaddr, 4) < 0 ||
	    rb_bytes(&b, &m->h.yiaddr, 4) < 0 || rb_bytes(&b, &m->h.siaddr, 4) < 0 ||
	    rb_bytes(&b, &m->h.giaddr, 4) < 0 || rb_bytes(&b, m->h.chaddr, DHCP_CHADDR_LEN) < 0 ||
	    rb_sub(&b, DHCP_SNAME_LEN, &sname) < 0 || rb_sub(&b, DHCP_FILE_LEN, &file) < 0 ||
	    rb_be32(&b, &cookie) < 0)
		return dhcp_fail(m, -EBADMSG, "shorter than a DHCP header", 0);
	if (cookie != DHCP_MAGIC_COOKIE)
		return dhcp_fail(m, -EBADMSG, "no DHCP magic cookie", 0);
	if (m->h.hlen > DHCP_CHADDR_LEN)
		return dhcp_fail(m, -EBADMSG, "hardware address length over 16", 0);

	r = scan_field(m, &s, b, false);
	if (r == 0)
		r = find_overload(m, &s);
	if (r == 0 && (m->overload & 1))
		r = scan_field(m, &s, file, true);
	if (r == 0 && (m->overload & 2))
		r = scan_field(m, &s, sname, true);
	if (r == 0)
		r = concatenate(m, &s);
	if (r == 0)
		r = dhcp_opt_check(m);
	if (r < 0)
		return r;
	if (!(m->overload & 1))
		get_field_text(file, m->h.file, DHCP_FILE_LEN);
	if (!(m->overload & 2))
		get_field_text(sname, m->h.sname, DHCP_SNAME_LEN);
	return 0;
}

const uint8_t *dhcp_msg_opt(const struct dhcp_msg *m, uint8_t code, size_t *len)
{
	int i;

	for (i = 0; i < m->nopt; i++) {
		if (m->opt[i].code != code)
			continue;
		if (m->opt[i].invalid)
			return NULL;
		*len = m->opt[i].len;
		return m->optdata + m->opt[i].off;
	}
	return NULL;
}

/* ---- building ----------------------------------------------------------- */

static void put_field_text(struct wbuf *w, const char *s, size_t n)
{
	size_t len = strnlen(s, n);

	wb_bytes(w, s, len);
	wb_zero(w, n - len);
}

int dhcp_msg_begin(struct wbuf *w, const struct dhcp_hdr *h)
{
	wb_u8(w, h->op);
	wb_u8(w, h->htype);
	wb_u8(w, h->hlen);
	wb_u8(w, h->hops);
	wb_be32(w, h->xid);
	wb_be16(w, h->secs);
	wb_be16(w, h->flags);
	wb_bytes(w, &h->ciaddr, 4);
	wb_bytes(w, &h->yiaddr, 4);
	wb_bytes(w, &h->siaddr, 4);
	wb_bytes(w, &h->giaddr, 4);
	wb_bytes(w, h->chaddr, DHCP_CHADDR_LEN);
	put_field_text(w, h->sname, DHCP_SNAME_LEN);
	put_field_text(w, h->file, DHCP_FILE_LEN);
	wb_be32(w, DHCP_MAGIC_COOKIE);
	return w->err;
}

int dhcp_opt_put(struct wbuf *w, uint8_t code, const void *val, size_t len)
{
	const uint8_t *p = val;

	if (code == DHO_PAD || code == DHO_END)
		return -EINVAL;
	for (;;) {
		size_t n = len > 255 ? 255 : len;

		wb_u8(w, code);
		wb_u8(w, (uint8_t)n);
		if (n == 0)
			break;
		wb_bytes(w, p, n);
		len -= n;
		if (len == 0)
			break;
		p += n;
	}
	return w->err;
}

int dhcp_opt_put_u8(struct wbuf *w, uint8_t code, uint8_t v)
{
	return dhcp_opt_put(w, code, &v, 1);
}

int dhcp_opt_put_be16(struct wbuf *w, uint8_t code, uint16_t v)
{
	uint8_t x[2] = { (uint8_t)(v >> 8), (uint8_t)v };

	return dhcp_opt_put(w, code, x, 2);
}

int dhcp_opt_put_be32(struct wbuf *w, uint8_t code, uint32_t v)
{
	uint8_t x[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };

	return dhcp_opt_put(w, code, x, 4);
}

int dhcp_opt_put_in4(struct wbuf *w, uint8_t code, in4_t a)
{
	return dhcp_opt_put(w, code, &a, 4);
}

int dhcp_opt_put_str(struct wbuf *w, uint8_t code, const char *s)
{
	return dhcp_opt_put(w, code, s, strlen(s));
}

int dhcp_msg_end(struct wbuf *w)
{
	wb_u8(w, DHO_END);
	if (!w->err && w->len < DHCP_BOOTP_MIN_LEN)
		wb_zero(w, DHCP_BOOTP_MIN_LEN - w->len);
	return w->err;
}

int dhcp_msg_build(const struct dhcp_msg *m, struct wbuf *w)
{
	int i;

	dhcp_msg_begin(w, &m->h);
	for (i = 0; i < m->nopt; i++)
		if (m->opt[i].code != DHO_OVERLOAD)
			dhcp_opt_put(w, m->opt[i].code, m->optdata + m->opt[i].off, m->opt[i].len);
	return dhcp_msg_end(w);
}

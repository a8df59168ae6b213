/* DHCPv4 codec: see dhcp_msg.h. Every read goes through an rbuf; nothing
 * here logs, allocates or keeps state between calls. */
#include "dhcp_msg.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#define ANY_LEN UINT16_MAX

/* The length rule of each option we understand: at least min and at most
 * max bytes, a multiple of mult. Options not listed are kept raw. */
struct opt_rule {
	uint8_t code;
	uint8_t min;
	uint16_t max;
	uint8_t mult;
	const char *name;
};

static const struct opt_rule rules[] = {
	{ DHO_SUBNET_MASK,      4, 4,       1, "subnet-mask" },
	{ DHO_ROUTER,           4, ANY_LEN, 4, "router" },
	{ DHO_DNS,              4, ANY_LEN, 4, "dns-server" },
	{ DHO_HOSTNAME,         1, ANY_LEN, 1, "hostname" },
	{ DHO_DOMAIN,           1, ANY_LEN, 1, "domain-name" },
	{ DHO_ROOT_PATH,        1, ANY_LEN, 1, "root-path" },
	{ DHO_MTU,              2, 2,       1, "mtu" },
	{ DHO_BROADCAST,        4, 4,       1, "broadcast" },
	{ DHO_NTP,              4, ANY_LEN, 4, "ntp-server" },
	{ DHO_REQUESTED_ADDR,   4, 4,       1, "requested-address" },
	{ DHO_LEASE_TIME,       4, 4,       1, "lease-time" },
	{ DHO_OVERLOAD,         1, 1,       1, "overload" },
	{ DHO_MESSAGE_TYPE,     1, 1,       1, "message-type" },
	{ DHO_SERVER_ID,        4, 4,       1, "server-id" },
	{ DHO_PARAM_REQUEST,    1, ANY_LEN, 1, "parameter-request-list" },
	{ DHO_MESSAGE,          1, ANY_LEN, 1, "message" },
	{ DHO_MAX_MSG_SIZE,     2, 2,       1, "max-message-size" },
	{ DHO_T1,               4, 4,       1, "renewal-time" },
	{ DHO_T2,               4, 4,       1, "rebinding-time" },
	{ DHO_VENDOR_CLASS,     1, ANY_LEN, 1, "vendor-class" },
	{ DHO_CLIENT_ID,        2, ANY_LEN, 1, "client-id" },
	{ DHO_TFTP_SERVER,      1, ANY_LEN, 1, "tftp-server" },
	{ DHO_BOOTFILE,         1, ANY_LEN, 1, "bootfile" },
	{ DHO_RAPID_COMMIT,     0, 0,       1, "rapid-commit" },
	{ DHO_DOMAIN_SEARCH,    2, ANY_LEN, 1, "domain-search" },
	{ DHO_CLASSLESS_ROUTES, 5, ANY_LEN, 1, "classless-routes" },
};

static const struct opt_rule *find_rule(uint8_t code)
{
	size_t i;

	for (i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
		if (rules[i].code == code)
			return &rules[i];
	return NULL;
}

const char *dhcp_opt_name(uint8_t code)
{
	const struct opt_rule *r = find_rule(code);

	return r ? r->name : "option";
}

const char *dhcp_type_name(uint8_t type)
{
	static const char *const names[] = {
		"?", "DISCOVER", "OFFER", "REQUEST", "DECLINE", "ACK", "NAK", "RELEASE", "INFORM",
	};

	return type < sizeof(names) / sizeof(names[0]) ? names[type] : "?";
}

static void set_bit(uint8_t map[32], uint8_t code)
{
	map[code >> 3] |= (uint8_t)(1u << (code & 7));
}

static int fail(struct dhcp_msg *m, int err, const char *why, uint8_t code)
{
	m->error = why;
	m->error_opt = code;
	return err;
}

/* ---- option values ---------------------------------------------------- */

static bool host_char(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_';
}

static bool name_char(uint8_t c)
{
	return host_char(c) || c == '.';
}

static bool print_char(uint8_t c)
{
	return c >= 0x20 && c <= 0x7e;
}

/* A text option: trailing NULs dropped (some servers send C strings), then
 * 1..cap-1 bytes, each accepted by ok(). Never truncated. */
static int get_text(struct rbuf v, char *out, size_t cap, bool (*ok)(uint8_t))
{
	size_t n = rb_left(&v), i;

	while (n > 0 && v.p[n - 1] == '\0')
		n--;
	if (n == 0 || n >= cap || rb_bytes(&v, out, n) < 0)
		return -1;
	out[n] = '\0';
	for (i = 0; i < n; i++) {
		if (!ok((uint8_t)out[i])) {
			out[0] = '\0';
			return -1;
		}
	}
	return 0;
}

/* A list of addresses: keeps max, returns 1 if there were more. */
static int get_in4_list(struct rbuf v, in4_t *out, int max, int *n)
{
	in4_t a;
	int more = 0;

	*n = 0;
	while (rb_bytes(&v, &a, 4) == 0) {
		if (*n < max)
			out[(*n)++] = a;
		else
			more = 1;
	}
	return more;
}

static uint32_t prefix_mask(int prefix)
{
	return prefix ? 0xffffffffu << (32 - prefix) : 0;
}

/* Option 121 (RFC 3442): { width, ceil(width/8) significant octets of the
 * destination, 4 octets of router }... RFC 3442 says nothing of a malformed
 * option. Each entry's length comes from its own first byte, so a bad entry
 * (a width over 32, or one the option's end cuts short) loses the framing of
 * all that follows it, but not the complete entries before it, which were
 * read unambiguously: those are kept, and the cut is flagged (truncated bit,
 * m->routes_cut says why) for the client to report. One typo in a server's
 * table must not cost the boot the default route before it; and a partial
 * set is no worse than dropping the option, which would leave the router
 * option (3) to send everything the default way. Entries past
 * DHCP_MAX_ROUTES are cut the same way. With no complete entry at all the
 * option is invalid (and option 3 applies). 0, 1 = cut, -1 = invalid. */
static int get_routes(struct rbuf v, struct dhcp_msg *m)
{
	while (rb_left(&v) > 0) {
		uint8_t width, d[4] = { 0, 0, 0, 0 };
		struct dhcp_route *r;
		uint32_t dst;

		if (m->nroutes == DHCP_MAX_ROUTES) {
			m->routes_cut = "more entries than DHCP_MAX_ROUTES";
			break;
		}
		r = &m->routes[m->nroutes];
		if (rb_u8(&v, &width) < 0 || width > 32) {
			m->routes_cut = "an entry with a prefix length over 32";
			break;
		}
		if (rb_bytes(&v, d, (width + 7u) / 8) < 0 || rb_bytes(&v, &r->gw, 4) < 0) {
			r->gw = 0;
			m->routes_cut = "an entry cut short by the end of the option";
			break;
		}
		/* The kernel refuses routes with host bits set: clear them. */
		dst = ((uint32_t)d[0] << 24 | (uint32_t)d[1] << 16 | (uint32_t)d[2] << 8 | d[3]) &
		      prefix_mask(width);
		r->dst = htonl(dst);
		r->prefix = width;
		m->nroutes++;
	}
	if (m->nroutes == 0) {
		m->routes_cut = NULL;
		return -1;
	}
	return m->routes_cut ? 1 : 0;
}

/* One name of option 119 (RFC 1035 3.1 labels, 4.1.4 compression, offsets
 * relative to the start of the concatenated option, RFC 3397). *pos moves
 * past the name as stored. Loops are impossible: every pointer must jump
 * strictly before the name's start and every earlier jump target. */
static int get_name(const uint8_t *opt, size_t len, size_t *pos, char out[DHCP_DOMAIN_LEN], size_t *outlen)
{
	struct rbuf b = rb_init(opt + *pos, len - *pos);
	size_t limit = *pos, o = 0, next = 0;
	int ptrs = 0;

	for (;;) {
		uint8_t l, lo;
		struct rbuf label;
		size_t target, i;

		if (rb_u8(&b, &l) < 0)
			return -1;
		if ((l & 0xc0) == 0xc0) {
			if (rb_u8(&b, &lo) < 0)
				return -1;
			target = (size_t)(l & 0x3f) << 8 | lo;
			if (!next)
				next = len - rb_left(&b);
			if (target >= limit || ++ptrs > DHCP_NAME_MAX_PTRS)
				return -1;
			limit = target;
			b = rb_init(opt + target, len - target);
			continue;
		}
		if (l & 0xc0)           /* extended label types: not in names */
			return -1;
		if (l == 0)
			break;
		/* 253 characters: the longest name that fits 255 wire bytes */
		if (o + (o ? 1 : 0) + l > 253 || rb_sub(&b, l, &label) < 0)
			return -1;
		if (o)
			out[o++] = '.';
		for (i = 0; i < l; i++) {
			if (!host_char(label.p[i]))
				return -1;
			out[o++] = (char)label.p[i];
		}
	}
	*pos = next ? next : len - rb_left(&b);
	out[o] = '\0';
	*outlen = o;
	return 0;
}

/* Option 119 as "a.example b.example": any malformed name invalidates the
 * option; names beyond DHCP_MAX_SEARCH or DHCP_SEARCH_LEN are dropped and
 * reported (return 1). */
static int get_search(struct rbuf v, struct dhcp_msg *m)
{
	struct wbuf out = wb_init(m->search, sizeof(m->search));
	size_t len = rb_left(&v), pos = 0, nlen;
	char name[DHCP_DOMAIN_LEN];
	int names = 0, more = 0;

	while (pos < len) {
		if (get_name(v.p, len, &pos, name, &nlen) < 0) {
			m->search[0] = '\0';
			return -1;
		}
		if (nlen == 0)          /* the root: nothing to search */
			continue;
		if (names == DHCP_MAX_SEARCH || out.len + (names ? 1 : 0) + nlen + 1 > out.cap) {
			more = 1;
			continue;
		}
		if (names)
			wb_u8(&out, ' ');
		wb_bytes(&out, name, nlen);
		names++;
	}
	if (!names || !wb_cstr(&out)) {
		m->search[0] = '\0';
		return -1;
	}
	return more;
}

static int get_be16(struct rbuf v, uint16_t *out)
{
	return rb_be16(&v, out) < 0 ? -1 : 0;
}

static int get_be32(struct rbuf v, uint32_t *out)
{
	return rb_be32(&v, out) < 0 ? -1 : 0;
}

static int get_in4(struct rbuf v, in4_t *out)
{
	return rb_bytes(&v, out, 4) < 0 ? -1 : 0;
}

/* Decode one option whose length rule holds. 0 = ok, 1 = a list was cut to
 * its limit, -1 = invalid value. */
static int decode(struct dhcp_msg *m, uint8_t code, struct rbuf v)
{
	uint8_t u8;
	uint32_t mask;

	switch (code) {
	case DHO_SUBNET_MASK:
		if (get_in4(v, &m->netmask) < 0)
			return -1;
		mask = ~ntohl(m->netmask);
		/* contiguous and not 0.0.0.0 */
		return (mask & (mask + 1)) || mask == 0xffffffffu ? -1 : 0;
	case DHO_ROUTER:
		return get_in4_list(v, m->routers, DHCP_MAX_ROUTERS, &m->nrouters);
	case DHO_DNS:
		return get_in4_list(v, m->dns, DHCP_MAX_DNS, &m->ndns);
	case DHO_NTP:
		return get_in4_list(v, m->ntp, DHCP_MAX_NTP, &m->nntp);
	case DHO_HOSTNAME:
		return get_text(v, m->hostname, sizeof(m->hostname), name_char);
	case DHO_DOMAIN:
		return get_text(v, m->domain, sizeof(m->domain), name_char);
	case DHO_ROOT_PATH:
		return get_text(v, m->rootpath, sizeof(m->rootpath), print_char);
	case DHO_BOOTFILE:
		return get_text(v, m->bootfile, sizeof(m->bootfile), print_char);
	case DHO_MTU:
		return get_be16(v, &m->mtu) < 0 || m->mtu < 68 ? -1 : 0;
	case DHO_MAX_MSG_SIZE:
		return get_be16(v, &m->max_msg_size) < 0 || m->max_msg_size < 576 ? -1 : 0;
	case DHO_BROADCAST:
		return get_in4(v, &m->broadcast);
	case DHO_REQUESTED_ADDR:
		return get_in4(v, &m->requested_addr);
	case DHO_SERVER_ID:
		return get_in4(v, &m->server_id);
	case DHO_LEASE_TIME:
		return get_be32(v, &m->lease_secs);
	case DHO_T1:
		return get_be32(v, &m->t1_secs);
	case DHO_T2:
		return get_be32(v, &m->t2_secs);
	case DHO_MESSAGE_TYPE:
		if (rb_u8(&v, &u8) < 0 || u8 == 0)
			return -1;
		m->type = u8;
		return 0;
	case DHO_RAPID_COMMIT:
		m->rapid_commit = true;
		return 0;
	case DHO_DOMAIN_SEARCH:
		return get_search(v, m);
	case DHO_CLASSLESS_ROUTES:
		return get_routes(v, m);
	default:                /* 52 (checked while scanning), 55, 56, 60, 61, 66: raw */
		return 0;
	}
}

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
			return fail(m, -EBADMSG, "runs past the end of its field", code);
		if (overloaded && code == DHO_OVERLOAD)
			return fail(m, -EBADMSG, "found inside an overloaded field", code);
		if (s->n == DHCP_MAX_OPTIONS)
			return fail(m, -E2BIG, "more options than DHCP_MAX_OPTIONS", 0);
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
		return fail(m, -EBADMSG, "must be 1 byte", DHO_OVERLOAD);
	if (m->overload < 1 || m->overload > 3)
		return fail(m, -EBADMSG, "must be 1, 2 or 3", DHO_OVERLOAD);
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
			return fail(m, -EBADMSG, "options longer than the message", code);
		m->opt[m->nopt].code = code;
		m->opt[m->nopt].off = (uint16_t)off;
		m->opt[m->nopt].len = (uint16_t)(w.len - off);
		m->nopt++;
	}
	m->optdata_len = w.len;
	return 0;
}

static int check_options(struct dhcp_msg *m)
{
	int i, r;

	for (i = 0; i < m->nopt; i++) {
		struct dhcp_opt *o = &m->opt[i];
		const struct opt_rule *rule = find_rule(o->code);
		struct rbuf v = rb_init(m->optdata + o->off, o->len);

		if (!rule) {
			set_bit(m->present, o->code);
			continue;
		}
		r = -1;
		if (o->len >= rule->min && o->len <= rule->max && o->len % rule->mult == 0)
			r = decode(m, o->code, v);
		if (r < 0) {
			if (o->code == DHO_MESSAGE_TYPE || o->code == DHO_SERVER_ID)
				return fail(m, -EBADMSG, o->code == DHO_MESSAGE_TYPE ?
					    "must be 1 byte, not 0" : "must be 4 bytes", o->code);
			o->invalid = true;
			set_bit(m->invalid, o->code);
			continue;
		}
		set_bit(m->present, o->code);
		if (r > 0)
			set_bit(m->truncated, o->code);
	}
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
		return fail(m, -EMSGSIZE, "longer than DHCP_MSG_MAX", 0);
	if (rb_u8(&b, &m->h.op) < 0 || rb_u8(&b, &m->h.htype) < 0 || rb_u8(&b, &m->h.hlen) < 0 ||
	    rb_u8(&b, &m->h.hops) < 0 || rb_be32(&b, &m->h.xid) < 0 || rb_be16(&b, &m->h.secs) < 0 ||
	    rb_be16(&b, &m->h.flags) < 0 || rb_bytes(&b, &m->h.ciaddr, 4) < 0 ||
	    rb_bytes(&b, &m->h.yiaddr, 4) < 0 || rb_bytes(&b, &m->h.siaddr, 4) < 0 ||
	    rb_bytes(&b, &m->h.giaddr, 4) < 0 || rb_bytes(&b, m->h.chaddr, DHCP_CHADDR_LEN) < 0 ||
	    rb_sub(&b, DHCP_SNAME_LEN, &sname) < 0 || rb_sub(&b, DHCP_FILE_LEN, &file) < 0 ||
	    rb_be32(&b, &cookie) < 0)
		return fail(m, -EBADMSG, "shorter than a DHCP header", 0);
	if (cookie != DHCP_MAGIC_COOKIE)
		return fail(m, -EBADMSG, "no DHCP magic cookie", 0);
	if (m->h.hlen > DHCP_CHADDR_LEN)
		return fail(m, -EBADMSG, "hardware address length over 16", 0);

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
		r = check_options(m);
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

/* ---- IPv4 + UDP ----------------------------------------------------------- */

static uint64_t csum_add(uint64_t sum, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	return sum;
}

uint16_t dhcp_csum(const uint8_t *p, size_t n, uint32_t sum)
{
	uint64_t s = csum_add(sum, p, n);

	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* The UDP pseudo-header (RFC 768) as a partial sum. */
static uint32_t pseudo_sum(in4_t saddr, in4_t daddr, uint16_t udplen)
{
	uint8_t ph[12];

	memcpy(ph, &saddr, 4);
	memcpy(ph + 4, &daddr, 4);
	ph[8] = 0;
	ph[9] = 17;     /* IPPROTO_UDP */
	ph[10] = (uint8_t)(udplen >> 8);
	ph[11] = (uint8_t)udplen;
	return (uint32_t)csum_add(0, ph, sizeof(ph));
}

int dhcp_ipudp_build(struct wbuf *w, const struct dhcp_ipudp *h, const void *payload, size_t len)
{
	size_t udplen = 8 + len, total = 20 + udplen;
	struct wbuf o;
	uint8_t *ip;
	uint16_t sum;

	if (total > 0xffff)
		return -EMSGSIZE;
	ip = wb_reserve(w, total);
	if (!ip)
		return -ENOSPC;
	o = wb_init(ip, total);
	wb_u8(&o, 0x45);                /* IPv4, 20-byte header */
	wb_u8(&o, 0);                   /* TOS */
	wb_be16(&o, (uint16_t)total);
	wb_be16(&o, 0);                 /* id */
	wb_be16(&o, 0);                 /* no fragmentation flags */
	wb_u8(&o, h->ttl ? h->ttl : 64);
	wb_u8(&o, 17);                  /* UDP */
	wb_be16(&o, 0);                 /* header checksum, below */
	wb_bytes(&o, &h->saddr, 4);
	wb_bytes(&o, &h->daddr, 4);
	wb_be16(&o, h->sport);
	wb_be16(&o, h->dport);
	wb_be16(&o, (uint16_t)udplen);
	wb_be16(&o, 0);                 /* UDP checksum, below */
	wb_bytes(&o, payload, len);
	if (o.err)
		return o.err;
	sum = dhcp_csum(ip, 20, 0);
	ip[10] = (uint8_t)(sum >> 8);
	ip[11] = (uint8_t)sum;
	sum = dhcp_csum(ip + 20, udplen, pseudo_sum(h->saddr, h->daddr, (uint16_t)udplen));
	if (sum == 0)
		sum = 0xffff;           /* 0 means "no checksum" (RFC 768) */
	ip[26] = (uint8_t)(sum >> 8);
	ip[27] = (uint8_t)sum;
	return 0;
}

static int bad(const char **why, const char *msg)
{
	*why = msg;
	return -EBADMSG;
}

int dhcp_ipudp_parse(const uint8_t *pkt, size_t len, unsigned flags, struct dhcp_ipudp *h,
		     struct rbuf *payload, const char **why)
{
	struct rbuf b = rb_init(pkt, len), ip, udp;
	uint8_t vihl, proto;
	uint16_t total, frag, ulen, ucsum;
	size_t ihl;

	memset(h, 0, sizeof(*h));
	if (rb_peek_u8(&b, &vihl) < 0)
		return bad(why, "empty packet");
	if (vihl >> 4 != 4)
		return bad(why, "not IPv4");
	ihl = (size_t)(vihl & 15) * 4;
	if (ihl < 20)
		return bad(why, "IPv4 header length under 20");
	if (rb_sub(&b, ihl, &ip) < 0)
		return bad(why, "truncated IPv4 header");
	/* Skipped: version+IHL and TOS, the id, and the checksum (checked
	 * over the whole header below). */
	if (rb_skip(&ip, 2) < 0 || rb_be16(&ip, &total) < 0 ||
	    rb_skip(&ip, 2) < 0 || rb_be16(&ip, &frag) < 0 || rb_u8(&ip, &h->ttl) < 0 ||
	    rb_u8(&ip, &proto) < 0 || rb_skip(&ip, 2) < 0 || rb_bytes(&ip, &h->saddr, 4) < 0 ||
	    rb_bytes(&ip, &h->daddr, 4) < 0)
		return bad(why, "truncated IPv4 header");
	if (total < ihl + 8 || total > len)
		return bad(why, "IPv4 total length does not match what was received");
	if (dhcp_csum(pkt, ihl, 0) != 0)
		return bad(why, "bad IPv4 header checksum");
	if (frag & 0x3fff)      /* MF set or a non-zero offset */
		return bad(why, "an IPv4 fragment");
	if (proto != 17)
		return bad(why, "not UDP");
	if (rb_sub(&b, total - ihl, &udp) < 0)
		return bad(why, "truncated UDP datagram");
	if (rb_be16(&udp, &h->sport) < 0 || rb_be16(&udp, &h->dport) < 0 ||
	    rb_be16(&udp, &ulen) < 0 || rb_be16(&udp, &ucsum) < 0)
		return bad(why, "truncated UDP header");
	if (ulen < 8 || ulen > total - ihl)
		return bad(why, "UDP length does not match the IPv4 length");
	if (ucsum && !(flags & DHCP_IPUDP_CSUM_PARTIAL) &&
	    dhcp_csum(pkt + ihl, ulen, pseudo_sum(h->saddr, h->daddr, ulen)) != 0)
		return bad(why, "bad UDP checksum");
	if (rb_sub(&udp, ulen - 8u, payload) < 0)
		return bad(why, "truncated UDP payload");
	return 0;
}

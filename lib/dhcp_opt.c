/* DHCP options (RFC 2132 and later): the length rule of each option we
 * understand, its name for log lines, and the decoding of its value into
 * struct dhcp_msg. The message scan (dhcp_msg.c) hands every option here. */
#include "dhcp_msg.h"
#include "dhcp_int.h"

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
	{ DHO_VENDOR_OPTS,      1, ANY_LEN, 1, "vendor-options" },
	{ DHO_RAPID_COMMIT,     0, 0,       1, "rapid-commit" },
	{ DHO_RELAY_AGENT,      2, ANY_LEN, 1, "relay-agent-info" },
	{ DHO_CLIENT_ARCH,      2, ANY_LEN, 2, "client-arch" },
	{ DHO_CLIENT_NDI,       3, 3,       1, "client-ndi" },
	{ DHO_CLIENT_GUID,      17, 17,     1, "client-guid" },
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

void dhcp_set_bit(uint8_t map[32], uint8_t code)
{
	map[code >> 3] |= (uint8_t)(1u << (code & 7));
}

int dhcp_fail(struct dhcp_msg *m, int err, const char *why, uint8_t code)
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
		memcpy(&dst, d, 4);
		r->dst = dst & in4_mask_of(width);
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

/* Option 82 (RFC 3046): sub-options { code, len, value }, which must tile
 * the option exactly; circuit-id (1) and remote-id (2) are located. */
static int get_relay(struct rbuf v, struct dhcp_msg *m)
{
	uint8_t code, len;
	struct rbuf sub;

	memset(&m->circuit_id, 0, sizeof(m->circuit_id));
	memset(&m->remote_id, 0, sizeof(m->remote_id));
	while (rb_left(&v) > 0) {
		if (rb_u8(&v, &code) < 0 || rb_u8(&v, &len) < 0 || len == 0 || rb_sub(&v, len, &sub) < 0)
			return -1;
		if (code == 1 || code == 2) {
			struct dhcp_span *sp = code == 1 ? &m->circuit_id : &m->remote_id;

			sp->off = (uint16_t)(sub.p - m->optdata);   /* v lies in optdata */
			sp->len = len;
		}
	}
	return 0;
}

/* Option 93 (RFC 4578): 16-bit architecture types. */
static int get_arch(struct rbuf v, struct dhcp_msg *m)
{
	uint16_t a;
	int more = 0;

	m->narch = 0;
	while (rb_be16(&v, &a) == 0) {
		if (m->narch < DHCP_MAX_ARCH)
			m->arch[m->narch++] = a;
		else
			more = 1;
	}
	return more;
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
	case DHO_PARAM_REQUEST:
		memset(m->requested, 0, sizeof(m->requested));
		while (rb_u8(&v, &u8) == 0)
			dhcp_set_bit(m->requested, u8);
		return 0;
	case DHO_RELAY_AGENT:
		return get_relay(v, m);
	case DHO_CLIENT_ARCH:
		return get_arch(v, m);
	case DHO_CLIENT_GUID:
		if (rb_u8(&v, &u8) < 0 || u8 != 0)      /* type 0: a GUID follows */
			return -1;
		return rb_bytes(&v, m->guid, sizeof(m->guid));
	default:                /* 43, 52 (checked while scanning), 56, 60, 61, 66, 94: raw */
		return 0;
	}
}

bool dhcp_msg_vendor_class_is(const struct dhcp_msg *m, const char *prefix)
{
	size_t len, n = strlen(prefix);
	const uint8_t *v = dhcp_msg_opt(m, DHO_VENDOR_CLASS, &len);

	return v && len >= n && memcmp(v, prefix, n) == 0;
}

int dhcp_msg_pi_serial(const struct dhcp_msg *m, uint32_t *serial)
{
	const uint8_t *g = m->guid;
	uint32_t w[4];

	if (!dhcp_msg_has(m, DHO_CLIENT_GUID))
		return -ENOENT;
	/* 32-bit words, little-endian as the Pi writes them: the FourCC
	 * 0x34695052 arrives as the bytes 52 50 69 34, "RPi4" (dnsmasq logs
	 * client-machine-id 00:52:50:69:34:...). */
	for (int i = 0; i < 4; i++)
		w[i] = (uint32_t)g[4 * i + 3] << 24 | (uint32_t)g[4 * i + 2] << 16 | (uint32_t)g[4 * i + 1] << 8 | g[4 * i];
	/* EEPROM default: the FourCC "RPi4"/"RPi5", board revision, MAC low
	 * 4 bytes, serial. */
	if (g[0] == 'R' && g[1] == 'P' && g[2] == 'i' && (g[3] == '4' || g[3] == '5')) {
		*serial = w[3];
		return 0;
	}
	/* DHCP_OPTION97=0 and the Pi 3B+ ROM: the serial, four times. */
	if (w[0] == w[1] && w[1] == w[2] && w[2] == w[3] && w[0] != 0) {
		*serial = w[0];
		return 0;
	}
	return -ENOENT;
}

int dhcp_opt_check(struct dhcp_msg *m)
{
	int i, r;

	for (i = 0; i < m->nopt; i++) {
		struct dhcp_opt *o = &m->opt[i];
		const struct opt_rule *rule = find_rule(o->code);
		struct rbuf v = rb_init(m->optdata + o->off, o->len);

		if (!rule) {
			dhcp_set_bit(m->present, o->code);
			continue;
		}
		r = -1;
		if (o->len >= rule->min && o->len <= rule->max && o->len % rule->mult == 0)
			r = decode(m, o->code, v);
		if (r < 0) {
			if (o->code == DHO_MESSAGE_TYPE || o->code == DHO_SERVER_ID)
				return dhcp_fail(m, -EBADMSG, o->code == DHO_MESSAGE_TYPE ?
					    "must be 1 byte, not 0" : "must be 4 bytes", o->code);
			o->invalid = true;
			dhcp_set_bit(m->invalid, o->code);
			continue;
		}
		dhcp_set_bit(m->present, o->code);
		if (r > 0)
			dhcp_set_bit(m->truncated, o->code);
	}
	return 0;
}

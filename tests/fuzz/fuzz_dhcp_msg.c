/* libFuzzer target for the DHCP codec (lib/dhcp_msg.c). The input is read
 * twice: as a DHCP payload, and as an IPv4/UDP packet carrying one (with and
 * without checksum checking). Whatever parses is checked against every
 * invariant the client and server rely on, then rebuilt and parsed again:
 * the same options and decoded fields must come back. A violation aborts. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dhcp_msg.h"
#include "dhcp_ipudp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct dhcp_msg m, m2;
static uint8_t out[DHCP_MSG_MAX];
static uint8_t pkt[70000];

static void need(int cond)
{
	if (!cond)
		abort();
}

static bool name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_' || c == '.';
}

static void check_text(const char *s, size_t cap, bool names)
{
	size_t i;

	need(memchr(s, '\0', cap) != NULL);
	for (i = 0; s[i]; i++)
		need(names ? name_char(s[i]) : (s[i] >= 0x20 && s[i] <= 0x7e));
}

static void check_search(const char *s)
{
	size_t i, names = 0;

	need(memchr(s, '\0', DHCP_SEARCH_LEN) != NULL);
	if (!s[0])
		return;
	need(s[0] != ' ');
	for (i = 0; s[i]; i++) {
		need(name_char(s[i]) || s[i] == ' ');
		if (s[i] == ' ') {
			need(s[i + 1] && s[i + 1] != ' ');
			names++;
		}
	}
	need(names + 1 <= DHCP_MAX_SEARCH);
}

static void check_msg(const struct dhcp_msg *x)
{
	size_t off = 0;
	int i, j;

	need(x->nopt >= 0 && x->nopt <= DHCP_MAX_OPTIONS);
	need(x->optdata_len <= sizeof(x->optdata));
	for (i = 0; i < x->nopt; i++) {
		const struct dhcp_opt *o = &x->opt[i];
		size_t len = 0;
		const uint8_t *v = dhcp_msg_opt(x, o->code, &len);

		need(o->code != DHO_PAD && o->code != DHO_END);
		need(o->off == off && o->off + (size_t)o->len <= x->optdata_len);
		off += o->len;
		for (j = 0; j < i; j++)
			need(x->opt[j].code != o->code);
		need(o->invalid == dhcp_bit(x->invalid, o->code));
		need(o->invalid != dhcp_bit(x->present, o->code));
		need(o->invalid ? v == NULL : (v == x->optdata + o->off && len == o->len));
	}
	need(off == x->optdata_len);
	for (i = 0; i < 256; i++) {
		bool in_table = false;

		for (j = 0; j < x->nopt; j++)
			in_table = in_table || x->opt[j].code == i;
		if (!in_table)
			need(!dhcp_bit(x->present, (uint8_t)i) && !dhcp_bit(x->invalid, (uint8_t)i) &&
			     !dhcp_bit(x->truncated, (uint8_t)i));
		if (dhcp_bit(x->truncated, (uint8_t)i))
			need(dhcp_bit(x->present, (uint8_t)i));
	}
	need(x->h.hlen <= DHCP_CHADDR_LEN);
	need(memchr(x->h.sname, '\0', sizeof(x->h.sname)) && memchr(x->h.file, '\0', sizeof(x->h.file)));
	need(x->overload <= 3);
	need(!(x->overload & 1) || !x->h.file[0]);
	need(!(x->overload & 2) || !x->h.sname[0]);
	need(dhcp_msg_has(x, DHO_MESSAGE_TYPE) ? x->type != 0 : x->type == 0);
	need(x->nrouters >= 0 && x->nrouters <= DHCP_MAX_ROUTERS);
	need(x->ndns >= 0 && x->ndns <= DHCP_MAX_DNS);
	need(x->nntp >= 0 && x->nntp <= DHCP_MAX_NTP);
	need(x->nroutes >= 0 && x->nroutes <= DHCP_MAX_ROUTES);
	need(dhcp_msg_has(x, DHO_CLASSLESS_ROUTES) == (x->nroutes > 0));
	/* a cut route list keeps its first entries and says why */
	need(dhcp_bit(x->truncated, DHO_CLASSLESS_ROUTES) == (x->routes_cut != NULL));
	for (i = 0; i < x->nroutes; i++) {
		const uint8_t *d = (const uint8_t *)&x->routes[i].dst;
		uint32_t dst = (uint32_t)d[0] << 24 | (uint32_t)d[1] << 16 | (uint32_t)d[2] << 8 | d[3];
		int p = x->routes[i].prefix;

		need(p >= 0 && p <= 32);
		need(p == 32 || (dst & (0xffffffffu >> p)) == 0);
	}
	need(!dhcp_msg_has(x, DHO_MTU) || x->mtu >= 68);
	need(!dhcp_msg_has(x, DHO_MAX_MSG_SIZE) || x->max_msg_size >= 576);
	check_text(x->hostname, sizeof(x->hostname), true);
	check_text(x->domain, sizeof(x->domain), true);
	check_text(x->rootpath, sizeof(x->rootpath), false);
	check_text(x->bootfile, sizeof(x->bootfile), false);
	check_search(x->search);
	need(dhcp_msg_has(x, DHO_DOMAIN_SEARCH) == (x->search[0] != '\0'));
	need(dhcp_msg_has(x, DHO_HOSTNAME) == (x->hostname[0] != '\0'));
	need(dhcp_msg_has(x, DHO_RAPID_COMMIT) == x->rapid_commit);
}

static bool same_bits(const uint8_t a[32], const uint8_t b[32])
{
	int i;

	for (i = 0; i < 256; i++)
		if (i != DHO_OVERLOAD && dhcp_bit(a, (uint8_t)i) != dhcp_bit(b, (uint8_t)i))
			return false;
	return true;
}

/* Rebuild (without overload: everything in the options field) and compare. */
static void round_trip(const struct dhcp_msg *x)
{
	struct wbuf w = wb_init(out, sizeof(out));
	int r = dhcp_msg_build(x, &w), i, j = 0;

	if (r == -ENOSPC)       /* what overload spread over three fields may not fit in one */
		return;
	need(r == 0 && w.len >= DHCP_BOOTP_MIN_LEN && w.len <= DHCP_MSG_MAX);
	need(dhcp_msg_parse(out, w.len, &m2) == 0);
	check_msg(&m2);
	need(memcmp(&m2.h, &x->h, sizeof(x->h)) == 0);
	need(m2.overload == 0);
	for (i = 0; i < x->nopt; i++) {
		const struct dhcp_opt *a = &x->opt[i], *b;

		if (a->code == DHO_OVERLOAD)
			continue;
		need(j < m2.nopt);
		b = &m2.opt[j++];
		need(a->code == b->code && a->len == b->len && a->invalid == b->invalid);
		need(memcmp(x->optdata + a->off, m2.optdata + b->off, a->len) == 0);
	}
	need(j == m2.nopt);
	need(same_bits(x->present, m2.present) && same_bits(x->invalid, m2.invalid) &&
	     same_bits(x->truncated, m2.truncated));
	need(m2.type == x->type && m2.server_id == x->server_id && m2.requested_addr == x->requested_addr &&
	     m2.netmask == x->netmask && m2.broadcast == x->broadcast && m2.lease_secs == x->lease_secs &&
	     m2.t1_secs == x->t1_secs && m2.t2_secs == x->t2_secs && m2.mtu == x->mtu &&
	     m2.max_msg_size == x->max_msg_size && m2.rapid_commit == x->rapid_commit);
	need(m2.nrouters == x->nrouters && m2.ndns == x->ndns && m2.nntp == x->nntp && m2.nroutes == x->nroutes);
	need(m2.routes_cut == x->routes_cut);
	need(!memcmp(m2.routers, x->routers, sizeof(x->routers[0]) * (size_t)x->nrouters));
	need(!memcmp(m2.dns, x->dns, sizeof(x->dns[0]) * (size_t)x->ndns));
	need(!memcmp(m2.ntp, x->ntp, sizeof(x->ntp[0]) * (size_t)x->nntp));
	need(!memcmp(m2.routes, x->routes, sizeof(x->routes[0]) * (size_t)x->nroutes));
	need(!strcmp(m2.hostname, x->hostname) && !strcmp(m2.domain, x->domain) &&
	     !strcmp(m2.search, x->search) && !strcmp(m2.rootpath, x->rootpath) &&
	     !strcmp(m2.bootfile, x->bootfile));
}

static void payload(const uint8_t *data, size_t size)
{
	int r = dhcp_msg_parse(data, size, &m);

	if (r < 0) {
		need(r == -EBADMSG || r == -E2BIG || r == -EMSGSIZE);
		need(m.error != NULL);
		need(size >= DHCP_MIN_LEN || r == -EBADMSG);
		return;
	}
	need(size >= DHCP_MIN_LEN && size <= DHCP_MSG_MAX);
	check_msg(&m);
	round_trip(&m);
}

static void packet(const uint8_t *data, size_t size, unsigned flags)
{
	struct dhcp_ipudp h, h2;
	struct rbuf pl, pl2;
	struct wbuf w = wb_init(pkt, sizeof(pkt));
	const char *why = NULL;

	if (dhcp_ipudp_parse(data, size, flags, &h, &pl, &why) < 0) {
		need(why != NULL);
		return;
	}
	need(pl.p >= data + 28 && pl.p + rb_left(&pl) <= data + size);
	/* Rebuilt, it must parse with checksums checked and give the same. */
	need(dhcp_ipudp_build(&w, &h, pl.p, rb_left(&pl)) == 0);
	need(dhcp_ipudp_parse(pkt, w.len, 0, &h2, &pl2, &why) == 0);
	need(h2.saddr == h.saddr && h2.daddr == h.daddr && h2.sport == h.sport && h2.dport == h.dport);
	need(h.ttl == 0 || h2.ttl == h.ttl);
	need(rb_left(&pl2) == rb_left(&pl) && !memcmp(pl2.p, pl.p, rb_left(&pl)));
	payload(pl.p, rb_left(&pl));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	payload(data, size);
	packet(data, size, 0);
	packet(data, size, DHCP_IPUDP_CSUM_PARTIAL);
	return 0;
}

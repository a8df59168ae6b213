/* lib/dhcp_lease.c: an ACK as a lease (nothing dropped without a note), the
 * one rule for T1/T2, and installing classless routes when the kernel
 * refuses some of them. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "dhcp_lease.h"

static struct dhcp_msg m;
static struct dhcp_lease l;

static in4_t ip(const char *s)
{
	return inet_addr(s);
}

/* An ACK of 10.0.0.9 with the header's file field, and the options put()
 * writes after the server id and mask; parsed, then leased. */
static int lease_with(const char *file, void (*put)(struct wbuf *w))
{
	static uint8_t buf[DHCP_MSG_MAX];
	struct wbuf w = wb_init(buf, sizeof(buf));
	struct dhcp_hdr h;
	const char *why;

	memset(&h, 0, sizeof(h));
	h.op = BOOTREPLY;
	h.htype = 1;
	h.hlen = 6;
	h.yiaddr = ip("10.0.0.9");
	snprintf(h.file, sizeof(h.file), "%s", file);
	dhcp_msg_begin(&w, &h);
	dhcp_opt_put_u8(&w, DHO_MESSAGE_TYPE, DHCPACK);
	dhcp_opt_put_in4(&w, DHO_SERVER_ID, ip("10.0.0.1"));
	dhcp_opt_put_in4(&w, DHO_SUBNET_MASK, ip("255.255.255.0"));
	put(&w);
	if (dhcp_msg_end(&w) < 0 || dhcp_msg_parse(buf, w.len, &m) < 0)
		return -100;
	return dhcp_lease_from_ack(&m, &l, &why);
}

static int lease_of(void (*put)(struct wbuf *w))
{
	return lease_with("", put);
}

/* The note containing sub, or NULL. */
static const char *note_has(const char *sub)
{
	int i;

	for (i = 0; i < l.nnotes && i < DHCP_LEASE_NOTES; i++)
		if (strstr(l.notes[i], sub))
			return l.notes[i];
	return NULL;
}

static void put_nothing(struct wbuf *w)
{
	(void)w;
}

static void put_lists(struct wbuf *w)
{
	static const uint8_t dns[16] = { 10, 0, 0, 1, 10, 0, 0, 2, 10, 0, 0, 3, 10, 0, 0, 4 };
	uint8_t many[4 * (DHCP_MAX_NTP + 2)];
	int i;

	dhcp_opt_put_be32(w, DHO_LEASE_TIME, 3600);
	dhcp_opt_put(w, DHO_DNS, dns, sizeof(dns));
	for (i = 0; i < DHCP_MAX_NTP + 2; i++)
		memcpy(many + 4 * i, (const uint8_t[]){ 10, 1, 0, (uint8_t)(i + 1) }, 4);
	dhcp_opt_put(w, DHO_NTP, many, sizeof(many));
	dhcp_opt_put(w, DHO_ROUTER, many, 4 * 5);
}

static char file255[PATH_LEN];

static void put_texts(struct wbuf *w)
{
	char host[HOSTNAME_LEN + 1];

	memset(host, 'h', HOSTNAME_LEN);
	host[HOSTNAME_LEN] = '\0';
	dhcp_opt_put_str(w, DHO_BOOTFILE, file255);
	dhcp_opt_put_str(w, DHO_HOSTNAME, host);      /* one byte over HOSTNAME_LEN - 1 */
	dhcp_opt_put_str(w, DHO_ROOT_PATH, "/srv/root");
	dhcp_opt_put(w, DHO_CLASSLESS_ROUTES, (const uint8_t[]){ 24, 10, 9, 8, 10, 0, 0, 2, 0, 10, 0 }, 11);
}

static void test_notes(void)
{
	CHECK_INT(lease_of(put_nothing), 0, "a bare ACK");
	CHECK_INT(l.nnotes, 0, "nothing to say");
	CHECK(l.lease_secs == 0 && l.t1_secs == 0 && l.t2_secs == 0, "no lease time: no renewal times");

	CHECK_INT(lease_of(put_lists), 0, "lists longer than the lease keeps");
	CHECK(l.ndns == DHCP_LEASE_DNS && l.dns[2] == ip("10.0.0.3"), "the first 3 DNS servers kept");
	CHECK(note_has("option 6 (dns-server): 4 offered, the first 3 kept") && note_has("not used: 10.0.0.4"),
	      "the fourth DNS server named in a note (%s)", l.nnotes ? l.notes[0] : "none");
	CHECK(note_has("option 42 (ntp-server): more than 8 offered, the first 3 kept") &&
	      note_has("10.1.0.4 10.1.0.5 10.1.0.6 10.1.0.7 10.1.0.8 and more"),
	      "NTP: beyond the codec's limit too");
	CHECK(l.nrouters == DHCP_LEASE_ROUTERS && note_has("option 3 (router): 5 offered, the first 4 kept"),
	      "routers");
	CHECK(l.t1_secs == 1800 && l.t2_secs == 3150, "T1/T2 defaults");

	memset(file255, 'f', sizeof(file255) - 1);
	file255[0] = '/';
	CHECK_INT(lease_of(put_texts), 0, "long texts");
	CHECK_STR(l.bootfile, file255, "a boot file of 255 bytes (option 67) is kept whole");
	CHECK_STR(l.rootpath, "/srv/root", "root path");
	CHECK(l.hostname[0] == '\0' && note_has("option 12 (hostname) is malformed or longer than netroot keeps"),
	      "a host name too long is said, not silently dropped");
	CHECK(l.nroutes == 1 && note_has("option 121 (classless-routes): 1 route kept, the rest not read") &&
	      note_has("cut short"), "a route entry cut short is said");
}

static void test_file_field(void)
{
	CHECK_INT(lease_with("/boot\x1b[2J", put_nothing), 0, "ACK with an escape in the file field");
	CHECK(l.bootfile[0] == '\0' && note_has("not printable"), "the file field not used, and said");
	CHECK_INT(lease_with("pxelinux.0", put_nothing), 0, "ACK with a file field");
	CHECK(!strcmp(l.bootfile, "pxelinux.0") && l.nnotes == 0, "a printable file field is the boot file");
	CHECK_INT(lease_of(put_nothing), 0, "(no file)");
	CHECK_STR(l.bootfile, "", "no boot file");
	CHECK(l.addr == ip("10.0.0.9") && l.prefix == 24 && l.broadcast == ip("10.0.0.255"), "address");
}

static void test_times(void)
{
	static const struct {
		uint32_t lease;
		int has1, has2;
		uint32_t t1, t2, want1, want2;
		bool replaced;
		const char *what;
	} t[] = {
		{ 3600, 0, 0, 0, 0, 1800, 3150, false, "defaults: 1/2 and 7/8" },
		{ 3601, 0, 0, 0, 0, 1800, 3150, false, "rounded down" },
		{ 3600, 1, 1, 1000, 2000, 1000, 2000, false, "as given" },
		{ 3600, 1, 0, 3000, 0, 3000, 3150, false, "T1 given, T2 default" },
		{ 3600, 1, 0, 3200, 0, 1800, 3150, true, "T1 after the default T2: both defaults" },
		{ 3600, 0, 1, 0, 1000, 1800, 3150, true, "T2 before the default T1: both defaults" },
		{ 3600, 1, 1, 2000, 1000, 1800, 3150, true, "T1 > T2" },
		{ 3600, 1, 1, 1000, 4000, 1800, 3150, true, "T2 > lease" },
		{ 3600, 1, 1, 0, 2000, 1800, 3150, true, "T1 of 0" },
		{ 3600, 1, 1, 3600, 3600, 3600, 3600, false, "T1 = T2 = lease" },
		{ 1, 0, 0, 0, 0, 0, 0, false, "a lease of 1 s" },
		{ 0, 0, 0, 0, 0, 0, 0, false, "no lease time" },
		{ 0xffffffffu, 0, 0, 0, 0, 0xffffffffu, 0xffffffffu, false, "infinite: never renewed" },
		{ 0xffffffffu, 1, 1, 100, 200, 0xffffffffu, 0xffffffffu, true, "infinite, times given: still never" },
		{ 0xfffffffeu, 0, 0, 0, 0, 0x7fffffffu, 0xdffffffeu, false, "the longest finite lease, no overflow" },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		uint32_t a = 7, b = 7;
		bool r = dhcp_lease_times(t[i].lease, t[i].has1 ? &t[i].t1 : NULL, t[i].has2 ? &t[i].t2 : NULL,
					  &a, &b);

		CHECK(a == t[i].want1 && b == t[i].want2 && r == t[i].replaced, "T1/T2: %s (%u %u %d)", t[i].what,
		      a, b, r);
	}
}

/* ---- routes the kernel refuses -------------------------------------------- */

/* A kernel fake: the link is 10.0.0.0/24; a gateway must be on it or on a
 * link route installed before; 10.66.0.0/16 is always refused. */
struct fake {
	struct dhcp_route on_link[DHCP_MAX_ROUTES];
	int n, calls;
};

static bool covers(const struct dhcp_route *r, in4_t a)
{
	uint32_t mask = r->prefix ? 0xffffffffu << (32 - r->prefix) : 0;

	return ((ntohl(a) ^ ntohl(r->dst)) & mask) == 0;
}

static int fake_add(void *ctx, const struct dhcp_route *r)
{
	struct fake *f = ctx;
	struct dhcp_route link = { ip("10.0.0.0"), 24, 0 };
	bool reach = covers(&link, r->gw);
	int i;

	f->calls++;
	if (r->dst == ip("10.66.0.0"))
		return -EINVAL;
	for (i = 0; i < f->n; i++)
		reach = reach || covers(&f->on_link[i], r->gw);
	if (r->gw && !reach)
		return -ENETUNREACH;
	if (!r->gw)
		f->on_link[f->n++] = *r;
	return 0;
}

static void test_routes(void)
{
	const struct dhcp_route routes[] = {
		{ 0, 0, ip("192.168.5.1") },                    /* default via a later link route */
		{ ip("10.66.0.0"), 16, ip("10.0.0.1") },        /* refused */
		{ ip("172.16.0.0"), 12, ip("192.168.5.254") },  /* via the same later route */
		{ ip("192.168.5.0"), 24, 0 },                   /* on the link */
		{ ip("10.9.0.0"), 16, ip("172.31.0.1") },       /* a gateway never reachable */
	};
	struct fake f = { .n = 0 };
	int err[5], n;

	n = dhcp_routes_install(routes, 5, fake_add, &f, err);
	CHECK_INT(n, 3, "3 of 5 routes installed");
	CHECK(err[0] == 0 && err[2] == 0 && err[3] == 0, "those behind a later link route, on a second pass");
	CHECK(err[1] == -EINVAL && err[4] == -ENETUNREACH, "the refused ones skipped with the kernel's error");
	CHECK(f.calls <= 5 * 3, "bounded (%d calls)", f.calls);
	f.n = f.calls = 0;
	CHECK_INT(dhcp_routes_install(routes + 3, 1, fake_add, &f, err), 1, "one route");
	CHECK_INT(f.calls, 1, "tried once");
	CHECK_INT(dhcp_routes_install(routes, 0, fake_add, &f, err), 0, "no routes");
}

int main(void)
{
	test_notes();
	test_file_field();
	test_times();
	test_routes();
	return check_done();
}

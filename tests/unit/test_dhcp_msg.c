/* The DHCPv4 codec: round trips, every length rule, overload, RFC 3396
 * concatenation, classless routes, the search list with compression, broken
 * messages, and the IPv4/UDP framing. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "dhcp_msg.h"
#include "dhcp_ipudp.h"

#define OPTS(...) ((const uint8_t[]){ __VA_ARGS__ }), sizeof((const uint8_t[]){ __VA_ARGS__ })
#define SNAME_OFF 44
#define FILE_OFF 108

static struct dhcp_msg m, m2;
static uint8_t buf[2048];

static in4_t ip(const char *s)
{
	return inet_addr(s);
}

static void base_hdr(struct dhcp_hdr *h)
{
	static const uint8_t mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };

	memset(h, 0, sizeof(*h));
	h->op = BOOTREPLY;
	h->htype = 1;
	h->hlen = 6;
	h->xid = 0x11223344;
	h->yiaddr = ip("10.0.0.5");
	h->siaddr = ip("10.0.0.1");
	memcpy(h->chaddr, mac, 6);
}

/* Header + cookie, raw option bytes, and raw bytes in the sname/file fields. */
static size_t craft(const uint8_t *opts, size_t n, const uint8_t *file, size_t fn,
		    const uint8_t *sname, size_t sn)
{
	struct dhcp_hdr h;
	struct wbuf w = wb_init(buf, sizeof(buf));

	base_hdr(&h);
	dhcp_msg_begin(&w, &h);
	if (file)
		memcpy(buf + FILE_OFF, file, fn);
	if (sname)
		memcpy(buf + SNAME_OFF, sname, sn);
	wb_bytes(&w, opts, n);
	return w.len;
}

static int parse_opts(const uint8_t *o, size_t n)
{
	return dhcp_msg_parse(buf, craft(o, n, NULL, 0, NULL, 0), &m);
}

static void test_round_trip(void)
{
	static const uint8_t routes[] = { 0, 10, 0, 0, 1, 16, 192, 168, 10, 0, 0, 254 };
	static const uint8_t search[] = { 3, 'l', 'a', 'b', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0 };
	uint8_t out[DHCP_MSG_MAX], out2[DHCP_MSG_MAX];
	in4_t two[2] = { ip("10.0.0.1"), ip("10.0.0.2") };
	struct wbuf w = wb_init(out, sizeof(out)), w2 = wb_init(out2, sizeof(out2));
	struct dhcp_hdr h;
	const uint8_t *v;
	size_t len = 0;
	char a[16];

	base_hdr(&h);
	strcpy(h.file, "pxelinux.0");
	strcpy(h.sname, "bootsrv");
	CHECK_INT(dhcp_msg_begin(&w, &h), 0, "header");
	dhcp_opt_put_u8(&w, DHO_MESSAGE_TYPE, DHCPOFFER);
	dhcp_opt_put_in4(&w, DHO_SERVER_ID, ip("10.0.0.1"));
	dhcp_opt_put_be32(&w, DHO_LEASE_TIME, 3600);
	dhcp_opt_put_be32(&w, DHO_T1, 1800);
	dhcp_opt_put_be32(&w, DHO_T2, 3150);
	dhcp_opt_put_in4(&w, DHO_SUBNET_MASK, ip("255.255.255.0"));
	dhcp_opt_put_in4(&w, DHO_BROADCAST, ip("10.0.0.255"));
	dhcp_opt_put(&w, DHO_ROUTER, two, 8);
	dhcp_opt_put(&w, DHO_DNS, two, 8);
	dhcp_opt_put(&w, DHO_NTP, two, 4);
	dhcp_opt_put_str(&w, DHO_HOSTNAME, "node-07");
	dhcp_opt_put_str(&w, DHO_DOMAIN, "lab.example");
	dhcp_opt_put_str(&w, DHO_ROOT_PATH, "10.0.0.1:/srv/nfs/node-07,vers=4.2");
	dhcp_opt_put_be16(&w, DHO_MTU, 9000);
	dhcp_opt_put_be16(&w, DHO_MAX_MSG_SIZE, 1500);
	dhcp_opt_put_in4(&w, DHO_REQUESTED_ADDR, ip("10.0.0.5"));
	dhcp_opt_put(&w, DHO_RAPID_COMMIT, NULL, 0);
	dhcp_opt_put(&w, DHO_CLASSLESS_ROUTES, routes, sizeof(routes));
	dhcp_opt_put(&w, DHO_DOMAIN_SEARCH, search, sizeof(search));
	dhcp_opt_put(&w, 224, "\x01\x02\x03", 3);
	dhcp_opt_put_str(&w, DHO_BOOTFILE, "grub/x64.efi");
	CHECK_INT(dhcp_msg_end(&w), 0, "end");
	CHECK(w.len >= DHCP_BOOTP_MIN_LEN, "padded to the BOOTP minimum (%zu)", w.len);

	CHECK_INT(dhcp_msg_parse(out, w.len, &m), 0, "parse what we built");
	CHECK_INT(m.h.op, BOOTREPLY, "op");
	CHECK_INT(m.h.xid, 0x11223344, "xid");
	CHECK_INT(m.h.yiaddr, ip("10.0.0.5"), "yiaddr");
	CHECK_STR(m.h.file, "pxelinux.0", "file field");
	CHECK_STR(m.h.sname, "bootsrv", "sname field");
	CHECK_INT(m.type, DHCPOFFER, "type");
	CHECK_INT(m.server_id, ip("10.0.0.1"), "server id");
	CHECK_INT(m.lease_secs, 3600, "lease");
	CHECK_INT(m.t1_secs, 1800, "T1");
	CHECK_INT(m.t2_secs, 3150, "T2");
	CHECK_INT(m.netmask, ip("255.255.255.0"), "mask");
	CHECK_INT(m.broadcast, ip("10.0.0.255"), "broadcast");
	CHECK_INT(m.nrouters, 2, "2 routers");
	CHECK_INT(m.routers[1], ip("10.0.0.2"), "router 2");
	CHECK_INT(m.ndns, 2, "2 dns");
	CHECK_INT(m.nntp, 1, "1 ntp");
	CHECK_STR(m.hostname, "node-07", "hostname");
	CHECK_STR(m.domain, "lab.example", "domain");
	CHECK_STR(m.rootpath, "10.0.0.1:/srv/nfs/node-07,vers=4.2", "root path");
	CHECK_STR(m.bootfile, "grub/x64.efi", "bootfile option");
	CHECK_INT(m.mtu, 9000, "mtu");
	CHECK_INT(m.max_msg_size, 1500, "max message size");
	CHECK_INT(m.requested_addr, ip("10.0.0.5"), "requested address");
	CHECK(m.rapid_commit, "rapid commit");
	CHECK_INT(m.nroutes, 2, "2 classless routes");
	CHECK_STR(m.search, "lab.example", "search");
	v = dhcp_msg_opt(&m, 224, &len);
	CHECK(v && len == 3 && v[2] == 3, "unknown option kept raw");
	CHECK(dhcp_msg_has(&m, 224), "unknown option present");
	CHECK(!dhcp_msg_has(&m, DHO_TFTP_SERVER), "absent option");
	CHECK(dhcp_msg_opt(&m, DHO_TFTP_SERVER, &len) == NULL, "absent option has no value");
	CHECK_STR(in4_str(m.routes[0].gw, a), "10.0.0.1", "route gw");

	CHECK_INT(dhcp_msg_build(&m, &w2), 0, "rebuild");
	CHECK_INT(dhcp_msg_parse(out2, w2.len, &m2), 0, "parse the rebuild");
	CHECK(m2.nopt == m.nopt && m2.optdata_len == m.optdata_len &&
	      memcmp(m2.optdata, m.optdata, m.optdata_len) == 0, "same options after rebuild");
	CHECK(memcmp(&m2.h, &m.h, sizeof(m.h)) == 0, "same header after rebuild");
	CHECK(!strcmp(m2.search, m.search) && m2.nroutes == m.nroutes && m2.ndns == m.ndns,
	      "same decoded fields after rebuild");
	CHECK_STR(dhcp_type_name(DHCPNAK), "NAK", "type name");
	CHECK_STR(dhcp_type_name(99), "?", "unknown type name");
	CHECK_STR(dhcp_opt_name(DHO_SERVER_ID), "server-id", "option name");
}

/* An option with a broken length rule is dropped, the message kept. */
static void rule(const char *what, const uint8_t *o, size_t n, uint8_t code)
{
	int r = parse_opts(o, n);

	CHECK(r == 0 && dhcp_bit(m.invalid, code) && !dhcp_msg_has(&m, code) &&
	      dhcp_msg_opt(&m, code, &(size_t){ 0 }) == NULL, "invalid, message kept: %s", what);
}

static void test_length_rules(void)
{
	rule("mask of 3 bytes", OPTS(53, 1, 2, 1, 3, 255, 255, 255, 255), DHO_SUBNET_MASK);
	rule("mask of 5 bytes", OPTS(53, 1, 2, 1, 5, 255, 255, 255, 0, 0, 255), DHO_SUBNET_MASK);
	rule("mask not contiguous", OPTS(53, 1, 2, 1, 4, 255, 0, 255, 0, 255), DHO_SUBNET_MASK);
	rule("mask 0.0.0.0", OPTS(53, 1, 2, 1, 4, 0, 0, 0, 0, 255), DHO_SUBNET_MASK);
	rule("router of 6 bytes", OPTS(53, 1, 2, 3, 6, 10, 0, 0, 1, 10, 0, 255), DHO_ROUTER);
	rule("router of 0 bytes", OPTS(53, 1, 2, 3, 0, 255), DHO_ROUTER);
	rule("dns of 3 bytes", OPTS(53, 1, 2, 6, 3, 10, 0, 0, 255), DHO_DNS);
	rule("ntp of 5 bytes", OPTS(53, 1, 2, 42, 5, 10, 0, 0, 1, 1, 255), DHO_NTP);
	rule("mtu of 1 byte", OPTS(53, 1, 2, 26, 1, 5, 255), DHO_MTU);
	rule("mtu 67", OPTS(53, 1, 2, 26, 2, 0, 67, 255), DHO_MTU);
	rule("broadcast of 2 bytes", OPTS(53, 1, 2, 28, 2, 1, 2, 255), DHO_BROADCAST);
	rule("lease of 2 bytes", OPTS(53, 1, 2, 51, 2, 1, 2, 255), DHO_LEASE_TIME);
	rule("T1 of 8 bytes", OPTS(53, 1, 2, 58, 8, 0, 0, 0, 1, 0, 0, 0, 1, 255), DHO_T1);
	rule("T2 of 3 bytes", OPTS(53, 1, 2, 59, 3, 0, 0, 1, 255), DHO_T2);
	rule("requested address of 3", OPTS(53, 1, 2, 50, 3, 10, 0, 0, 255), DHO_REQUESTED_ADDR);
	rule("max size of 1 byte", OPTS(53, 1, 2, 57, 1, 5, 255), DHO_MAX_MSG_SIZE);
	rule("max size 575", OPTS(53, 1, 2, 57, 2, 2, 63, 255), DHO_MAX_MSG_SIZE);
	rule("rapid commit with a value", OPTS(53, 1, 2, 80, 1, 0, 255), DHO_RAPID_COMMIT);
	rule("client id of 1 byte", OPTS(53, 1, 2, 61, 1, 1, 255), DHO_CLIENT_ID);
	rule("empty hostname", OPTS(53, 1, 2, 12, 0, 255), DHO_HOSTNAME);
	rule("hostname of NULs only", OPTS(53, 1, 2, 12, 2, 0, 0, 255), DHO_HOSTNAME);
	rule("hostname with a space", OPTS(53, 1, 2, 12, 3, 'a', ' ', 'b', 255), DHO_HOSTNAME);
	rule("hostname with a newline", OPTS(53, 1, 2, 12, 2, 'a', '\n', 255), DHO_HOSTNAME);
	rule("domain with a NUL inside", OPTS(53, 1, 2, 15, 3, 'a', 0, 'b', 255), DHO_DOMAIN);
	rule("root path with an escape", OPTS(53, 1, 2, 17, 2, '/', 0x1b, 255), DHO_ROOT_PATH);
	rule("empty parameter list", OPTS(53, 1, 2, 55, 0, 255), DHO_PARAM_REQUEST);
	rule("search of 1 byte", OPTS(53, 1, 2, 119, 1, 0, 255), DHO_DOMAIN_SEARCH);
	rule("routes of 4 bytes", OPTS(53, 1, 2, 121, 4, 0, 10, 0, 0, 255), DHO_CLASSLESS_ROUTES);

	CHECK_INT(parse_opts(OPTS(53, 1, 2, 12, 6, 'n', 'o', 'd', 'e', 0, 0, 255)), 0, "hostname + NULs");
	CHECK_STR(m.hostname, "node", "trailing NULs dropped");
	CHECK_INT(parse_opts(OPTS(53, 1, 2, 61, 2, 0, 'x', 255)), 0, "client id of 2");
	CHECK(dhcp_msg_has(&m, DHO_CLIENT_ID), "client id of 2 is valid");
	CHECK_INT(parse_opts(OPTS(53, 1, 2, 26, 2, 0, 68, 255)), 0, "mtu 68");
	CHECK_INT(m.mtu, 68, "mtu 68 accepted");
	CHECK_INT(parse_opts(OPTS(53, 1, 2, 1, 4, 255, 255, 255, 255, 255)), 0, "mask /32");
	CHECK(dhcp_msg_has(&m, DHO_SUBNET_MASK), "a /32 mask is contiguous");

	/* Message type and server id: the message itself is rejected. */
	CHECK_INT(parse_opts(OPTS(53, 2, 2, 2, 255)), -EBADMSG, "type of 2 bytes rejects");
	CHECK_INT(m.error_opt, DHO_MESSAGE_TYPE, "error names option 53");
	CHECK(m.error != NULL, "error says why");
	CHECK_INT(parse_opts(OPTS(53, 0, 255)), -EBADMSG, "empty type rejects");
	CHECK_INT(parse_opts(OPTS(53, 1, 0, 255)), -EBADMSG, "type 0 rejects");
	CHECK_INT(parse_opts(OPTS(53, 1, 2, 54, 3, 10, 0, 0, 255)), -EBADMSG, "server id of 3 rejects");
	CHECK_INT(m.error_opt, DHO_SERVER_ID, "error names option 54");
	CHECK_INT(parse_opts(OPTS(53, 1, 2, 54, 5, 10, 0, 0, 1, 1, 255)), -EBADMSG, "server id of 5 rejects");
	CHECK_INT(parse_opts(OPTS(255)), 0, "no type: plain BOOTP parses");
	CHECK_INT(m.type, 0, "type 0 = BOOTP");

	/* Lists longer than we keep: the first entries, flagged. */
	CHECK_INT(parse_opts(OPTS(53, 1, 5, 6, 40, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5,
				  6, 6, 6, 6, 7, 7, 7, 7, 8, 8, 8, 8, 9, 9, 9, 9, 10, 10, 10, 10, 255)),
		  0, "10 dns servers");
	CHECK_INT(m.ndns, DHCP_MAX_DNS, "DHCP_MAX_DNS kept");
	CHECK(dhcp_bit(m.truncated, DHO_DNS) && dhcp_msg_has(&m, DHO_DNS), "flagged as cut, still valid");
}

static void test_structure(void)
{
	uint8_t big[DHCP_MSG_MAX + 1], opts[400];
	size_t n, i;

	memset(big, 0, sizeof(big));
	n = craft(OPTS(53, 1, 2, 255), NULL, 0, NULL, 0);
	CHECK_INT(dhcp_msg_parse(buf, n, &m), 0, "minimal OFFER");
	CHECK_INT(dhcp_msg_parse(buf, DHCP_MIN_LEN - 1, &m), -EBADMSG, "shorter than header + cookie");
	CHECK_INT(dhcp_msg_parse(buf, DHCP_MIN_LEN, &m), 0, "header + cookie, no options");
	CHECK_INT(dhcp_msg_parse(buf, 0, &m), -EBADMSG, "empty");
	CHECK_INT(dhcp_msg_parse(big, sizeof(big), &m), -EMSGSIZE, "longer than DHCP_MSG_MAX");
	buf[236] = 0x63;
	buf[239] = 0x62;
	CHECK_INT(dhcp_msg_parse(buf, n, &m), -EBADMSG, "wrong magic cookie");
	CHECK_STR(m.error, "no DHCP magic cookie", "says so");
	n = craft(OPTS(53, 1, 2, 255), NULL, 0, NULL, 0);
	buf[2] = 17;
	CHECK_INT(dhcp_msg_parse(buf, n, &m), -EBADMSG, "hlen 17");

	/* Truncated options. */
	CHECK_INT(parse_opts(OPTS(53, 1, 2, 12, 5, 'a', 'b')), -EBADMSG, "value runs past the end");
	CHECK_INT(parse_opts(OPTS(53, 1, 2, 12)), -EBADMSG, "length byte missing");
	CHECK_INT(parse_opts(OPTS(53, 1, 2, 1, 4, 255, 255, 255, 0)), 0, "no END at the very end: tolerated");
	CHECK(dhcp_msg_has(&m, DHO_SUBNET_MASK), "... and the last option read");
	CHECK_INT(parse_opts(OPTS(0, 0, 53, 1, 2, 0, 255, 12, 200)), 0, "PAD skipped, bytes after END ignored");
	CHECK(!dhcp_msg_has(&m, DHO_HOSTNAME), "nothing after END");

	/* More fragments than DHCP_MAX_OPTIONS. */
	for (i = 0; i + 2 <= sizeof(opts); i += 2) {
		opts[i] = 224;
		opts[i + 1] = 0;
	}
	CHECK_INT(parse_opts(opts, sizeof(opts)), -E2BIG, "200 options > DHCP_MAX_OPTIONS");
	CHECK_INT(parse_opts(opts, 2 * DHCP_MAX_OPTIONS), 0, "exactly DHCP_MAX_OPTIONS fragments");
	CHECK_INT(m.nopt, 1, "... concatenated into one option");
}

static void test_overload(void)
{
	static const uint8_t file[] = { 12, 4, 'n', 'o', 'd', 'e', 3, 4, 10, 0, 0, 1, 255 };
	static const uint8_t sname[] = { 15, 3, 'l', 'a', 'b', 255 };
	static const uint8_t bad[] = { 52, 1, 1, 255 };
	size_t n;

	n = craft(OPTS(53, 1, 2, 52, 1, 3, 255), file, sizeof(file), sname, sizeof(sname));
	CHECK_INT(dhcp_msg_parse(buf, n, &m), 0, "overload 3");
	CHECK_INT(m.overload, 3, "overload value");
	CHECK_STR(m.hostname, "node", "hostname from the file field");
	CHECK_INT(m.nrouters, 1, "router from the file field");
	CHECK_STR(m.domain, "lab", "domain from the sname field");
	CHECK_STR(m.h.file, "", "file field is not a name");
	CHECK_STR(m.h.sname, "", "sname field is not a name");

	n = craft(OPTS(53, 1, 2, 52, 1, 1, 255), file, sizeof(file), sname, sizeof(sname));
	CHECK_INT(dhcp_msg_parse(buf, n, &m), 0, "overload 1");
	CHECK_STR(m.hostname, "node", "file read");
	CHECK(!dhcp_msg_has(&m, DHO_DOMAIN), "sname not read as options");
	CHECK_INT(m.h.sname[0], 15, "sname kept as raw text");

	n = craft(OPTS(53, 1, 2, 255), file, sizeof(file), NULL, 0);
	CHECK_INT(dhcp_msg_parse(buf, n, &m), 0, "no overload");
	CHECK(!dhcp_msg_has(&m, DHO_HOSTNAME), "file not read as options");

	/* RFC 3396 across fields: options, then file, then sname. */
	{
		static const uint8_t f2[] = { 12, 2, 'c', 'd', 255 };
		static const uint8_t s2[] = { 12, 2, 'e', 'f', 255 };

		n = craft(OPTS(53, 1, 2, 52, 1, 3, 12, 2, 'a', 'b', 255), f2, sizeof(f2), s2, sizeof(s2));
		CHECK_INT(dhcp_msg_parse(buf, n, &m), 0, "hostname split over three fields");
		CHECK_STR(m.hostname, "abcdef", "joined in options, file, sname order");
	}
	n = craft(OPTS(53, 1, 2, 52, 1, 1, 255), bad, sizeof(bad), NULL, 0);
	CHECK_INT(dhcp_msg_parse(buf, n, &m), -EBADMSG, "52 inside the file field");
	CHECK_INT(parse_opts(OPTS(53, 1, 2, 52, 1, 4, 255)), -EBADMSG, "overload 4");
	CHECK_INT(parse_opts(OPTS(53, 1, 2, 52, 1, 0, 255)), -EBADMSG, "overload 0");
	CHECK_INT(parse_opts(OPTS(53, 1, 2, 52, 2, 1, 1, 255)), -EBADMSG, "overload of 2 bytes");
	CHECK_INT(parse_opts(OPTS(53, 1, 2, 52, 0, 52, 1, 2, 255)), 0, "overload split 0 + 1 bytes");
	CHECK_INT(m.overload, 2, "... is 2");
	{
		static const uint8_t trunc[] = { 12, 200, 'x' };

		n = craft(OPTS(53, 1, 2, 52, 1, 1, 255), trunc, sizeof(trunc), NULL, 0);
		CHECK_INT(dhcp_msg_parse(buf, n, &m), -EBADMSG, "option runs past the file field");
	}
}

static void test_concatenation(void)
{
	uint8_t out[DHCP_MSG_MAX], big[300];
	struct wbuf w = wb_init(out, sizeof(out));
	struct dhcp_hdr h;
	const uint8_t *v;
	size_t len = 0, i;

	CHECK_INT(parse_opts(OPTS(53, 1, 2, 6, 4, 1, 1, 1, 1, 3, 4, 10, 0, 0, 1, 6, 4, 2, 2, 2, 2, 255)), 0,
		  "dns in two fragments around a router");
	CHECK_INT(m.ndns, 2, "joined: 2 dns servers");
	CHECK_INT(m.dns[1], ip("2.2.2.2"), "in order");
	CHECK_INT(m.nopt, 3, "one table entry per code");
	CHECK_INT(m.opt[1].code, DHO_DNS, "in order of first appearance");
	CHECK_INT(parse_opts(OPTS(53, 1, 2, 1, 2, 255, 255, 1, 2, 255, 0, 255)), 0, "mask split 2 + 2");
	CHECK_INT(m.netmask, ip("255.255.255.0"), "joined mask");
	CHECK_INT(parse_opts(OPTS(53, 1, 2, 1, 4, 255, 255, 255, 0, 1, 4, 255, 255, 255, 0, 255)), 0,
		  "mask twice");
	CHECK(dhcp_bit(m.invalid, DHO_SUBNET_MASK), "two masks make 8 bytes: invalid");
	CHECK_INT(parse_opts(OPTS(53, 1, 2, 53, 1, 2, 255)), -EBADMSG, "message type twice: 2 bytes");
	CHECK_INT(parse_opts(OPTS(53, 1, 2, 80, 0, 80, 0, 255)), 0, "rapid commit twice");
	CHECK(m.rapid_commit, "0 + 0 bytes is still valid");

	/* The builder splits long values into 255-byte fragments. */
	for (i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)i;
	base_hdr(&h);
	dhcp_msg_begin(&w, &h);
	dhcp_opt_put_u8(&w, DHO_MESSAGE_TYPE, DHCPACK);
	CHECK_INT(dhcp_opt_put(&w, 224, big, sizeof(big)), 0, "put 300 bytes");
	CHECK_INT(out[DHCP_MIN_LEN + 3], 224, "first fragment code");
	CHECK_INT(out[DHCP_MIN_LEN + 4], 255, "first fragment is 255 bytes");
	CHECK_INT(out[DHCP_MIN_LEN + 5 + 255 + 1], 45, "second fragment is 45 bytes");
	dhcp_msg_end(&w);
	CHECK_INT(dhcp_msg_parse(out, w.len, &m), 0, "parse it");
	v = dhcp_msg_opt(&m, 224, &len);
	CHECK(v && len == 300 && memcmp(v, big, 300) == 0, "300 bytes back, in order");
	CHECK_INT(dhcp_opt_put(&w, DHO_END, NULL, 0), -EINVAL, "END is not an option");
	w = wb_init(out, 10);
	CHECK_INT(dhcp_msg_begin(&w, &h), -ENOSPC, "header does not fit");
}

static void test_routes(void)
{
	char a[16];

	CHECK_INT(parse_opts(OPTS(53, 1, 5, 121, 5, 0, 10, 0, 0, 1, 255)), 0, "prefix 0");
	CHECK(m.nroutes == 1 && m.routes[0].prefix == 0 && m.routes[0].dst == 0 &&
	      m.routes[0].gw == ip("10.0.0.1"), "default route via 10.0.0.1");
	CHECK_INT(parse_opts(OPTS(53, 1, 5, 121, 24,
				  24, 192, 168, 7, 10, 0, 0, 2,
				  32, 10, 1, 2, 3, 0, 0, 0, 0,
				  9, 10, 128, 10, 0, 0, 3, 255)), 0, "/24, /32, /9");
	CHECK_INT(m.nroutes, 3, "3 routes");
	CHECK_STR(in4_str(m.routes[0].dst, a), "192.168.7.0", "/24 destination");
	CHECK_STR(in4_str(m.routes[1].dst, a), "10.1.2.3", "/32 destination");
	CHECK_INT(m.routes[1].gw, 0, "gateway 0.0.0.0: on link");
	CHECK_STR(in4_str(m.routes[2].dst, a), "10.128.0.0", "/9 takes 2 octets");
	CHECK_INT(parse_opts(OPTS(53, 1, 5, 121, 7, 16, 10, 1, 10, 0, 0, 1, 255)), 0, "/16");
	CHECK_INT(parse_opts(OPTS(53, 1, 5, 121, 7, 12, 10, 255, 10, 0, 0, 1, 255)), 0, "/12 host bits");
	CHECK_STR(in4_str(m.routes[0].dst, a), "10.240.0.0", "host bits cleared");
	CHECK(!dhcp_bit(m.truncated, DHO_CLASSLESS_ROUTES) && m.routes_cut == NULL, "nothing cut");
	/* No usable entry at all: the option is invalid (and option 3 applies). */
	rule("prefix 33", OPTS(53, 1, 5, 121, 9, 33, 10, 0, 0, 0, 10, 0, 0, 1, 255), DHO_CLASSLESS_ROUTES);
	CHECK_INT(m.nroutes, 0, "no routes kept from an invalid option");
	rule("gateway cut short", OPTS(53, 1, 5, 121, 7, 24, 10, 0, 0, 10, 0, 0, 255), DHO_CLASSLESS_ROUTES);
	/* A malformed entry loses the framing of what follows it, not the
	 * complete entries before it: those are kept, and the cut flagged. */
	CHECK_INT(parse_opts(OPTS(53, 1, 5, 121, 7, 0, 10, 0, 0, 1, 8, 10, 255)), 0, "second entry cut short");
	CHECK(dhcp_msg_has(&m, DHO_CLASSLESS_ROUTES) && m.nroutes == 1 && m.routes[0].prefix == 0 &&
	      m.routes[0].gw == ip("10.0.0.1"), "the first entry kept");
	CHECK(dhcp_bit(m.truncated, DHO_CLASSLESS_ROUTES) && m.routes_cut && strstr(m.routes_cut, "short"),
	      "the cut flagged, and why (%s)", m.routes_cut ? m.routes_cut : "null");
	CHECK_INT(parse_opts(OPTS(53, 1, 5, 121, 19, 24, 192, 168, 7, 10, 0, 0, 2, 33, 1, 2, 3, 4, 5,
				  0, 10, 0, 0, 1, 255)), 0, "second entry with prefix 33");
	CHECK(m.nroutes == 1 && m.routes[0].prefix == 24 && dhcp_bit(m.truncated, DHO_CLASSLESS_ROUTES) &&
	      m.routes_cut && strstr(m.routes_cut, "32"), "the /24 before it kept (%s)",
	      m.routes_cut ? m.routes_cut : "null");
	{
		uint8_t o[5 + 2 + (DHCP_MAX_ROUTES + 1) * 5 + 1];
		int i;

		memcpy(o, (const uint8_t[]){ 53, 1, 5, 121, (DHCP_MAX_ROUTES + 1) * 5 }, 5);
		for (i = 0; i <= DHCP_MAX_ROUTES; i++)
			memcpy(o + 5 + i * 5, (const uint8_t[]){ 0, 10, 0, 0, (uint8_t)(1 + i) }, 5);
		o[sizeof(o) - 3] = 255;
		CHECK_INT(parse_opts(o, sizeof(o) - 2), 0, "DHCP_MAX_ROUTES + 1 routes");
		CHECK(m.nroutes == DHCP_MAX_ROUTES && m.routes[DHCP_MAX_ROUTES - 1].gw == ip("10.0.0.16") &&
		      dhcp_bit(m.truncated, DHO_CLASSLESS_ROUTES) && m.routes_cut,
		      "the first DHCP_MAX_ROUTES kept, the rest flagged");
		o[4] = DHCP_MAX_ROUTES * 5;
		o[5 + DHCP_MAX_ROUTES * 5] = 255;
		CHECK_INT(parse_opts(o, 5 + DHCP_MAX_ROUTES * 5 + 1), 0, "DHCP_MAX_ROUTES routes");
		CHECK_INT(m.nroutes, DHCP_MAX_ROUTES, "all kept");
		CHECK(!dhcp_bit(m.truncated, DHO_CLASSLESS_ROUTES), "none cut");
	}
}

/* Option 119 of "a" followed by names that are each only a pointer to the
 * previous one: the last needs `ptrs` jumps to reach "a". */
static int parse_chain(int ptrs)
{
	uint8_t o[3 + 2 * (DHCP_NAME_MAX_PTRS + 1)], out[DHCP_MSG_MAX];
	struct wbuf w = wb_init(out, sizeof(out));
	size_t at = 0, prev = 0, cur;
	struct dhcp_hdr h;
	int k;

	o[at++] = 1;
	o[at++] = 'a';
	o[at++] = 0;
	for (k = 0; k < ptrs; k++) {
		cur = at;
		o[at++] = (uint8_t)(0xc0 | prev >> 8);
		o[at++] = (uint8_t)prev;
		prev = cur;
	}
	base_hdr(&h);
	dhcp_msg_begin(&w, &h);
	dhcp_opt_put_u8(&w, DHO_MESSAGE_TYPE, DHCPACK);
	dhcp_opt_put(&w, DHO_DOMAIN_SEARCH, o, at);
	dhcp_msg_end(&w);
	return dhcp_msg_parse(out, w.len, &m);
}

static void test_search(void)
{
	/* RFC 3397 4: eng.apple.com and marketing.apple.com, the second
	 * pointing at the first's "apple.com" (offset 4). */
	CHECK_INT(parse_opts(OPTS(53, 1, 5, 119, 27,
				  3, 'e', 'n', 'g', 5, 'a', 'p', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0,
				  9, 'm', 'a', 'r', 'k', 'e', 't', 'i', 'n', 'g', 0xc0, 4, 255)), 0, "compressed");
	CHECK_STR(m.search, "eng.apple.com marketing.apple.com", "pointer followed");
	/* The same split into two fragments: offsets count from the joined value. */
	CHECK_INT(parse_opts(OPTS(53, 1, 5, 119, 10, 3, 'e', 'n', 'g', 5, 'a', 'p', 'p', 'l', 'e',
				  119, 17, 3, 'c', 'o', 'm', 0,
				  9, 'm', 'a', 'r', 'k', 'e', 't', 'i', 'n', 'g', 0xc0, 4, 255)), 0, "split option");
	CHECK_STR(m.search, "eng.apple.com marketing.apple.com", "pointer into the joined value");
	rule("pointer to itself", OPTS(53, 1, 5, 119, 2, 0xc0, 0, 255), DHO_DOMAIN_SEARCH);
	rule("pointer loop within a name", OPTS(53, 1, 5, 119, 4, 1, 'a', 0xc0, 0, 255), DHO_DOMAIN_SEARCH);
	rule("two names pointing at each other",
	     OPTS(53, 1, 5, 119, 8, 1, 'a', 0xc0, 4, 1, 'b', 0xc0, 0, 255), DHO_DOMAIN_SEARCH);
	rule("pointer forward", OPTS(53, 1, 5, 119, 7, 0xc0, 2, 1, 'a', 1, 'b', 0, 255), DHO_DOMAIN_SEARCH);
	rule("pointer past the end", OPTS(53, 1, 5, 119, 5, 1, 'a', 0, 0xc0, 40, 255), DHO_DOMAIN_SEARCH);
	rule("pointer cut in half", OPTS(53, 1, 5, 119, 4, 1, 'a', 0, 0xc0, 255), DHO_DOMAIN_SEARCH);
	rule("label past the end", OPTS(53, 1, 5, 119, 3, 5, 'a', 'b', 255), DHO_DOMAIN_SEARCH);
	rule("no terminating zero", OPTS(53, 1, 5, 119, 2, 1, 'a', 255), DHO_DOMAIN_SEARCH);
	rule("label type 0x40", OPTS(53, 1, 5, 119, 3, 0x41, 'a', 0, 255), DHO_DOMAIN_SEARCH);
	rule("space in a label", OPTS(53, 1, 5, 119, 4, 2, 'a', ' ', 0, 255), DHO_DOMAIN_SEARCH);
	rule("dot in a label", OPTS(53, 1, 5, 119, 5, 3, 'a', '.', 'b', 0, 255), DHO_DOMAIN_SEARCH);
	rule("only the root", OPTS(53, 1, 5, 119, 2, 0, 0, 255), DHO_DOMAIN_SEARCH);
	CHECK_INT(parse_opts(OPTS(53, 1, 5, 119, 16, 1, 'a', 0, 1, 'b', 0, 1, 'c', 0, 1, 'd', 0, 1, 'e', 0, 0,
				  255)), 0, "5 names and a root");
	CHECK_STR(m.search, "a b c d e", "root skipped");
	CHECK_INT(parse_opts(OPTS(53, 1, 5, 119, 24, 1, 'a', 0, 1, 'b', 0, 1, 'c', 0, 1, 'd', 0,
				  1, 'e', 0, 1, 'f', 0, 1, 'g', 0, 1, 'h', 0, 255)), 0, "8 names");
	CHECK_STR(m.search, "a b c d e f", "DHCP_MAX_SEARCH kept");
	CHECK(dhcp_bit(m.truncated, DHO_DOMAIN_SEARCH), "and flagged");
	CHECK_INT(parse_chain(DHCP_NAME_MAX_PTRS), 0, "a name behind DHCP_NAME_MAX_PTRS pointers");
	CHECK(dhcp_msg_has(&m, DHO_DOMAIN_SEARCH), "... is valid");
	CHECK_STR(m.search, "a a a a a a", "... and reads as the first name");
	CHECK_INT(parse_chain(DHCP_NAME_MAX_PTRS + 1), 0, "one pointer more");
	CHECK(dhcp_bit(m.invalid, DHO_DOMAIN_SEARCH), "... is invalid");
}

static void test_ipudp(void)
{
	/* The worked example of the IPv4 header checksum (checksum 0xb861). */
	static const uint8_t hdr[20] = { 0x45, 0, 0, 0x73, 0, 0, 0x40, 0, 0x40, 0x11, 0, 0,
					 0xc0, 0xa8, 0, 1, 0xc0, 0xa8, 0, 0xc7 };
	struct dhcp_ipudp h = { ip("10.0.0.1"), ip("255.255.255.255"), 67, 68, 64 }, got;
	uint8_t pkt[DHCP_PKT_MAX + 8], payload[301];
	struct wbuf w = wb_init(pkt, sizeof(pkt));
	struct rbuf pl;
	const char *why = NULL;
	size_t n;

	CHECK_INT(dhcp_csum(hdr, sizeof(hdr), 0), 0xb861, "RFC 1071 checksum of a known header");
	memset(payload, 0xa5, sizeof(payload));        /* odd length: the padding byte matters */
	CHECK_INT(dhcp_ipudp_build(&w, &h, payload, sizeof(payload)), 0, "build");
	n = w.len;
	CHECK_INT(n, 20 + 8 + sizeof(payload), "length");
	CHECK_INT(pkt[8], 64, "TTL");
	CHECK_INT(dhcp_ipudp_parse(pkt, n, 0, &got, &pl, &why), 0, "parse");
	CHECK(got.saddr == h.saddr && got.daddr == h.daddr && got.sport == 67 && got.dport == 68,
	      "addresses and ports");
	CHECK(rb_left(&pl) == sizeof(payload) && memcmp(pl.p, payload, sizeof(payload)) == 0, "payload");
	memset(pkt + n, 0, 8);
	CHECK_INT(dhcp_ipudp_parse(pkt, n + 8, 0, &got, &pl, &why), 0, "link padding after the packet");
	CHECK_INT(rb_left(&pl), sizeof(payload), "padding not in the payload");
	CHECK_INT(dhcp_ipudp_parse(pkt, n - 1, 0, &got, &pl, &why), -EBADMSG, "one byte short");

	pkt[40] ^= 1;
	CHECK_INT(dhcp_ipudp_parse(pkt, n, 0, &got, &pl, &why), -EBADMSG, "payload changed: bad UDP checksum");
	CHECK_STR(why, "bad UDP checksum", "says so");
	CHECK_INT(dhcp_ipudp_parse(pkt, n, DHCP_IPUDP_CSUM_PARTIAL, &got, &pl, &why), 0,
		  "checksum offloaded: not checked");
	pkt[26] = pkt[27] = 0;
	CHECK_INT(dhcp_ipudp_parse(pkt, n, 0, &got, &pl, &why), 0, "UDP checksum 0: none");
	pkt[40] ^= 1;

	w = wb_init(pkt, sizeof(pkt));
	dhcp_ipudp_build(&w, &h, payload, sizeof(payload));
	pkt[12] ^= 1;
	CHECK_INT(dhcp_ipudp_parse(pkt, n, 0, &got, &pl, &why), -EBADMSG, "bad IP header checksum");
	CHECK_STR(why, "bad IPv4 header checksum", "says so");
	pkt[12] ^= 1;

#define REBUILD_WITH(off, val) do {                                            \
		uint16_t s_;                                                   \
		w = wb_init(pkt, sizeof(pkt));                                 \
		dhcp_ipudp_build(&w, &h, payload, sizeof(payload));            \
		pkt[off] = (val);                                              \
		pkt[10] = pkt[11] = 0;                                         \
		s_ = dhcp_csum(pkt, (size_t)(pkt[0] & 15) * 4, 0);             \
		pkt[10] = (uint8_t)(s_ >> 8);                                  \
		pkt[11] = (uint8_t)s_;                                         \
	} while (0)

	REBUILD_WITH(6, 0x20);
	CHECK_INT(dhcp_ipudp_parse(pkt, n, 0, &got, &pl, &why), -EBADMSG, "more fragments (MF)");
	CHECK_STR(why, "an IPv4 fragment", "says so");
	REBUILD_WITH(7, 0x10);
	CHECK_INT(dhcp_ipudp_parse(pkt, n, 0, &got, &pl, &why), -EBADMSG, "fragment offset");
	REBUILD_WITH(6, 0x40);
	CHECK_INT(dhcp_ipudp_parse(pkt, n, 0, &got, &pl, &why), 0, "DF is fine");
	REBUILD_WITH(9, 6);
	CHECK_INT(dhcp_ipudp_parse(pkt, n, 0, &got, &pl, &why), -EBADMSG, "TCP");
	CHECK_STR(why, "not UDP", "says so");
	REBUILD_WITH(0, 0x65);
	CHECK_INT(dhcp_ipudp_parse(pkt, n, 0, &got, &pl, &why), -EBADMSG, "version 6");
	REBUILD_WITH(0, 0x44);
	CHECK_INT(dhcp_ipudp_parse(pkt, n, 0, &got, &pl, &why), -EBADMSG, "IHL 4");
	REBUILD_WITH(3, (uint8_t)(pkt[3] + 1));
	CHECK_INT(dhcp_ipudp_parse(pkt, n, 0, &got, &pl, &why), -EBADMSG, "IP length beyond the data");
	REBUILD_WITH(3, 20 + 7);
	pkt[2] = 0;
	pkt[10] = pkt[11] = 0;
	{
		uint16_t s = dhcp_csum(pkt, 20, 0);

		pkt[10] = (uint8_t)(s >> 8);
		pkt[11] = (uint8_t)s;
	}
	CHECK_INT(dhcp_ipudp_parse(pkt, n, 0, &got, &pl, &why), -EBADMSG, "IP length under 28");

	w = wb_init(pkt, sizeof(pkt));
	dhcp_ipudp_build(&w, &h, payload, sizeof(payload));
	pkt[24] = 0x7f;         /* UDP length larger than the IP payload */
	CHECK_INT(dhcp_ipudp_parse(pkt, n, DHCP_IPUDP_CSUM_PARTIAL, &got, &pl, &why), -EBADMSG,
		  "UDP length beyond the IP length");
	pkt[24] = 0;
	pkt[25] = 7;
	CHECK_INT(dhcp_ipudp_parse(pkt, n, DHCP_IPUDP_CSUM_PARTIAL, &got, &pl, &why), -EBADMSG,
		  "UDP length under 8");
	pkt[25] = 8 + 10;
	CHECK_INT(dhcp_ipudp_parse(pkt, n, DHCP_IPUDP_CSUM_PARTIAL, &got, &pl, &why), 0,
		  "UDP length shorter than the IP payload");
	CHECK_INT(rb_left(&pl), 10, "payload bounded by the UDP length");

	/* A header with options (IHL 6). */
	{
		uint8_t opt[DHCP_PKT_MAX];
		uint16_t s;

		w = wb_init(pkt, sizeof(pkt));
		dhcp_ipudp_build(&w, &h, payload, 20);
		memcpy(opt, pkt, 20);
		memset(opt + 20, 1, 4);         /* four NOP options */
		memcpy(opt + 24, pkt + 20, 28);
		opt[0] = 0x46;
		opt[3] = 20 + 4 + 28;
		opt[10] = opt[11] = 0;
		s = dhcp_csum(opt, 24, 0);
		opt[10] = (uint8_t)(s >> 8);
		opt[11] = (uint8_t)s;
		CHECK_INT(dhcp_ipudp_parse(opt, 52, 0, &got, &pl, &why), 0, "IP options skipped");
		CHECK_INT(rb_left(&pl), 20, "payload after the options");
	}
	CHECK_INT(dhcp_ipudp_parse(pkt, 0, 0, &got, &pl, &why), -EBADMSG, "empty packet");
	w = wb_init(pkt, 40);
	CHECK_INT(dhcp_ipudp_build(&w, &h, payload, sizeof(payload)), -ENOSPC, "does not fit");
}

int main(void)
{
	test_round_trip();
	test_length_rules();
	test_structure();
	test_overload();
	test_concatenation();
	test_routes();
	test_search();
	test_ipudp();
	return check_done();
}

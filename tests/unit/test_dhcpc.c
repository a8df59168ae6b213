/* The DHCP client: the real state machine driven directly (virtual time, a
 * capture of what it sends, canned server replies), then dhcp_acquire() and
 * its poll loop over a fake of the socket seam: dhcp_net_*() are defined
 * here, over socketpairs, with a scripted server behind each interface. */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "check.h"
#include "dhcp_ipudp.h"
#include "dhcp_net.h"
#include "dhcpc.h"
#include "log.h"

static const uint8_t MAC[6] = { 0x52, 0x54, 0x00, 0xaa, 0xbb, 0x01 };

static in4_t ip(const char *s)
{
	return inet_addr(s);
}

/* ---- a scripted server ------------------------------------------------- */

enum {
	R_RAPID = 1,            /* add option 80 */
	R_NO_SID = 2,           /* no server id */
	R_BAD_SID = 4,          /* server id of 3 bytes */
	R_BAD_CSUM = 8,         /* break the UDP checksum */
	R_OTHER_MAC = 16,       /* chaddr of another client */
	R_BOOTP = 32,           /* no message type */
	R_BAD_PORT = 64,        /* to port 69 */
	R_REQUEST_OP = 128,     /* op BOOTREQUEST */
	R_TRUNC = 256,          /* the last 10 bytes lost */
	R_EXTRA = 512,          /* the options in extra[] instead of the usual set */
};

static uint8_t extra[DHCP_MSG_MAX];
static size_t nextra;

static size_t reply(uint8_t *out, uint8_t type, uint32_t xid, const uint8_t mac[6], in4_t yiaddr,
		    in4_t server, unsigned f)
{
	uint8_t pl[DHCP_MSG_MAX];
	struct wbuf w = wb_init(pl, sizeof(pl)), o = wb_init(out, DHCP_PKT_MAX);
	struct dhcp_ipudp ih = { server, 0xffffffffu, DHCP_SERVER_PORT,
				 (f & R_BAD_PORT) ? 69 : DHCP_CLIENT_PORT, 64 };
	in4_t dns[4] = { ip("10.0.0.1"), ip("10.0.0.2"), ip("10.0.0.3"), ip("10.0.0.4") };
	struct dhcp_hdr h;

	memset(&h, 0, sizeof(h));
	h.op = (f & R_REQUEST_OP) ? BOOTREQUEST : BOOTREPLY;
	h.htype = 1;
	h.hlen = 6;
	h.xid = xid;
	h.flags = DHCP_FLAG_BROADCAST;
	h.yiaddr = type == DHCPNAK ? 0 : yiaddr;
	h.siaddr = server;
	memcpy(h.chaddr, mac, 6);
	if (f & R_OTHER_MAC)
		h.chaddr[5] ^= 0xff;
	dhcp_msg_begin(&w, &h);
	if (!(f & R_BOOTP))
		dhcp_opt_put_u8(&w, DHO_MESSAGE_TYPE, type);
	if (f & R_BAD_SID)
		dhcp_opt_put(&w, DHO_SERVER_ID, &server, 3);
	else if (!(f & R_NO_SID))
		dhcp_opt_put_in4(&w, DHO_SERVER_ID, server);
	if (f & R_EXTRA) {
		wb_bytes(&w, extra, nextra);
	} else if (type == DHCPNAK) {
		dhcp_opt_put_str(&w, DHO_MESSAGE, "wrong network\n");
	} else {
		dhcp_opt_put_be32(&w, DHO_LEASE_TIME, 3600);
		dhcp_opt_put_in4(&w, DHO_SUBNET_MASK, ip("255.255.255.0"));
		dhcp_opt_put_in4(&w, DHO_ROUTER, server);
		dhcp_opt_put(&w, DHO_DNS, dns, sizeof(dns));
		dhcp_opt_put_str(&w, DHO_ROOT_PATH, "10.0.0.1:/srv/root");
	}
	if (f & R_RAPID)
		dhcp_opt_put(&w, DHO_RAPID_COMMIT, NULL, 0);
	dhcp_msg_end(&w);
	dhcp_ipudp_build(&o, &ih, pl, w.len);
	if (f & R_BAD_CSUM)
		out[o.len - 1] ^= 0xff;
	return (f & R_TRUNC) ? o.len - 10 : o.len;
}

/* ---- the state machine, directly ---------------------------------------- */

struct sent {
	uint8_t pkt[DHCP_PKT_MAX];
	size_t len;
};

static struct sent sent[64];
static int nsent;
static struct dhcpc c;
static struct dhcp_msg got;

static int capture(void *ctx, const uint8_t *pkt, size_t len)
{
	(void)ctx;
	if (nsent < 64) {
		memcpy(sent[nsent].pkt, pkt, len);
		sent[nsent].len = len;
	}
	nsent++;
	return 0;
}

/* Parse what the client sent, as a server would: checksums, ports, all. */
static int sent_msg(int i)
{
	struct dhcp_ipudp h;
	struct rbuf pl;
	const char *why;

	if (i >= nsent || dhcp_ipudp_parse(sent[i].pkt, sent[i].len, 0, &h, &pl, &why) < 0)
		return -1;
	if (h.sport != 68 || h.dport != 67 || h.saddr != 0 || h.daddr != 0xffffffffu || h.ttl != 64)
		return -2;
	return dhcp_msg_parse(pl.p, rb_left(&pl), &got);
}

static bool has_code(const uint8_t *list, size_t n, uint8_t code)
{
	return list && memchr(list, code, n) != NULL;
}

static void start(const struct dhcp_client_params *p, double now, double deadline)
{
	struct dhcp_iface ifc = { 2, "eth0", { 0 } };

	memcpy(ifc.mac, MAC, 6);
	nsent = 0;
	dhcpc_init(&c, &ifc, p, capture, NULL, 42);
	dhcpc_start(&c, now, deadline);
}

static int feed(uint8_t type, uint32_t xid, const char *yiaddr, const char *server, unsigned f, double now)
{
	uint8_t pkt[DHCP_PKT_MAX];
	size_t n = reply(pkt, type, xid, MAC, ip(yiaddr), ip(server), f);

	return dhcpc_receive(&c, pkt, n, 0, now);
}

static void test_dora(void)
{
	static const uint8_t want[] = { 1, 3, 6, 12, 15, 17, 26, 28, 42, 119, 121 };
	static const uint8_t cid[] = { 1, 0x52, 0x54, 0x00, 0xaa, 0xbb, 0x01 };
	struct dhcp_client_params p;
	const uint8_t *v;
	size_t len = 0, i;
	uint32_t xid;
	bool all = true;

	dhcp_client_params_init(&p);
	p.hostname = "node-07";
	p.client_id = cid;
	p.client_id_len = sizeof(cid);
	start(&p, 100, 200);
	CHECK_INT(nsent, 1, "start sends a DISCOVER at once");
	CHECK_INT(c.state, DHCPC_SELECTING, "SELECTING");
	CHECK_INT(sent_msg(0), 0, "the DISCOVER is valid IPv4/UDP 68->67 to 255.255.255.255, TTL 64");
	CHECK_INT(got.type, DHCPDISCOVER, "type DISCOVER");
	CHECK(got.h.op == BOOTREQUEST && got.h.htype == 1 && got.h.hlen == 6, "op, htype, hlen");
	CHECK(memcmp(got.h.chaddr, MAC, 6) == 0, "chaddr is our MAC");
	CHECK_INT(got.h.flags, DHCP_FLAG_BROADCAST, "broadcast flag");
	CHECK_INT(got.h.xid, c.xid, "xid");
	CHECK(got.h.ciaddr == 0 && got.h.secs == 0, "ciaddr 0, secs 0");
	v = dhcp_msg_opt(&got, DHO_PARAM_REQUEST, &len);
	for (i = 0; i < sizeof(want); i++)
		all = all && has_code(v, len, want[i]);
	CHECK(all, "parameter request list has 1 3 6 12 15 17 26 28 42 119 121");
	v = dhcp_msg_opt(&got, DHO_VENDOR_CLASS, &len);
	CHECK(v && len == 7 && memcmp(v, "netroot", 7) == 0, "vendor class netroot");
	CHECK_STR(got.hostname, "node-07", "hostname sent");
	v = dhcp_msg_opt(&got, DHO_CLIENT_ID, &len);
	CHECK(v && len == sizeof(cid) && memcmp(v, cid, len) == 0, "client id sent as given");
	CHECK(got.rapid_commit, "rapid commit offered");
	CHECK_INT(got.max_msg_size, DHCP_PKT_MAX, "max message size");
	CHECK(!dhcp_msg_has(&got, DHO_SERVER_ID) && !dhcp_msg_has(&got, DHO_REQUESTED_ADDR),
	      "no server id or requested address in a DISCOVER");
	xid = c.xid;

	CHECK_INT(feed(DHCPOFFER, xid, "10.0.0.5", "10.0.0.1", 0, 101.7), 0, "OFFER");
	CHECK_INT(c.state, DHCPC_REQUESTING, "REQUESTING");
	CHECK_INT(nsent, 2, "a REQUEST went out");
	CHECK_INT(sent_msg(1), 0, "the REQUEST is valid");
	CHECK_INT(got.type, DHCPREQUEST, "type REQUEST");
	CHECK_INT(got.server_id, ip("10.0.0.1"), "server id of the offer");
	CHECK_INT(got.requested_addr, ip("10.0.0.5"), "requested address of the offer");
	CHECK_INT(got.h.xid, xid, "same xid");
	CHECK_INT(got.h.secs, 1, "secs since the start");
	CHECK(got.h.ciaddr == 0 && got.h.flags == DHCP_FLAG_BROADCAST, "ciaddr 0, broadcast");
	CHECK(!got.rapid_commit, "no rapid commit in a REQUEST");

	CHECK_INT(feed(DHCPACK, xid, "10.0.0.5", "10.0.0.1", 0, 102), 1, "ACK binds");
	CHECK_INT(c.state, DHCPC_BOUND, "BOUND");
	CHECK_INT(c.lease.addr, ip("10.0.0.5"), "lease address");
	CHECK_INT(c.lease.netmask, ip("255.255.255.0"), "lease mask");
	CHECK_INT(c.lease.prefix, 24, "prefix");
	CHECK_INT(c.lease.broadcast, ip("10.0.0.255"), "broadcast derived");
	CHECK(c.lease.nrouters == 1 && c.lease.routers[0] == ip("10.0.0.1"), "router");
	CHECK_INT(c.lease.ndns, 3, "3 of 4 DNS servers kept");
	CHECK_INT(c.lease.server_id, ip("10.0.0.1"), "server id");
	CHECK(c.lease.lease_secs == 3600 && c.lease.t1_secs == 1800 && c.lease.t2_secs == 3150,
	      "lease times with T1/T2 defaults");
	CHECK_STR(c.lease.rootpath, "10.0.0.1:/srv/root", "root path");
	CHECK(!c.lease.rapid_commit, "not rapid commit");
	CHECK(isinf(dhcpc_next_timeout(&c)), "no timer when bound");
	CHECK_INT(feed(DHCPACK, xid, "10.0.0.5", "10.0.0.1", 0, 103), 0, "nothing more after BOUND");
	CHECK_STR(dhcpc_state_name(DHCPC_REQUESTING), "REQUESTING", "state name");
	CHECK_STR(dhcpc_state_name(DHCPC_NSTATES), "?", "no such state");
}

static void test_rapid_commit(void)
{
	struct dhcp_client_params p;

	start(NULL, 0, 60);
	CHECK_INT(sent_msg(0), 0, "DISCOVER with defaults");
	CHECK(got.rapid_commit, "defaults offer rapid commit");
	CHECK_INT(feed(DHCPACK, c.xid, "10.0.0.9", "10.0.0.1", 0, 0.1), 0, "ACK without option 80 while selecting");
	CHECK_INT(c.state, DHCPC_SELECTING, "ignored");
	CHECK_INT(feed(DHCPACK, c.xid, "10.0.0.9", "10.0.0.1", R_RAPID, 0.2), 1, "rapid-commit ACK binds");
	CHECK_INT(nsent, 1, "no REQUEST sent");
	CHECK(c.lease.rapid_commit && c.lease.addr == ip("10.0.0.9"), "lease marked rapid commit");

	dhcp_client_params_init(&p);
	p.rapid_commit = false;
	p.vendor_class = "";
	start(&p, 0, 60);
	CHECK_INT(sent_msg(0), 0, "DISCOVER without rapid commit");
	CHECK(!got.rapid_commit, "no option 80");
	CHECK(!dhcp_msg_has(&got, DHO_VENDOR_CLASS), "empty vendor class: none sent");
	CHECK_INT(feed(DHCPACK, c.xid, "10.0.0.9", "10.0.0.1", R_RAPID, 0.1), 0,
		  "rapid-commit ACK when we did not offer it");
	CHECK_INT(c.state, DHCPC_SELECTING, "ignored");
}

/* A rapid-commit ACK carrying the options written by put(). */
static int bind_with(void (*put)(struct wbuf *w))
{
	struct wbuf w = wb_init(extra, sizeof(extra));

	put(&w);
	nextra = w.len;
	start(NULL, 0, 60);
	return feed(DHCPACK, c.xid, "10.0.0.9", "10.0.0.1", R_RAPID | R_EXTRA, 0.1);
}

static char long_file[DHCP_FILE_LEN + 1];

static void put_full(struct wbuf *w)
{
	static const in4_t dns[4] = { 0x0100000a, 0x0200000a, 0x0300000a, 0x0400000a };

	dhcp_opt_put_be32(w, DHO_LEASE_TIME, 0xffffffffu);
	dhcp_opt_put_in4(w, DHO_SUBNET_MASK, ip("255.255.255.0"));
	dhcp_opt_put(w, DHO_DNS, dns, sizeof(dns));
	dhcp_opt_put_str(w, DHO_BOOTFILE, long_file);
	/* a default route, then an entry with a prefix length of 33 */
	dhcp_opt_put(w, DHO_CLASSLESS_ROUTES, (const uint8_t[]){ 0, 10, 0, 0, 1, 33, 1, 2, 3, 4, 5 }, 11);
}

/* Nothing an ACK carries is lost in silence on the way to the lease: a
 * 128-byte boot file fits, a bad route entry costs only itself (and what its
 * length hides), an infinite lease is never renewed. */
static void test_lease_fields(void)
{
	memset(long_file, 'f', DHCP_FILE_LEN);
	long_file[0] = '/';
	CHECK_INT(bind_with(put_full), 1, "ACK binds");
	CHECK_STR(c.lease.bootfile, long_file, "a boot file of 128 bytes is kept");
	CHECK(c.lease.nroutes == 1 && c.lease.routes[0].prefix == 0 && c.lease.routes[0].gw == ip("10.0.0.1"),
	      "the default route before a malformed entry is kept");
	CHECK(c.lease.ndns == 3 && c.lease.dns[2] == ip("10.0.0.3"), "the first 3 DNS servers");
	CHECK(c.lease.nnotes == 2 && strstr(c.lease.notes[1], "not used: 10.0.0.4") &&
	      strstr(c.lease.notes[0], "option 121") && strstr(c.lease.notes[0], "over 32"),
	      "the fourth DNS server and the cut route list are said (%s / %s)", c.lease.notes[0],
	      c.lease.notes[1]);
	CHECK(c.lease.lease_secs == 0xffffffffu && c.lease.t1_secs == 0xffffffffu && c.lease.t2_secs == 0xffffffffu,
	      "infinite lease: T1 and T2 infinite too (%u, %u)", c.lease.t1_secs, c.lease.t2_secs);
}

static void test_nak(void)
{
	uint32_t old;

	start(NULL, 10, 100);
	old = c.xid;
	feed(DHCPOFFER, old, "10.0.0.5", "10.0.0.1", 0, 10.5);
	CHECK_INT(c.state, DHCPC_REQUESTING, "requesting");
	CHECK_INT(feed(DHCPNAK, old, "0.0.0.0", "10.0.0.2", 0, 10.6), 0, "NAK from another server");
	CHECK_INT(c.state, DHCPC_REQUESTING, "ignored");
	CHECK_INT(feed(DHCPNAK, old, "0.0.0.0", "10.0.0.1", 0, 10.7), 0, "NAK");
	CHECK_INT(c.state, DHCPC_INIT, "back to INIT");
	CHECK(fabs(dhcpc_next_timeout(&c) - (10.7 + DHCP_RESTART_DELAY_MS / 1000.0)) < 1e-9,
	      "restart after DHCP_RESTART_DELAY_MS");
	CHECK(c.xid != old, "a new xid");
	dhcpc_timeout(&c, 11.0);
	CHECK_INT(nsent, 2, "nothing sent during the pause");
	dhcpc_timeout(&c, dhcpc_next_timeout(&c));
	CHECK_INT(nsent, 3, "DISCOVER again after the pause");
	CHECK_INT(c.state, DHCPC_SELECTING, "SELECTING");
	CHECK(sent_msg(2) == 0 && got.type == DHCPDISCOVER && got.h.xid == c.xid, "with the new xid");
	CHECK_INT(feed(DHCPACK, old, "10.0.0.5", "10.0.0.1", R_RAPID, 12), 0, "a late reply to the old xid");
	CHECK_INT(c.state, DHCPC_SELECTING, "ignored");
	CHECK_INT(feed(DHCPNAK, c.xid, "0.0.0.0", "10.0.0.1", 0, 12), 0, "NAK while selecting");
	CHECK_INT(c.state, DHCPC_SELECTING, "ignored");
	CHECK_INT(c.nnak, 1, "one NAK counted");
}

static void test_offers(void)
{
	start(NULL, 0, 100);
	CHECK_INT(feed(DHCPOFFER, c.xid ^ 1, "10.0.0.5", "10.0.0.1", 0, 0.1), 0, "offer for another xid");
	CHECK_INT(feed(DHCPOFFER, c.xid, "10.0.0.5", "10.0.0.1", R_OTHER_MAC, 0.1), 0, "offer for another chaddr");
	CHECK_INT(feed(DHCPOFFER, c.xid, "10.0.0.5", "10.0.0.1", R_REQUEST_OP, 0.1), 0, "a BOOTREQUEST");
	CHECK_INT(feed(DHCPOFFER, c.xid, "10.0.0.5", "10.0.0.1", R_BOOTP, 0.1), 0, "a BOOTP reply");
	CHECK_INT(feed(DHCPOFFER, c.xid, "10.0.0.5", "10.0.0.1", R_BAD_PORT, 0.1), 0, "to port 69");
	CHECK_INT(c.state, DHCPC_SELECTING, "all ignored");
	CHECK_INT(nsent, 1, "nothing sent");
	CHECK_INT(c.nignored, 5, "5 counted as ignored");

	/* Malformed or unusable offers first, then a good one. */
	CHECK_INT(feed(DHCPOFFER, c.xid, "10.0.0.5", "10.0.0.1", R_BAD_CSUM, 0.2), 0, "bad UDP checksum");
	CHECK(strstr(c.last_ignored, "checksum") != NULL, "why: %s", c.last_ignored);
	CHECK_INT(feed(DHCPOFFER, c.xid, "10.0.0.5", "10.0.0.1", R_TRUNC, 0.2), 0, "truncated");
	CHECK_INT(feed(DHCPOFFER, c.xid, "10.0.0.5", "10.0.0.1", R_BAD_SID, 0.2), 0, "server id of 3 bytes");
	CHECK(strstr(c.last_ignored, "server") != NULL, "why: %s", c.last_ignored);
	CHECK_INT(feed(DHCPOFFER, c.xid, "10.0.0.5", "10.0.0.1", R_NO_SID, 0.2), 0, "no server id");
	CHECK_INT(feed(DHCPOFFER, c.xid, "127.0.0.1", "10.0.0.1", 0, 0.2), 0, "offer of 127.0.0.1");
	CHECK_INT(feed(DHCPOFFER, c.xid, "224.0.0.1", "10.0.0.1", 0, 0.2), 0, "offer of a multicast address");
	CHECK_INT(feed(DHCPOFFER, c.xid, "0.0.0.0", "10.0.0.1", 0, 0.2), 0, "offer of 0.0.0.0");
	CHECK_INT(c.state, DHCPC_SELECTING, "all ignored");
	CHECK_INT(feed(DHCPREQUEST, c.xid, "10.0.0.5", "10.0.0.1", 0, 0.2), 0, "a REQUEST type in a reply");
	CHECK_INT(feed(DHCPOFFER, c.xid, "10.0.0.5", "10.0.0.1", 0, 0.3), 0, "then a good offer");
	CHECK_INT(c.state, DHCPC_REQUESTING, "taken");

	/* The first acceptable offer wins; later ones are ignored. */
	CHECK_INT(feed(DHCPOFFER, c.xid, "10.0.0.77", "10.0.0.2", 0, 0.4), 0, "a second offer");
	CHECK_INT(nsent, 2, "no second REQUEST");
	CHECK(c.server == ip("10.0.0.1") && c.offered == ip("10.0.0.5"), "still the first offer");
	CHECK_INT(feed(DHCPACK, c.xid, "10.0.0.77", "10.0.0.2", 0, 0.5), 0, "ACK from the other server");
	CHECK_INT(feed(DHCPACK, c.xid, "10.0.0.6", "10.0.0.1", 0, 0.5), 0, "ACK of another address");
	CHECK_INT(feed(DHCPACK, c.xid, "10.0.0.5", "10.0.0.1", R_NO_SID, 0.5), 0, "ACK without server id");
	CHECK_INT(c.state, DHCPC_REQUESTING, "all ignored");
	CHECK_INT(feed(DHCPACK, c.xid, "10.0.0.5", "10.0.0.1", 0, 0.6), 1, "the right ACK");

	/* The kernel can leave the UDP checksum to offload: not checked then. */
	{
		uint8_t pkt[DHCP_PKT_MAX];
		size_t n;

		start(NULL, 0, 100);
		n = reply(pkt, DHCPOFFER, c.xid, MAC, ip("10.0.0.5"), ip("10.0.0.1"), R_BAD_CSUM);
		CHECK_INT(dhcpc_receive(&c, pkt, n, DHCP_IPUDP_CSUM_PARTIAL, 0.1), 0, "partial checksum");
		CHECK_INT(c.state, DHCPC_REQUESTING, "accepted");
	}
}

static void test_backoff(void)
{
	double t = 0, prev = 0, d, lo[] = { 0.5, 1.5, 3.5, 7.5, 7.5, 7.5, 7.5, 7.5 };
	bool in_range = true, jitter = false, same_xid = true, secs_ok = true;
	uint32_t xid;
	int k;

	start(NULL, 0, 1000);
	xid = c.xid;
	for (k = 0; k < 8; k++) {
		t = dhcpc_next_timeout(&c);
		d = t - prev;
		if (d < lo[k] || d > lo[k] + 1.0)
			in_range = false;
		if (fabs(d - (lo[k] + 0.5)) > 0.01)
			jitter = true;
		dhcpc_timeout(&c, t);
		if (sent_msg(nsent - 1) != 0 || got.h.xid != xid)
			same_xid = false;
		if (got.h.secs != (uint16_t)t)
			secs_ok = false;
		prev = t;
	}
	CHECK_INT(nsent, 9, "9 DISCOVERs");
	CHECK(in_range, "waits 1, 2, 4, 8, 8... s, each within +-0.5 s");
	CHECK(jitter, "randomised");
	CHECK(same_xid, "retransmissions keep the xid");
	CHECK(secs_ok, "secs counts from the start");
	CHECK(t < 60, "9 DISCOVERs within a minute (%.1f s)", t);
}

static void test_request_retries(void)
{
	uint32_t old;
	int k;

	start(NULL, 0, 1000);
	old = c.xid;
	feed(DHCPOFFER, old, "10.0.0.5", "10.0.0.1", 0, 0.1);
	for (k = 1; k < DHCP_REQUEST_TRIES; k++)
		dhcpc_timeout(&c, dhcpc_next_timeout(&c));
	CHECK_INT(nsent, 1 + DHCP_REQUEST_TRIES, "DHCP_REQUEST_TRIES REQUESTs");
	CHECK(sent_msg(nsent - 1) == 0 && got.type == DHCPREQUEST && got.server_id == ip("10.0.0.1"),
	      "the last is still a REQUEST to the server");
	dhcpc_timeout(&c, dhcpc_next_timeout(&c));
	CHECK_INT(c.state, DHCPC_INIT, "then INIT");
	CHECK_INT(nsent, 1 + DHCP_REQUEST_TRIES, "nothing sent on entering INIT");
	dhcpc_timeout(&c, dhcpc_next_timeout(&c));
	CHECK(sent_msg(nsent - 1) == 0 && got.type == DHCPDISCOVER && got.h.xid != old,
	      "DISCOVER with a new xid");
}

static void test_deadline(void)
{
	double t = 0;
	int guard = 0;

	start(NULL, 0, 5);
	while (c.state != DHCPC_FAILED && guard++ < 100) {
		t = dhcpc_next_timeout(&c);
		dhcpc_timeout(&c, t);
	}
	CHECK_INT(c.state, DHCPC_FAILED, "FAILED at the deadline");
	CHECK(fabs(t - 5) < 1e-9, "exactly at the deadline (%.3f)", t);
	CHECK_INT(nsent, 3, "DISCOVERs at 0, ~1, ~3 s only");
	CHECK(isinf(dhcpc_next_timeout(&c)), "no timer after");
	CHECK_INT(feed(DHCPOFFER, c.xid, "10.0.0.5", "10.0.0.1", 0, 6), 0, "an offer after the deadline");
	CHECK_INT(c.state, DHCPC_FAILED, "ignored");
}

/* ---- dhcp_acquire over a fake seam --------------------------------------- */

struct fake {
	int fd[2];
	bool open_fails;
	bool answer;            /* a server answers on this interface */
	int nsent, nopen, nclose;
};

static struct fake fakes[DHCP_MAX_IFACES + 2];  /* by ifindex */

static struct fake *fake_of_fd(int fd)
{
	size_t i;

	for (i = 0; i < sizeof(fakes) / sizeof(fakes[0]); i++)
		if (fakes[i].nopen > fakes[i].nclose && fakes[i].fd[0] == fd)
			return &fakes[i];
	return NULL;
}

int dhcp_net_open(const struct dhcp_iface *ifc)
{
	struct fake *f = &fakes[ifc->ifindex];

	if (f->open_fails)
		return -EPERM;
	if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, f->fd) < 0)
		return -errno;
	f->nopen++;
	return f->fd[0];
}

int dhcp_net_send(int fd, const struct dhcp_iface *ifc, const uint8_t *pkt, size_t len)
{
	struct fake *f = &fakes[ifc->ifindex];
	uint8_t out[DHCP_PKT_MAX];
	struct dhcp_ipudp h;
	struct dhcp_msg m;
	struct rbuf pl;
	const char *why;
	char yi[16], sv[16];
	size_t n;

	if (fake_of_fd(fd) != f)
		return -EBADF;
	f->nsent++;
	if (!f->answer)
		return 0;
	if (dhcp_ipudp_parse(pkt, len, 0, &h, &pl, &why) < 0 || dhcp_msg_parse(pl.p, rb_left(&pl), &m) < 0)
		return 0;
	snprintf(yi, sizeof(yi), "10.0.%d.5", ifc->ifindex);
	snprintf(sv, sizeof(sv), "10.0.%d.1", ifc->ifindex);
	n = reply(out, m.type == DHCPDISCOVER ? DHCPOFFER : DHCPACK, m.h.xid, ifc->mac, ip(yi), ip(sv), 0);
	return send(f->fd[1], out, n, 0) == (ssize_t)n ? 0 : -errno;
}

ssize_t dhcp_net_recv(int fd, uint8_t *buf, size_t cap, unsigned *flags)
{
	ssize_t n = recv(fd, buf, cap, 0);

	*flags = 0;
	return n < 0 ? -errno : n;
}

void dhcp_net_close(int fd)
{
	struct fake *f = fake_of_fd(fd);

	if (!f)
		return;
	close(f->fd[0]);
	close(f->fd[1]);
	f->nclose++;
}

void dhcp_net_close_later(int fd)
{
	dhcp_net_close(fd);
}

void dhcp_net_close_parked(void)
{
}

static void fake_reset(void)
{
	memset(fakes, 0, sizeof(fakes));
}

static void iface(struct dhcp_iface *ifc, int ifindex)
{
	memset(ifc, 0, sizeof(*ifc));
	ifc->ifindex = ifindex;
	snprintf(ifc->name, sizeof(ifc->name), "eth%d", ifindex - 1);
	memcpy(ifc->mac, MAC, 6);
	ifc->mac[5] = (uint8_t)ifindex;
}

static void test_acquire(void)
{
	struct dhcp_iface ifs[DHCP_MAX_IFACES + 1];
	struct dhcp_lease lease;
	int winner = -1, r, i;
	double t0;

	for (i = 0; i <= DHCP_MAX_IFACES; i++)
		iface(&ifs[i], i + 1);

	fake_reset();
	fakes[2].answer = true;
	t0 = log_uptime();
	r = dhcp_acquire(ifs, 2, NULL, t0 + 10, &winner, &lease);
	CHECK_INT(r, 0, "two interfaces, the second answers");
	CHECK_INT(winner, 1, "winner is the second");
	CHECK_INT(lease.addr, ip("10.0.2.5"), "its lease");
	CHECK(!lease.rapid_commit, "by DORA");
	CHECK(fakes[1].nsent >= 1 && fakes[2].nsent == 2, "DISCOVER on both, REQUEST on the second");
	CHECK(fakes[1].nclose == 1 && fakes[2].nclose == 1, "both sockets closed");
	CHECK(log_uptime() - t0 < 1.0, "no waiting when the server answers");

	fake_reset();
	winner = -1;
	t0 = log_uptime();
	r = dhcp_acquire(ifs, 2, NULL, t0 + 0.3, &winner, &lease);
	CHECK_INT(r, -ETIMEDOUT, "nobody answers: -ETIMEDOUT");
	CHECK(log_uptime() - t0 >= 0.3 && log_uptime() - t0 < 1.5, "at the deadline (%.2f s)", log_uptime() - t0);
	CHECK_INT(winner, -1, "winner untouched");
	CHECK(fakes[1].nclose == 1 && fakes[2].nclose == 1, "both sockets closed");

	fake_reset();
	fakes[1].open_fails = true;
	fakes[2].answer = true;
	r = dhcp_acquire(ifs, 2, NULL, log_uptime() + 10, &winner, &lease);
	CHECK(r == 0 && winner == 1, "the first cannot open its socket, the second binds");

	fake_reset();
	fakes[1].open_fails = fakes[2].open_fails = true;
	CHECK_INT(dhcp_acquire(ifs, 2, NULL, log_uptime() + 10, &winner, &lease), -EPERM,
		  "no socket at all: the error");
	CHECK_INT(dhcp_acquire(ifs, DHCP_MAX_IFACES + 1, NULL, log_uptime() + 1, &winner, &lease), -E2BIG,
		  "more than DHCP_MAX_IFACES");
	CHECK_INT(dhcp_acquire(ifs, 0, NULL, log_uptime() + 1, &winner, &lease), -EINVAL, "no interface");

	fake_reset();
	for (i = 1; i <= DHCP_MAX_IFACES; i++)
		fakes[i].answer = i == DHCP_MAX_IFACES;
	r = dhcp_acquire(ifs, DHCP_MAX_IFACES, NULL, log_uptime() + 10, &winner, &lease);
	CHECK(r == 0 && winner == DHCP_MAX_IFACES - 1, "DHCP_MAX_IFACES at once, the last answers");
}

int main(void)
{
	log_setup(LOG_TO_STDERR, 1, 0);
	test_dora();
	test_rapid_commit();
	test_lease_fields();
	test_nak();
	test_offers();
	test_backoff();
	test_request_retries();
	test_deadline();
	test_acquire();
	return check_done();
}

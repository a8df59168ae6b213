/* netrootd's DHCP handler (server/dhcp_server.c), driven with the packets
 * the Raspberry Pi bootloaders send (../shared/docs/research/
 * server-anchors.md §a.2) and with ordinary clients; every reply byte that
 * matters to a Pi is checked (§a.3). */
#include "arp_probe.h"
#include "check.h"
#include "dhcp_server.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

static struct nrd_conf conf;
static struct nrd_client boards[2];
static struct lease_table leases;
static struct dhcpd d;
static struct dhcpd_iface ifc;
static struct dhcpd_reply out;
static struct dhcp_msg rep;
static uint8_t pkt[DHCP_MSG_MAX];
static int last_rc;                     /* dhcpd_handle()'s own return */

static in4_t A(const char *s)
{
	in4_t a = 0;

	inet_pton(AF_INET, s, &a);
	return a;
}

struct req {
	uint8_t type;
	const uint8_t *mac;
	uint32_t xid;
	const uint8_t *prl;
	size_t nprl;
	bool pxe;                       /* option 60 PXEClient:Arch:00000:UNDI:002001 */
	const uint8_t *guid;            /* option 97, 17 bytes */
	in4_t requested, server_id, ciaddr, giaddr;
	bool rapid;
	int arch;                       /* option 93, -1 none */
	const char *vendor;             /* another option 60 */
	const uint8_t *relay;           /* whole option 82 TLV */
	size_t nrelay;
};

static const uint8_t pi4_prl[] = { 1, 3, 43, 60, 66, 67, 128, 129, 130, 131, 132, 133, 134, 135 };
static const uint8_t pi3_prl[] = { 43, 60, 67, 128, 129, 130, 131, 132, 133, 134, 135, 66 };
static const uint8_t pc_prl[] = { 1, 3, 6, 15, 12, 28, 42, 119 };
static const uint8_t mac_pi4[6] = { 0xdc, 0xa6, 0x32, 0x01, 0x02, 0x03 };
static const uint8_t mac_pi3[6] = { 0xb8, 0x27, 0xeb, 0x42, 0x32, 0xc8 };
static const uint8_t mac_pc[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
/* RPi4 GUID: type 0, "RPi4", board rev, MAC low, serial 0xab12cd34 (LE) */
static const uint8_t guid_pi4[17] = { 0, 0x52, 0x50, 0x69, 0x34, 0x11, 0x31, 0xc0, 0x00, 0x32, 0x01, 0x02, 0x03,
				      0x34, 0xcd, 0x12, 0xab };

static int send_req(const struct req *r, int64_t now)
{
	struct dhcp_hdr h;
	struct wbuf w = wb_init(pkt, sizeof(pkt));
	static const char vci[] = "PXEClient:Arch:00000:UNDI:002001";

	memset(&h, 0, sizeof(h));
	h.op = BOOTREQUEST;
	h.htype = 1;
	h.hlen = 6;
	h.xid = r->xid ? r->xid : 0x1234;
	h.ciaddr = r->ciaddr;
	h.giaddr = r->giaddr;
	memcpy(h.chaddr, r->mac, 6);
	dhcp_msg_begin(&w, &h);
	dhcp_opt_put_u8(&w, DHO_MESSAGE_TYPE, r->type);
	if (r->requested)
		dhcp_opt_put_in4(&w, DHO_REQUESTED_ADDR, r->requested);
	if (r->server_id)
		dhcp_opt_put_in4(&w, DHO_SERVER_ID, r->server_id);
	if (r->prl)
		dhcp_opt_put(&w, DHO_PARAM_REQUEST, r->prl, r->nprl);
	if (r->arch >= 0) {
		uint8_t a[2] = { 0, (uint8_t)r->arch };

		dhcp_opt_put(&w, DHO_CLIENT_ARCH, a, 2);
	}
	if (r->guid)
		dhcp_opt_put(&w, DHO_CLIENT_GUID, r->guid, 17);
	if (r->pxe)
		dhcp_opt_put(&w, DHO_VENDOR_CLASS, vci, strlen(vci));
	if (r->vendor)
		dhcp_opt_put_str(&w, DHO_VENDOR_CLASS, r->vendor);
	if (r->rapid)
		dhcp_opt_put(&w, DHO_RAPID_COMMIT, NULL, 0);
	if (r->relay)
		wb_bytes(&w, r->relay, r->nrelay);
	dhcp_msg_end(&w);
	memset(&rep, 0, sizeof(rep));
	last_rc = dhcpd_handle(&d, &ifc, pkt, w.len, now, &out);
	if (last_rc != 1)
		return 0;
	return dhcp_msg_parse(out.msg, out.len, &rep) == 0 ? 1 : -1;
}

/* No PAD between options, END last, in the options field. */
static bool no_pads(void)
{
	size_t i = DHCP_MIN_LEN;

	while (i < out.len && out.msg[i] != DHO_END) {
		if (out.msg[i] == DHO_PAD)
			return false;
		i += 2u + out.msg[i + 1];
	}
	return i < out.len;
}

static bool opt_is(uint8_t code, const void *want, size_t n)
{
	size_t len;
	const uint8_t *v = dhcp_msg_opt(&rep, code, &len);

	return v && len == n && !memcmp(v, want, n);
}

static void setup(enum dhcp_mode mode)
{
	static const char text[] = "[netrootd]\ninterface = lab0\n[dhcp]\ndns = 10.77.0.1\nlease-time = 1h\n"
				   "[pool lab0]\nrange = 10.77.0.100 10.77.0.102\nnetmask = 255.255.255.0\n"
				   "router = 10.77.0.1\n[boot]\npi-reply-delay = 1000\nefi-arm64 = grubaa64.efi\n"
				   "pxe-bios = pxelinux.0\n"
				   "[pool relay99]\nrange = 10.99.0.100 10.99.0.150\nnetmask = 255.255.255.0\n"
				   "router = 10.99.0.1\n";
	struct conf_error e;
	static const char b1[] = "serial = ab12cd34\naddress = 10.77.0.11\nroot-path = 10.77.0.1:/srv/rpi4-1\n";

	nrd_conf_defaults(&conf);
	nrd_conf_parse(&conf, "t.conf", text, strlen(text), &e);
	conf.dhcp_mode = mode;
	nrd_client_parse(&boards[0], "rpi4-1", "rpi4-1.conf", b1, strlen(b1), &e);
	lease_close(&leases);
	lease_init(&leases);
	d.conf = &conf;
	d.clients = boards;
	d.nclients = 1;
	d.leases = &leases;
	d.probed = NULL;
	memset(&ifc, 0, sizeof(ifc));
	strcpy(ifc.name, "lab0");
	ifc.addr = A("10.77.0.1");
	ifc.netmask = A("255.255.255.0");
	ifc.pool = &conf.pools[0];
}

static void pis(void)
{
	struct req r;
	static const uint8_t menu[] = { 0x06, 0x01, 0x03, 0x0a, 0x04, 0x00, 'P', 'X', 'E', 0x09, 0x14, 0x00, 0x00, 0x11,
					'R', 'a', 's', 'p', 'b', 'e', 'r', 'r', 'y', ' ', 'P', 'i', ' ', 'B', 'o', 'o',
					't', 0xff };
	uint8_t menu3[sizeof(menu) + 3];

	setup(DHCP_MODE_FULL);
	/* Pi 4 EEPROM DISCOVER, its serial known: its reserved address. */
	memset(&r, 0, sizeof(r));
	r = (struct req){ .type = DHCPDISCOVER, .mac = mac_pi4, .prl = pi4_prl, .nprl = sizeof(pi4_prl), .pxe = true,
			  .guid = guid_pi4, .arch = 0 };
	CHECK_INT(send_req(&r, 1000), 1, "Pi 4 DISCOVER answered (%s)", out.log);
	CHECK(rep.type == DHCPOFFER && rep.h.yiaddr == A("10.77.0.11"), "OFFER of the board's reserved address");
	CHECK(rep.h.siaddr == A("10.77.0.1"), "siaddr: the TFTP server");
	CHECK(opt_is(DHO_VENDOR_CLASS, "PXEClient", 9), "option 60 = PXEClient");
	CHECK(opt_is(DHO_VENDOR_OPTS, menu, sizeof(menu)), "option 43: dnsmasq's Raspberry Pi Boot menu, byte for byte");
	CHECK(opt_is(DHO_TFTP_SERVER, "10.77.0.1", 9), "option 66: dotted quad, no NUL");
	CHECK(dhcp_msg_has(&rep, DHO_SUBNET_MASK) && dhcp_msg_has(&rep, DHO_ROUTER), "options 1 and 3");
	CHECK(no_pads(), "no PAD byte between options");
	CHECK(out.dst == 0xffffffffu && out.dport == 68 && out.delay_ms == 0, "broadcast to 68, no delay for a Pi 4");
	CHECK(strstr(out.log, "serial ab12cd34") && strstr(out.log, "rpi4-1") && strstr(out.log, "OFFER 10.77.0.11"),
	      "log names MAC, serial, board: %s", out.log);
	/* Pi 4 REQUEST: no option 60 (rpi-eeprom#82), still a Pi. */
	r.type = DHCPREQUEST;
	r.pxe = false;
	r.requested = A("10.77.0.11");
	r.server_id = A("10.77.0.1");
	CHECK_INT(send_req(&r, 1001), 1, "Pi 4 REQUEST answered");
	CHECK(rep.type == DHCPACK && rep.h.yiaddr == A("10.77.0.11") && opt_is(DHO_VENDOR_CLASS, "PXEClient", 9) &&
	      dhcp_msg_has(&rep, DHO_VENDOR_OPTS) && rep.lease_secs == 3600, "ACK with the PXE block, 1 h lease");
	CHECK(!dhcp_msg_has(&rep, DHO_ROOT_PATH), "root path only when asked (not in the Pi's list)");
	{
		static const uint8_t prl17[] = { 1, 3, 17 };
		struct req k = r;

		k.prl = prl17;
		k.nprl = sizeof(prl17);
		CHECK(send_req(&k, 1002) == 1 && opt_is(DHO_ROOT_PATH, "10.77.0.1:/srv/rpi4-1", 21),
		      "the board's root path (option 17) when its initramfs asks");
	}
	CHECK(lease_by_addr(&leases, A("10.77.0.11")) && lease_by_addr(&leases, A("10.77.0.11"))->state == LEASE_BOUND,
	      "lease bound");

	/* Pi 3 ROM: B8:27:EB, constant xid, a list without 1 and 3. */
	memset(&r, 0, sizeof(r));
	r = (struct req){ .type = DHCPDISCOVER, .mac = mac_pi3, .xid = 0x26f30339, .prl = pi3_prl,
			  .nprl = sizeof(pi3_prl), .pxe = true, .arch = 0 };
	CHECK_INT(send_req(&r, 1000), 1, "Pi 3 ROM DISCOVER answered (%s)", out.log);
	memcpy(menu3, menu, sizeof(menu));
	memcpy(menu3 + 14, "Raspberry Pi Boot   ", 20);
	menu3[10] = 0x17;
	menu3[13] = 0x14;
	menu3[34] = 0xff;
	CHECK(opt_is(DHO_VENDOR_OPTS, menu3, sizeof(menu3)), "Pi 3 ROM: the menu text with three trailing blanks");
	CHECK(dhcp_msg_has(&rep, DHO_SUBNET_MASK) && dhcp_msg_has(&rep, DHO_ROUTER),
	      "Pi 3 ROM: options 1 and 3 although not asked (firmware#1001)");
	CHECK(in4_same_net(rep.h.yiaddr, A("10.77.0.100"), A("255.255.255.248")) && out.delay_ms == 1000,
	      "a pool address, after the configured reply delay");
	CHECK(lease_by_addr(&leases, rep.h.yiaddr) && lease_by_addr(&leases, rep.h.yiaddr)->expires == 1300,
	      "bound at the OFFER (the ROM never sends REQUEST), for 300 s");
	CHECK(no_pads(), "no PAD byte");
}

static void ordinary(void)
{
	struct req r;
	in4_t got;

	setup(DHCP_MODE_FULL);
	memset(&r, 0, sizeof(r));
	r = (struct req){ .type = DHCPDISCOVER, .mac = mac_pc, .prl = pc_prl, .nprl = sizeof(pc_prl), .arch = -1 };
	CHECK_INT(send_req(&r, 1000), 1, "PC DISCOVER answered");
	got = rep.h.yiaddr;
	CHECK(ntohl(got) >= ntohl(A("10.77.0.100")) && ntohl(got) <= ntohl(A("10.77.0.102")) &&
	      !dhcp_msg_has(&rep, DHO_VENDOR_OPTS) && !dhcp_msg_has(&rep, DHO_VENDOR_CLASS) && rep.h.file[0] == 0,
	      "a pool address, no PXE block, no boot file");
	CHECK(dhcp_msg_has(&rep, DHO_DNS) && !dhcp_msg_has(&rep, DHO_TFTP_SERVER), "what it asked for, not more");
	CHECK(!lease_by_addr(&leases, got), "an OFFER binds nothing");
	r.type = DHCPREQUEST;
	r.requested = got;
	r.server_id = A("10.77.0.1");
	CHECK(send_req(&r, 1001) == 1 && rep.type == DHCPACK && rep.h.yiaddr == got, "REQUEST -> ACK");
	r.server_id = A("10.77.0.9");
	CHECK_INT(send_req(&r, 1002), 0, "REQUEST for another server's offer: silent");
	/* Renewal: ciaddr, no 50, no 54. */
	r.server_id = 0;
	r.requested = 0;
	r.ciaddr = got;
	CHECK(send_req(&r, 2000) == 1 && rep.type == DHCPACK && out.dst == got, "renewal ACKed, unicast to ciaddr");
	/* Another client asks for that address: NAK. */
	{
		static const uint8_t other[6] = { 0x52, 0x54, 0x00, 0, 0, 9 };
		struct req o = { .type = DHCPREQUEST, .mac = other, .requested = got, .arch = -1 };

		CHECK(send_req(&o, 2001) == 1 && rep.type == DHCPNAK && out.dst == 0xffffffffu &&
		      !dhcp_msg_has(&rep, DHO_LEASE_TIME), "another client REQUESTs a bound address: NAK, broadcast");
		o.requested = A("192.168.9.9");
		CHECK_INT(send_req(&o, 2001), 0, "INIT-REBOOT with another subnet's address: silent (RFC 2131 4.3.2)");
		o.requested = A("10.77.0.11");
		CHECK(send_req(&o, 2001) == 1 && rep.type == DHCPNAK, "a board's reserved address asked by another: NAK");
	}
	/* Pool of 3: fill it. */
	{
		int offered = 0, silent = 0;

		for (int i = 0; i < 4; i++) {
			uint8_t mac[6] = { 0x52, 0x54, 0x00, 0, 1, (uint8_t)i };
			struct req q = { .type = DHCPDISCOVER, .mac = mac, .rapid = true, .arch = -1 };

			if (send_req(&q, 3000) == 1 && rep.type == DHCPACK && dhcp_msg_has(&rep, DHO_RAPID_COMMIT))
				offered++;
			else if (strstr(out.log, "no free address"))
				silent++;
		}
		CHECK(offered == 2 && silent == 2, "rapid commit ACKs until the pool of 3 is full (one held), then a "
		      "clear line: %d acked, %d refused: %s", offered, silent, out.log);
	}
	/* RELEASE frees it. */
	r = (struct req){ .type = DHCPRELEASE, .mac = mac_pc, .ciaddr = got, .server_id = A("10.77.0.1"), .arch = -1 };
	CHECK(send_req(&r, 4000) == 0 && strstr(out.log, "released"), "RELEASE: no answer, logged");
	CHECK(lease_addr_free(&leases, got, (const uint8_t *)"\x01zzzzzz", 7, 4000), "released address free for others");
	/* INFORM */
	r = (struct req){ .type = DHCPINFORM, .mac = mac_pc, .ciaddr = A("10.77.0.50"), .prl = pc_prl,
			  .nprl = sizeof(pc_prl), .arch = -1 };
	CHECK(send_req(&r, 4000) == 1 && rep.type == DHCPACK && rep.h.yiaddr == 0 && rep.h.ciaddr == A("10.77.0.50") &&
	      !dhcp_msg_has(&rep, DHO_LEASE_TIME) && dhcp_msg_has(&rep, DHO_DNS), "INFORM: ACK, no address, no lease");
	/* DECLINE holds the address back. */
	setup(DHCP_MODE_FULL);
	r = (struct req){ .type = DHCPDECLINE, .mac = mac_pc, .requested = A("10.77.0.100"), .arch = -1 };
	CHECK(send_req(&r, 5000) == 0 && !lease_addr_free(&leases, A("10.77.0.100"), (const uint8_t *)"\x01zzzzzz", 7,
							   5000), "DECLINE: the address is held back");
}

static void boot_kinds(void)
{
	struct req r;
	static const uint8_t relay[] = { 82, 8, 1, 6, 'e', 't', 'h', '0', '/', '3' };

	setup(DHCP_MODE_FULL);
	r = (struct req){ .type = DHCPDISCOVER, .mac = mac_pc, .pxe = true, .arch = 11 };
	CHECK(send_req(&r, 1000) == 1 && !strcmp(rep.h.file, "grubaa64.efi") && opt_is(DHO_BOOTFILE, "grubaa64.efi", 12),
	      "arm64 UEFI (93 = 11): its boot file in file and option 67");
	CHECK(!dhcp_msg_has(&rep, DHO_VENDOR_OPTS) && opt_is(DHO_VENDOR_CLASS, "PXEClient", 9),
	      "a PC PXE client: PXEClient, no Pi menu");
	r.arch = 0;
	CHECK(send_req(&r, 1000) == 1 && !strcmp(rep.h.file, "pxelinux.0"), "BIOS PXE: pxe-bios");
	r.relay = relay;
	r.nrelay = sizeof(relay);
	r.giaddr = A("10.99.0.1");
	CHECK(send_req(&r, 1000) == 1 && out.dst == A("10.99.0.1") && out.dport == 67 &&
	      opt_is(DHO_RELAY_AGENT, relay + 2, sizeof(relay) - 2), "relayed: to the relay's port 67, option 82 echoed");
	CHECK(ntohl(rep.h.yiaddr) >= ntohl(A("10.99.0.100")) && ntohl(rep.h.yiaddr) <= ntohl(A("10.99.0.150")) &&
	      rep.routers[0] == A("10.99.0.1"), "relayed from 10.99.0.1: an address and router of the relay's subnet, "
	      "not the receiving interface's");
	{
		/* that board renews by unicast, straight to us: no giaddr */
		struct req k = { .type = DHCPREQUEST, .mac = mac_pc, .ciaddr = rep.h.yiaddr, .arch = -1 };
		in4_t got = rep.h.yiaddr;

		r.type = DHCPREQUEST;
		r.requested = got;
		r.server_id = A("10.77.0.1");
		CHECK(send_req(&r, 1000) == 1 && rep.type == DHCPACK, "relayed REQUEST: ACK");
		CHECK(send_req(&k, 2000) == 1 && rep.type == DHCPACK && rep.h.yiaddr == got && out.dst == got,
		      "its unicast renewal (no giaddr) is ACKed from the relay's pool, not NAKed or ignored");
		r.type = DHCPDISCOVER;
		r.requested = 0;
		r.server_id = 0;
	}
	r.giaddr = A("10.55.0.1");
	CHECK(send_req(&r, 1000) == 0 && strstr(out.log, "no [pool] has a range in that relay's subnet"),
	      "relayed from a subnet without a pool: not answered, said why (%s)", out.log);

	/* proxy mode */
	setup(DHCP_MODE_PROXY);
	r = (struct req){ .type = DHCPDISCOVER, .mac = mac_pc, .prl = pc_prl, .nprl = sizeof(pc_prl), .arch = -1 };
	CHECK_INT(send_req(&r, 1000), 0, "proxy: a PC that is not PXE gets nothing");
	r = (struct req){ .type = DHCPDISCOVER, .mac = mac_pi4, .prl = pi4_prl, .nprl = sizeof(pi4_prl), .pxe = true,
			  .guid = guid_pi4, .arch = 0 };
	CHECK(send_req(&r, 1000) == 1 && rep.type == DHCPOFFER && rep.h.yiaddr == 0 && dhcp_msg_has(&rep, DHO_VENDOR_OPTS) &&
	      opt_is(DHO_TFTP_SERVER, "10.77.0.1", 9) && !dhcp_msg_has(&rep, DHO_LEASE_TIME),
	      "proxy: the Pi gets the PXE block and no address");
	CHECK(leases.nlive == 0, "proxy binds nothing");
}

/* ---- the documented Pi packets, as bytes (tests/unit/fixtures/dhcp) ---- */

/* A fixture: hex bytes, '#' comments, blanks ignored. Its length, or 0. */
static size_t load_hex(const char *name, uint8_t *buf, size_t cap)
{
	char path[256];
	FILE *f;
	int c, hi = -1;
	size_t n = 0;

	snprintf(path, sizeof(path), "tests/unit/fixtures/dhcp/%s", name);
	f = fopen(path, "r");
	if (!f)
		return 0;
	while ((c = fgetc(f)) != EOF) {
		int v;

		if (c == '#') {
			while ((c = fgetc(f)) != EOF && c != '\n')
				;
			continue;
		}
		if (c == ' ' || c == '\n' || c == '\t')
			continue;
		v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
		if (v < 0 || n == cap) {
			n = 0;
			break;
		}
		if (hi < 0) {
			hi = v;
		} else {
			buf[n++] = (uint8_t)(hi << 4 | v);
			hi = -1;
		}
	}
	fclose(f);
	return hi < 0 ? n : 0;
}

/* Replays fixture name; 1 with out/rep filled when answered. */
static int replay(const char *name, int64_t now)
{
	size_t n = load_hex(name, pkt, sizeof(pkt));

	memset(&rep, 0, sizeof(rep));
	if (n < DHCP_MIN_LEN) {
		CHECK(0, "fixture %s loads", name);
		return -1;
	}
	last_rc = dhcpd_handle(&d, &ifc, pkt, n, now, &out);
	if (last_rc != 1)
		return 0;
	return dhcp_msg_parse(out.msg, out.len, &rep) == 0 ? 1 : -1;
}

/* Every reply byte a Pi's bootloader depends on (server-anchors.md §a.3). */
static void pi_reply_bytes(const char *name, uint8_t type, bool pi3, const char *serial, bool proxy)
{
	static const uint8_t menu[] = { 0x06, 0x01, 0x03, 0x0a, 0x04, 0x00, 'P', 'X', 'E', 0x09, 0x14, 0x00, 0x00, 0x11,
					'R', 'a', 's', 'p', 'b', 'e', 'r', 'r', 'y', ' ', 'P', 'i', ' ', 'B', 'o', 'o',
					't', 0xff };
	uint8_t menu3[sizeof(menu) + 3];
	in4_t mask = A("255.255.255.0"), gw = A("10.77.0.1"), y;
	struct dhcp_msg req;

	memcpy(menu3, menu, sizeof(menu) - 1);
	menu3[10] = 0x17;
	menu3[13] = 0x14;
	memcpy(menu3 + sizeof(menu) - 1, "   \xff", 4);
	if (replay(name, 5000) != 1) {
		CHECK(0, "%s: answered (%s)", name, out.log);
		return;
	}
	dhcp_msg_parse(pkt, sizeof(pkt), &req);
	y = rep.h.yiaddr;
	CHECK(rep.h.op == BOOTREPLY && rep.h.htype == 1 && rep.h.hlen == 6 && rep.h.xid == req.h.xid &&
	      !memcmp(rep.h.chaddr, req.h.chaddr, 16), "%s: BOOTREPLY echoing xid and chaddr", name);
	CHECK_INT(rep.type, type, "%s: message type", name);
	CHECK(proxy ? y == 0 : ntohl(y) >= ntohl(A("10.77.0.100")) && ntohl(y) <= ntohl(A("10.77.0.102")),
	      "%s: yiaddr %s", name, proxy ? "0 (proxy)" : "from the pool");
	CHECK(rep.h.siaddr == gw && rep.server_id == gw, "%s: siaddr and option 54 are the server", name);
	CHECK(opt_is(DHO_VENDOR_CLASS, "PXEClient", 9), "%s: option 60 exactly \"PXEClient\"", name);
	CHECK(pi3 ? opt_is(DHO_VENDOR_OPTS, menu3, sizeof(menu3)) : opt_is(DHO_VENDOR_OPTS, menu, sizeof(menu)),
	      "%s: option 43, the %d-byte PXE menu %s", name, pi3 ? (int)sizeof(menu3) : (int)sizeof(menu),
	      pi3 ? "with three trailing blanks" : "as dnsmasq's pxe-service builds it");
	CHECK(opt_is(DHO_TFTP_SERVER, "10.77.0.1", 9), "%s: option 66 a dotted quad, no NUL", name);
	if (!proxy) {
		CHECK(opt_is(DHO_SUBNET_MASK, &mask, 4) && opt_is(DHO_ROUTER, &gw, 4),
		      "%s: options 1 and 3%s", name, pi3 ? ", although its list lacks them" : "");
		CHECK(dhcp_msg_has(&rep, DHO_LEASE_TIME), "%s: a lease time", name);
	} else {
		CHECK(!dhcp_msg_has(&rep, DHO_LEASE_TIME) && !dhcp_msg_has(&rep, DHO_SUBNET_MASK),
		      "%s: proxy: no lease, no mask", name);
	}
	CHECK(no_pads(), "%s: no pad bytes, END last", name);
	CHECK(out.len <= 576 - 28, "%s: fits 576 bytes (it sends no option 57): %zu", name, out.len);
	CHECK(out.dst == 0xffffffffu && out.dport == 68, "%s: broadcast to port 68", name);
	CHECK_INT(out.delay_ms, pi3 ? 1000u : 0u, "%s: reply delay", name);
	CHECK(strstr(out.log, serial) != NULL, "%s: the log names serial %s (%s)", name, serial, out.log);
}

static void pi_fixtures(void)
{
	setup(DHCP_MODE_FULL);
	pi_reply_bytes("pi4-discover.hex", DHCPOFFER, false, "serial ab5a4158", false);
	pi_reply_bytes("pi4-request.hex", DHCPACK, false, "serial ab5a4158", false);
	CHECK(rep.h.yiaddr == A("10.77.0.100") || last_rc != 1, "Pi 4 REQUEST: ACK of the address it asked for");
	pi_reply_bytes("pi5-discover.hex", DHCPOFFER, false, "serial 5c0ffee5", false);
	pi_reply_bytes("pi5-request.hex", DHCPACK, false, "serial 5c0ffee5", false);
	CHECK(rep.h.yiaddr == A("10.77.0.101"), "Pi 5 (OUI 2c:cf:67) REQUEST: ACK of 10.77.0.101");
	pi_reply_bytes("pi3-rom-discover.hex", DHCPOFFER, true, "serial 7285c0f2", false);
	CHECK(leases.nlive == 3 && lease_by_addr(&leases, rep.h.yiaddr) && rep.h.yiaddr == A("10.77.0.102"),
	      "Pi 3 ROM: the last free address, held at once on the OFFER");
	setup(DHCP_MODE_PROXY);
	pi_reply_bytes("pi4-discover.hex", DHCPOFFER, false, "serial ab5a4158", true);
	pi_reply_bytes("pi5-discover.hex", DHCPOFFER, false, "serial 5c0ffee5", true);
	pi_reply_bytes("pi3-rom-discover.hex", DHCPOFFER, true, "serial 7285c0f2", true);
	CHECK(leases.nlive == 0, "proxy: the fixtures bound nothing");
}

/* arp-probe: a new address is probed before it is offered; a host that
 * answers has it, and the client is offered another. */
static void probes(void)
{
	static struct dhcpd_probed probed;
	static const uint8_t squatter[6] = { 0x02, 0, 0, 0, 0, 0x66 };
	struct req r = { .type = DHCPDISCOVER, .mac = mac_pc, .prl = pc_prl, .nprl = sizeof(pc_prl), .arch = -1,
			 .requested = A("10.77.0.100") };
	in4_t other;

	setup(DHCP_MODE_FULL);
	conf.arp_probe_ms = 200;
	memset(&probed, 0, sizeof(probed));
	d.probed = &probed;
	CHECK(send_req(&r, 1000) == 0 && last_rc == DHCPD_PROBE && out.probe == A("10.77.0.100") && out.len == 0 &&
	      strstr(out.log, "probing 10.77.0.100"), "a new address is probed first, nothing sent (%s)", out.log);
	dhcpd_probed_add(&probed, A("10.77.0.100"), 1000 + DHCPD_PROBED_KEEP_S);
	CHECK(send_req(&r, 1001) == 1 && rep.type == DHCPOFFER && rep.h.yiaddr == A("10.77.0.100"),
	      "nobody answered: the same request is offered that address");

	/* A host answers for the address: held back, another one probed. */
	r.requested = A("10.77.0.101");
	CHECK(send_req(&r, 1002) == 0 && last_rc == DHCPD_PROBE && out.probe == A("10.77.0.101"), "101 probed");
	CHECK_INT(dhcpd_conflict(&d, A("10.77.0.101"), squatter, 1002), 0, "the answer recorded as a conflict");
	CHECK(send_req(&r, 1003) == 0 && last_rc == DHCPD_PROBE && out.probe != A("10.77.0.101") && out.probe,
	      "the request again: another address probed, not the one in use");
	other = out.probe;
	dhcpd_probed_add(&probed, other, 1003 + DHCPD_PROBED_KEEP_S);
	CHECK(send_req(&r, 1004) == 1 && rep.type == DHCPOFFER && rep.h.yiaddr == other, "and offered");
	r.type = DHCPREQUEST;
	r.server_id = A("10.77.0.1");
	CHECK(send_req(&r, 1005) == 1 && rep.type == DHCPNAK, "a REQUEST for the address in use: NAK");
	r.requested = other;
	CHECK(send_req(&r, 1006) == 1 && rep.type == DHCPACK && rep.h.yiaddr == other, "its offered one: ACK");
	r.type = DHCPDISCOVER;
	r.server_id = 0;
	CHECK(send_req(&r, 1006 + 3600 - 10) == 1 && rep.type == DHCPOFFER && rep.h.yiaddr == other,
	      "the client's own bound address is not probed again (the probe long forgotten)");
	CHECK(send_req(&r, 1006 + 600 + 1) == 1 && last_rc == 1, "still its own");

	/* A reservation is the board's whatever answers; a relayed board's
	 * subnet is out of ARP's reach. */
	r = (struct req){ .type = DHCPDISCOVER, .mac = mac_pi4, .prl = pi4_prl, .nprl = sizeof(pi4_prl), .pxe = true,
			  .guid = guid_pi4, .arch = 0 };
	CHECK(send_req(&r, 2000) == 1 && rep.h.yiaddr == A("10.77.0.11"), "a reserved address is not probed");
	r = (struct req){ .type = DHCPDISCOVER, .mac = squatter, .giaddr = A("10.99.0.1"), .arch = -1 };
	CHECK(send_req(&r, 2000) == 1 && rep.type == DHCPOFFER, "a relayed request is not probed (%s)", out.log);
	conf.arp_probe_ms = 0;
	d.probed = NULL;
}

/* The ARP parser: what claims an address, and what does not. */
static void arp_parse(void)
{
	uint8_t p[28] = { 0, 1, 8, 0, 6, 4, 0, 2, 2, 0, 0, 0, 0, 0x66, 10, 77, 0, 101, 0xaa, 0xbb, 0xcc, 0xdd, 0xee,
			  0xff, 10, 77, 0, 1 };
	uint8_t mac[6];
	in4_t ip = 0;

	CHECK(arp_parse_sender(p, sizeof(p), &ip, mac) == 0 && ip == A("10.77.0.101") && mac[5] == 0x66,
	      "an ARP reply claims its sender address");
	p[7] = 1;
	CHECK(arp_parse_sender(p, sizeof(p), &ip, mac) == 0, "so does a request (a gratuitous one, too)");
	CHECK(arp_parse_sender(p, 27, &ip, mac) < 0, "one byte short: refused");
	p[14] = 0;
	p[15] = 0;
	p[16] = 0;
	p[17] = 0;
	CHECK(arp_parse_sender(p, sizeof(p), &ip, mac) < 0, "a probe (sender 0.0.0.0) claims nothing");
	p[14] = 10;
	p[4] = 8;
	CHECK(arp_parse_sender(p, sizeof(p), &ip, mac) < 0, "hardware length 8: not Ethernet, refused");
	p[4] = 6;
	p[7] = 3;
	CHECK(arp_parse_sender(p, sizeof(p), &ip, mac) < 0, "RARP op 3: refused");
}

int main(void)
{
	lease_init(&leases);
	pis();
	ordinary();
	boot_kinds();
	probes();
	arp_parse();
	pi_fixtures();
	lease_close(&leases);
	return check_done();
}

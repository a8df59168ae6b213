/* libFuzzer target for netrootd's DHCP handler (server/dhcp_server.c):
 * any bytes as a request on an interface with a pool of 16, a reserved
 * board and a lease table pre-filled with 12 leases, in full mode and in
 * proxy mode. A reply must parse, be a BOOTREPLY echoing the xid and
 * chaddr, fit the client's room, carry no PAD between options, and offer
 * only a pool address, the board's reservation or none. A third pass in
 * full mode probes new addresses (arp-probe): a probe asks for a pool
 * address and sends nothing. The same bytes go to the ARP parser too. A
 * violation aborts. */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arp_probe.h"
#include "dhcp_reply.h"
#include "dhcp_server.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct nrd_conf conf;
static struct nrd_client board;
static struct dhcpd_reply out;
static struct dhcp_msg req, rep;

static void setup(void)
{
	static const char text[] = "[netrootd]\ninterface = lab0\n[dhcp]\ndns = 10.77.0.1\nsearch = a.example b\n"
				   "[pool lab0]\nrange = 10.77.0.100 10.77.0.115\nnetmask = 255.255.255.0\n"
				   "router = 10.77.0.1\n[boot]\npxe-bios = pxelinux.0\nefi-arm64 = grubaa64.efi\n"
				   "pxelinux-config = pxelinux.cfg/default\n";
	static const char b[] = "serial = ab12cd34\nmac = dc:a6:32:01:02:03\naddress = 10.77.0.11\n";
	struct conf_error e;

	nrd_conf_defaults(&conf);
	if (nrd_conf_parse(&conf, "f.conf", text, strlen(text), &e) < 0 ||
	    nrd_client_parse(&board, "rpi", "rpi.conf", b, strlen(b), &e) < 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	struct lease_table t;
	struct dhcpd d;
	struct dhcpd_iface ifc;

	if (!ready) {
		setup();
		ready = 1;
	}
	memset(&ifc, 0, sizeof(ifc));
	strcpy(ifc.name, "lab0");
	inet_pton(AF_INET, "10.77.0.1", &ifc.addr);
	inet_pton(AF_INET, "255.255.255.0", &ifc.netmask);
	ifc.pool = &conf.pools[0];
	{
		uint8_t mac[6];
		in4_t ip;

		(void)arp_parse_sender(data, size, &ip, mac);
	}
	for (int pass = 0; pass < 3; pass++) {
		int mode = pass == 1 ? DHCP_MODE_PROXY : DHCP_MODE_FULL, r;

		conf.dhcp_mode = (enum dhcp_mode)mode;
		conf.arp_probe_ms = pass == 2 ? 100 : 0;
		if (lease_init(&t) < 0)
			abort();
		for (uint32_t i = 0; i < 12; i++) {
			uint8_t cid[7] = { 1, 0x52, 0x54, 0, 0, 0, (uint8_t)i };

			lease_bind(&t, cid, 7, htonl(0x0a4d0064 + i), i < 6 ? 500 : 5000);
		}
		d.conf = &conf;
		d.clients = &board;
		d.nclients = 1;
		d.leases = &t;
		d.probed = NULL;
		r = dhcpd_handle(&d, &ifc, data, size, 1000, &out);
		if (r == DHCPD_PROBE) {
			uint32_t p = ntohl(out.probe);

			if (pass != 2 || out.len || p < 0x0a4d0064 || p > 0x0a4d0073)
				abort();
		} else if (r != 0 && r != 1) {
			abort();
		}
		if (r == 1) {
			size_t i = DHCP_MIN_LEN;
			uint32_t y;

			if (dhcp_msg_parse(data, size, &req) < 0 || dhcp_msg_parse(out.msg, out.len, &rep) < 0)
				abort();
			if (rep.h.op != BOOTREPLY || rep.h.xid != req.h.xid || memcmp(rep.h.chaddr, req.h.chaddr, 16) ||
			    out.len > dhcp_reply_room(&req))
				abort();
			while (i < out.len && out.msg[i] != DHO_END) {
				if (out.msg[i] == DHO_PAD)
					abort();
				i += 2u + out.msg[i + 1];
			}
			y = ntohl(rep.h.yiaddr);
			if (rep.h.yiaddr && rep.h.yiaddr != board.address && (y < 0x0a4d0064 || y > 0x0a4d0073))
				abort();
			if (mode == DHCP_MODE_PROXY && rep.h.yiaddr)
				abort();
		}
		lease_close(&t);
	}
	return 0;
}

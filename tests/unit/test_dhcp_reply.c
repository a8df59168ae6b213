/* The server's side of the DHCP codec: decoding what clients send (55, 60,
 * 82, 93, 97 and a Pi's serial) and building replies within the client's
 * parameter request list and maximum message size (lib/dhcp_reply.c). */
#include "check.h"
#include "dhcp_msg.h"
#include "dhcp_reply.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

static uint8_t pkt[DHCP_MSG_MAX];

/* A DISCOVER from a Pi 4 EEPROM as boot-net.adoc shows it: 53, 57, 55 (14
 * items), 93, 94, 97, 60. extra: more options appended raw. */
static size_t pi4_discover(const uint8_t *guid17, const uint8_t *extra, size_t nextra, uint16_t maxsize)
{
	static const uint8_t prl[] = { 1, 3, 43, 60, 66, 67, 128, 129, 130, 131, 132, 133, 134, 135 };
	static const char vci[] = "PXEClient:Arch:00000:UNDI:002001";
	struct dhcp_hdr h;
	struct wbuf w = wb_init(pkt, sizeof(pkt));
	uint8_t arch[2] = { 0, 0 }, ndi[3] = { 1, 2, 1 };

	memset(&h, 0, sizeof(h));
	h.op = BOOTREQUEST;
	h.htype = 1;
	h.hlen = 6;
	h.xid = 0x26f30339;
	memcpy(h.chaddr, "\xdc\xa6\x32\x01\x02\x03", 6);
	dhcp_msg_begin(&w, &h);
	dhcp_opt_put_u8(&w, DHO_MESSAGE_TYPE, DHCPDISCOVER);
	if (maxsize)
		dhcp_opt_put_be16(&w, DHO_MAX_MSG_SIZE, maxsize);
	dhcp_opt_put(&w, DHO_PARAM_REQUEST, prl, sizeof(prl));
	dhcp_opt_put(&w, DHO_CLIENT_ARCH, arch, 2);
	dhcp_opt_put(&w, DHO_CLIENT_NDI, ndi, 3);
	if (guid17)
		dhcp_opt_put(&w, DHO_CLIENT_GUID, guid17, 17);
	dhcp_opt_put(&w, DHO_VENDOR_CLASS, vci, strlen(vci));
	if (extra)
		wb_bytes(&w, extra, nextra);
	dhcp_msg_end(&w);
	return w.len;
}

static void decoding(void)
{
	/* type 0, "RPi4" (52 50 69 34), board rev 0x00c03111, MAC low 4
	 * bytes, serial 0xab12cd34: little-endian words */
	static const uint8_t guid[17] = { 0, 0x52, 0x50, 0x69, 0x34, 0x11, 0x31, 0xc0, 0x00, 0x32, 0x01, 0x02, 0x03,
					  0x34, 0xcd, 0x12, 0xab };
	static const uint8_t rep[17] = { 0, 0x34, 0xcd, 0x12, 0xab, 0x34, 0xcd, 0x12, 0xab, 0x34, 0xcd, 0x12, 0xab,
					 0x34, 0xcd, 0x12, 0xab };
	static const uint8_t other[17] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };
	/* option 82: circuit-id "eth0/3", remote-id 6 bytes, an unknown 9 */
	static const uint8_t relay[] = { 82, 20, 1, 6, 'e', 't', 'h', '0', '/', '3', 2, 6, 1, 2, 3, 4, 5, 6,
					 9, 2, 0xaa, 0xbb };
	static struct dhcp_msg m;
	uint32_t serial = 0;
	size_t len;
	const uint8_t *v;
	size_t n;

	n = pi4_discover(guid, relay, sizeof(relay), 0);
	CHECK_INT(dhcp_msg_parse(pkt, n, &m), 0, "a Pi 4 DISCOVER parses");
	CHECK(dhcp_bit(m.requested, 1) && dhcp_bit(m.requested, 43) && dhcp_bit(m.requested, 135) &&
	      !dhcp_bit(m.requested, 6), "55 as a bitmap: 1, 43, 135 asked; 6 not");
	CHECK(dhcp_msg_vendor_class_is(&m, "PXEClient") && !dhcp_msg_vendor_class_is(&m, "U-Boot."),
	      "60: PXEClient prefix");
	CHECK(m.narch == 1 && m.arch[0] == 0, "93: one architecture, 0 (what every Pi sends)");
	CHECK(dhcp_msg_has(&m, DHO_CLIENT_NDI), "94 kept (3 bytes)");
	CHECK(dhcp_msg_pi_serial(&m, &serial) == 0 && serial == 0xab12cd34, "97 RPi4 GUID: serial ab12cd34 (got %08x)",
	      serial);
	v = dhcp_msg_span(&m, m.circuit_id, &len);
	CHECK(v && len == 6 && !memcmp(v, "eth0/3", 6), "82: circuit-id located");
	v = dhcp_msg_span(&m, m.remote_id, &len);
	CHECK(v && len == 6 && v[0] == 1 && v[5] == 6, "82: remote-id located");
	v = dhcp_msg_opt(&m, DHO_RELAY_AGENT, &len);
	CHECK(v && len == 20, "82 raw, whole, for the echo");

	n = pi4_discover(rep, NULL, 0, 0);
	CHECK(dhcp_msg_parse(pkt, n, &m) == 0 && dhcp_msg_pi_serial(&m, &serial) == 0 && serial == 0xab12cd34,
	      "97 serial x4 (DHCP_OPTION97=0, 3B+ ROM): serial");
	n = pi4_discover(other, NULL, 0, 0);
	CHECK(dhcp_msg_parse(pkt, n, &m) == 0 && dhcp_msg_pi_serial(&m, &serial) == -ENOENT,
	      "97 of a PC: no Pi serial");
	n = pi4_discover(NULL, NULL, 0, 0);
	CHECK(dhcp_msg_parse(pkt, n, &m) == 0 && dhcp_msg_pi_serial(&m, &serial) == -ENOENT, "no 97: no serial");

	{
		uint8_t bad97[17];
		static const uint8_t badrelay[] = { 82, 5, 1, 6, 'e', 't', 'h' };   /* sub-option runs past */
		static const uint8_t arch3[] = { 93, 3, 0, 7, 0 };                  /* odd length */

		memcpy(bad97, guid, 17);
		bad97[0] = 1;                                                      /* type 1: not a GUID */
		n = pi4_discover(bad97, badrelay, sizeof(badrelay), 0);
		CHECK(dhcp_msg_parse(pkt, n, &m) == 0 && dhcp_bit(m.invalid, DHO_CLIENT_GUID) &&
		      dhcp_bit(m.invalid, DHO_RELAY_AGENT) && !dhcp_msg_opt(&m, DHO_RELAY_AGENT, &len),
		      "97 of type 1 and an 82 whose sub-option runs past: invalid, hidden, message kept");
		n = pi4_discover(guid, arch3, sizeof(arch3), 0);
		CHECK(dhcp_msg_parse(pkt, n, &m) == 0 && dhcp_bit(m.invalid, DHO_CLIENT_ARCH) && m.narch == 0,
		      "a second 93 makes 5 bytes once concatenated (RFC 3396): invalid, nothing decoded");
	}
}

/* The options of a reply, as parsed back. */
static int codes_of(const uint8_t *p, size_t n, uint8_t *codes, int max, int *pads)
{
	size_t i = DHCP_MIN_LEN;
	int k = 0;

	*pads = 0;
	while (i < n && p[i] != DHO_END) {
		if (p[i] == DHO_PAD) {
			(*pads)++;
			i++;
			continue;
		}
		if (k < max)
			codes[k++] = p[i];
		i += 2u + p[i + 1];
	}
	return k;
}

static void replies(void)
{
	static struct dhcp_msg req;
	static uint8_t out[DHCP_MSG_MAX], menu[32], big[600];
	struct dhcp_hdr h;
	struct wbuf w;
	uint8_t dropped[32], codes[64];
	in4_t sid = htonl(0x0a4d0001), mask = htonl(0xffffff00), gw = htonl(0x0a4d0001), dns = htonl(0x0a4d0001);
	uint32_t lease = htonl(3600);
	uint8_t type = DHCPOFFER;
	int nc, pads;
	size_t n;

	memset(menu, 'm', sizeof(menu));
	memset(big, 'b', sizeof(big));
	struct dhcp_reply_opt opts[] = {
		{ DHO_MESSAGE_TYPE, DHCP_RO_MANDATORY, 1, &type },
		{ DHO_SERVER_ID, DHCP_RO_MANDATORY, 4, &sid },
		{ DHO_LEASE_TIME, DHCP_RO_MANDATORY, 4, &lease },
		{ DHO_DNS, 0, 4, &dns },
		{ DHO_ROUTER, DHCP_RO_ALWAYS, 4, &gw },
		{ DHO_SUBNET_MASK, DHCP_RO_ALWAYS, 4, &mask },
		{ DHO_VENDOR_CLASS, 0, 9, "PXEClient" },
		{ DHO_VENDOR_OPTS, 0, sizeof(menu), menu },
		{ DHO_TFTP_SERVER, 0, 9, "10.77.0.1" },
	};
	int nopts = (int)(sizeof(opts) / sizeof(opts[0]));

	memset(&h, 0, sizeof(h));
	h.op = BOOTREPLY;
	n = pi4_discover(NULL, NULL, 0, 0);
	dhcp_msg_parse(pkt, n, &req);

	CHECK_INT(dhcp_reply_room(&req), 576 - 28, "no 57: 576 bytes less IP and UDP");
	w = wb_init(out, sizeof(out));
	CHECK_INT(dhcp_reply_build(&w, &h, &req, opts, nopts, dropped), 0, "Pi reply builds");
	nc = codes_of(out, w.len, codes, 64, &pads);
	{
		static const uint8_t want[] = { 53, 54, 51, 1, 3, 43, 60, 66 };

		CHECK(nc == (int)sizeof(want) && !memcmp(codes, want, sizeof(want)),
		      "order: mandatory, then the client's list order (1 3 43 60 66), DNS not asked: not sent (%d options)",
		      nc);
	}
	CHECK_INT(pads, 0, "no PAD between options");
	CHECK(w.len >= DHCP_BOOTP_MIN_LEN, "at least 300 bytes (RFC 1542)");

	/* Room: option 57 = 576 and a big option the client asked for. */
	{
		struct dhcp_reply_opt o2[] = {
			{ DHO_MESSAGE_TYPE, DHCP_RO_MANDATORY, 1, &type },
			{ DHO_SERVER_ID, DHCP_RO_MANDATORY, 4, &sid },
			{ DHO_SUBNET_MASK, DHCP_RO_ALWAYS, 4, &mask },
			{ DHO_VENDOR_OPTS, 0, 300, big },       /* 43: asked third; does not fit */
			{ DHO_TFTP_SERVER, 0, 9, "10.77.0.1" },  /* 66: asked later; fits */
			{ DHO_ROUTER, DHCP_RO_ALWAYS, 4, &gw },
		};

		w = wb_init(out, sizeof(out));
		CHECK_INT(dhcp_reply_build(&w, &h, &req, o2, 6, dropped), 0, "reply with a 300-byte option 43");
		nc = codes_of(out, w.len, codes, 64, &pads);
		CHECK(dhcp_bit(dropped, 43) && !dhcp_bit(dropped, 66) && !dhcp_bit(dropped, 3) && nc == 5,
		      "43 left out for room (flagged), 66 and 3 still sent");
		CHECK(w.len <= 576 - 28, "within 548 bytes (%zu)", w.len);

		n = pi4_discover(NULL, NULL, 0, 1500);
		dhcp_msg_parse(pkt, n, &req);
		CHECK_INT(dhcp_reply_room(&req), 1500 - 28, "57 = 1500: 1472");
		w = wb_init(out, sizeof(out));
		CHECK(dhcp_reply_build(&w, &h, &req, o2, 6, dropped) == 0 && !dhcp_bit(dropped, 43) &&
		      w.len > 576 - 28, "with 57 = 1500 the 300-byte 43 goes in");
		n = pi4_discover(NULL, NULL, 0, 9000);
		dhcp_msg_parse(pkt, n, &req);
		CHECK_INT(dhcp_reply_room(&req), DHCP_PKT_MAX - 28, "57 above what we send: capped");
	}

	/* Mandatory options that cannot fit fail the build. */
	{
		struct dhcp_reply_opt o3[] = {
			{ DHO_MESSAGE_TYPE, DHCP_RO_MANDATORY, 1, &type },
			{ DHO_BOOTFILE, DHCP_RO_MANDATORY, 400, big },
		};

		n = pi4_discover(NULL, NULL, 0, 0);
		dhcp_msg_parse(pkt, n, &req);
		w = wb_init(out, sizeof(out));
		CHECK_INT(dhcp_reply_build(&w, &h, &req, o3, 2, dropped), -EMSGSIZE, "mandatory over the room: -EMSGSIZE");
	}

	/* No option 55 (BOOTP, some ROMs): everything offered, as given. */
	{
		static const uint8_t bootp[] = { 53, 1, 1 };
		struct wbuf rw = wb_init(pkt, sizeof(pkt));
		struct dhcp_hdr rh;

		memset(&rh, 0, sizeof(rh));
		rh.op = BOOTREQUEST;
		dhcp_msg_begin(&rw, &rh);
		wb_bytes(&rw, bootp, sizeof(bootp));
		dhcp_msg_end(&rw);
		dhcp_msg_parse(pkt, rw.len, &req);
		w = wb_init(out, sizeof(out));
		CHECK_INT(dhcp_reply_build(&w, &h, &req, opts, nopts, dropped), 0, "no list: builds");
		nc = codes_of(out, w.len, codes, 64, &pads);
		CHECK(nc == nopts && codes[3] == DHO_DNS, "no list: every offered option, in the given order");
	}

	/* A value over 255 bytes is split (RFC 3396) and costs its fragments. */
	{
		struct dhcp_reply_opt o4[] = {
			{ DHO_MESSAGE_TYPE, DHCP_RO_MANDATORY, 1, &type },
			{ DHO_VENDOR_OPTS, DHCP_RO_ALWAYS, 600, big },
		};

		n = pi4_discover(NULL, NULL, 0, 1500);
		dhcp_msg_parse(pkt, n, &req);
		w = wb_init(out, sizeof(out));
		CHECK(dhcp_reply_build(&w, &h, &req, o4, 2, dropped) == 0 && !dhcp_bit(dropped, 43), "600-byte 43 built");
		nc = codes_of(out, w.len, codes, 64, &pads);
		CHECK(nc == 4 && codes[1] == 43 && codes[2] == 43 && codes[3] == 43, "in three fragments");
		CHECK_INT(w.len, DHCP_MIN_LEN + 3 + 600 + 6 + 1, "length: header, 53, 600 bytes + 3 fragment heads, END");
	}

	/* Bad tables. */
	{
		struct dhcp_reply_opt dup[] = { { 1, 0, 4, &mask }, { 1, 0, 4, &mask } };
		struct dhcp_reply_opt pad[] = { { 0, 0, 0, NULL } };

		w = wb_init(out, sizeof(out));
		CHECK_INT(dhcp_reply_build(&w, &h, NULL, dup, 2, NULL), -EINVAL, "a code twice: -EINVAL");
		CHECK_INT(dhcp_reply_build(&w, &h, NULL, pad, 1, NULL), -EINVAL, "PAD: -EINVAL");
		w = wb_init(out, 100);
		CHECK_INT(dhcp_reply_build(&w, &h, NULL, opts, 3, NULL), -ENOSPC, "buffer too small: -ENOSPC");
	}
}

int main(void)
{
	decoding();
	replies();
	return check_done();
}

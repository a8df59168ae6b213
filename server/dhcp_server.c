#include "dhcp_server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "dhcp_reply.h"
#include "text.h"

#define DECLINE_HOLD_S 600      /* a declined address is not offered again for this long */
#define PI3_OFFER_LEASE_S 300   /* the Pi 3 ROM boots on the OFFER: bound this long at once */

/* ---- who is asking --------------------------------------------------------- */

static bool oui(const struct dhcp_msg *m, uint8_t a, uint8_t b, uint8_t c)
{
	return m->h.chaddr[0] == a && m->h.chaddr[1] == b && m->h.chaddr[2] == c;
}

static bool pi_oui(const struct dhcp_msg *m)
{
	/* Raspberry Pi Foundation and Raspberry Pi Trading OUIs */
	return oui(m, 0xb8, 0x27, 0xeb) || oui(m, 0xdc, 0xa6, 0x32) || oui(m, 0xe4, 0x5f, 0x01) ||
	       oui(m, 0x28, 0xcd, 0xc1) || oui(m, 0xd8, 0x3a, 0xdd) || oui(m, 0x2c, 0xcf, 0x67);
}

enum dhcpd_kind dhcpd_kind_of(const struct dhcp_msg *m)
{
	uint32_t serial;
	bool pxe = dhcp_msg_vendor_class_is(m, "PXEClient");

	if (dhcp_msg_vendor_class_is(m, "U-Boot."))
		return KIND_UBOOT;
	if (pxe && oui(m, 0xb8, 0x27, 0xeb))
		return KIND_PI3_ROM;
	/* A Pi 4/5 EEPROM: its GUID (FourCC or the serial four times), or
	 * its OUI; its REQUEST carries no option 60 (rpi-eeprom#82). */
	if ((pxe || dhcp_msg_has(m, DHO_CLIENT_GUID)) && (dhcp_msg_pi_serial(m, &serial) == 0 || pi_oui(m)))
		return KIND_PI;
	if (m->narch > 0) {
		if (m->arch[0] == 7 || m->arch[0] == 9)
			return KIND_EFI_X64;
		if (m->arch[0] == 11)
			return KIND_EFI_ARM64;
	}
	return pxe ? KIND_PXE_BIOS : KIND_OTHER;
}

static bool is_pi(enum dhcpd_kind k)
{
	return k == KIND_PI3_ROM || k == KIND_PI;
}

/* The client's identifier: option 61, else htype + chaddr (RFC 2132 9.14). */
static size_t client_id(const struct dhcp_msg *m, uint8_t cid[LEASE_CID_MAX])
{
	size_t len;
	const uint8_t *v = dhcp_msg_opt(m, DHO_CLIENT_ID, &len);

	if (v && len <= LEASE_CID_MAX) {
		memcpy(cid, v, len);
		return len;
	}
	cid[0] = m->h.htype;
	memcpy(cid + 1, m->h.chaddr, 6);
	return 7;
}

static const struct nrd_client *find_board(const struct dhcpd *d, const struct dhcp_msg *m)
{
	uint32_t serial;
	bool has_serial = dhcp_msg_pi_serial(m, &serial) == 0;

	for (int i = 0; i < d->nclients; i++)
		if (d->clients[i].has_mac && !memcmp(d->clients[i].mac, m->h.chaddr, 6))
			return &d->clients[i];
	for (int i = 0; has_serial && i < d->nclients; i++)
		if (d->clients[i].has_serial && d->clients[i].serial == serial)
			return &d->clients[i];
	return NULL;
}

/* ---- what it is told ---------------------------------------------------- */

/* The client's parameters: [dhcp], then its pool's, then its own. */
static void merge(struct dhcp_params *out, const struct dhcp_params *over)
{
	if (over->netmask)
		out->netmask = over->netmask;
	if (over->nrouter) {
		memcpy(out->router, over->router, sizeof(out->router));
		out->nrouter = over->nrouter;
	}
	if (over->ndns) {
		memcpy(out->dns, over->dns, sizeof(out->dns));
		out->ndns = over->ndns;
	}
	if (over->nntp) {
		memcpy(out->ntp, over->ntp, sizeof(out->ntp));
		out->nntp = over->nntp;
	}
	if (over->domain[0])
		memcpy(out->domain, over->domain, sizeof(out->domain));
	if (over->search[0])
		memcpy(out->search, over->search, sizeof(out->search));
	if (over->root_path[0])
		memcpy(out->root_path, over->root_path, sizeof(out->root_path));
	if (over->boot_file[0])
		memcpy(out->boot_file, over->boot_file, sizeof(out->boot_file));
	if (over->tftp_server)
		out->tftp_server = over->tftp_server;
	if (over->mtu)
		out->mtu = over->mtu;
	if (over->lease_secs)
		out->lease_secs = over->lease_secs;
}

static bool in_pool(const struct dhcp_pool *p, in4_t a)
{
	return p && ntohl(a) >= ntohl(p->start) && ntohl(a) <= ntohl(p->end);
}

/* The pool whose range holds a. */
static const struct dhcp_pool *pool_of(const struct nrd_conf *c, in4_t a)
{
	for (int i = 0; i < c->npools; i++)
		if (in_pool(&c->pools[i], a))
			return &c->pools[i];
	return NULL;
}

/* The pool for a relay at giaddr: the one whose range is in giaddr's
 * subnet (its netmask given), or NULL. */
static const struct dhcp_pool *relay_pool(const struct nrd_conf *c, in4_t giaddr)
{
	for (int i = 0; i < c->npools; i++) {
		const struct dhcp_pool *p = &c->pools[i];

		if (p->p.netmask && in4_same_net(p->start, giaddr, p->p.netmask))
			return &c->pools[i];
	}
	return NULL;
}

/* ---- option 43 and 119 ------------------------------------------------------ */

size_t dhcpd_pi_menu(uint8_t *out, size_t cap, const char *text)
{
	size_t n = strlen(text), need = 3 + 6 + 5 + n + 1;

	if (n > 240 || need > cap)
		return 0;
	memcpy(out, "\x06\x01\x03" "\x0a\x04\x00PXE", 9);
	out[9] = 0x09;
	out[10] = (uint8_t)(3 + n);
	out[11] = 0;
	out[12] = 0;
	out[13] = (uint8_t)n;
	memcpy(out + 14, text, n);
	out[14 + n] = 0xff;
	return need;
}

/* "a.example b.example" as RFC 1035 names (no compression): its length,
 * 0 when empty or it does not fit. */
static size_t encode_search(const char *s, uint8_t *out, size_t cap)
{
	size_t o = 0;

	while (*s) {
		const char *end = strchr(s, ' ');
		size_t n = end ? (size_t)(end - s) : strlen(s);
		const char *p = s;

		while (p < s + n) {
			const char *dot = memchr(p, '.', (size_t)(s + n - p));
			size_t l = dot ? (size_t)(dot - p) : (size_t)(s + n - p);

			if (l == 0 || l > 63 || o + l + 2 > cap)
				return 0;
			out[o++] = (uint8_t)l;
			memcpy(out + o, p, l);
			o += l;
			p += l + (dot ? 1 : 0);
		}
		if (o + 1 > cap)
			return 0;
		out[o++] = 0;
		s += n + (end ? 1 : 0);
	}
	return o;
}

/* ---- the reply ------------------------------------------------------------ */

struct ctx {
	const struct dhcpd *d;
	const struct dhcpd_iface *ifc;
	const struct dhcp_msg *m;
	const struct nrd_client *board;
	enum dhcpd_kind kind;
	struct dhcp_params p;
	const struct dhcp_pool *pool;   /* the interface's, or a relayed subnet's */
	uint8_t cid[LEASE_CID_MAX];
	size_t cidlen;
	char who[96];                   /* "dc:a6:32:01:02:03 (serial ab12cd34, rpi4-1)" */
};

static void describe(struct ctx *c)
{
	const uint8_t *a = c->m->h.chaddr;
	uint32_t serial;
	int n = snprintf(c->who, sizeof(c->who), "%02x:%02x:%02x:%02x:%02x:%02x", a[0], a[1], a[2], a[3], a[4], a[5]);

	if (dhcp_msg_pi_serial(c->m, &serial) == 0 && n > 0 && (size_t)n < sizeof(c->who))
		n += snprintf(c->who + n, sizeof(c->who) - (size_t)n, " serial %08x", serial);
	if (c->board && n > 0 && (size_t)n < sizeof(c->who))
		snprintf(c->who + n, sizeof(c->who) - (size_t)n, " (%s)", c->board->name);
}

/* Builds type with yiaddr (0 for proxy/INFORM/NAK); lease_secs 0: no
 * lease options. */
static int build(struct ctx *c, struct dhcpd_reply *out, uint8_t type, in4_t yiaddr, uint32_t lease_secs,
		 bool rapid)
{
	const struct nrd_conf *conf = c->d->conf;
	const struct dhcp_msg *m = c->m;
	struct dhcp_hdr h;
	struct dhcp_reply_opt o[32];
	int n = 0;
	struct wbuf w = wb_init(out->msg, sizeof(out->msg));
	uint8_t dropped[32], menu[260], search[256], mtu[2];
	uint32_t lease_be = htonl(lease_secs), t1 = htonl(lease_secs / 2), t2 = htonl(lease_secs / 8 * 7);
	in4_t tftp = c->p.tftp_server ? c->p.tftp_server : c->ifc->addr, mask = c->p.netmask;
	char tftp_txt[IN4_STRLEN];
	const char *boot = c->p.boot_file;
	bool nak = type == DHCPNAK, pi = is_pi(c->kind), pxe = pi || c->kind == KIND_PXE_BIOS ||
		   c->kind == KIND_EFI_X64 || c->kind == KIND_EFI_ARM64;
	size_t mlen, slen;
	size_t vlen;
	const uint8_t *relay = dhcp_msg_opt(m, DHO_RELAY_AGENT, &vlen);

	memset(&h, 0, sizeof(h));
	h.op = BOOTREPLY;
	h.htype = m->h.htype;
	h.hlen = m->h.hlen;
	h.xid = m->h.xid;
	h.flags = m->h.flags;
	h.giaddr = m->h.giaddr;
	h.yiaddr = yiaddr;
	if (type == DHCPACK && m->type == DHCPINFORM)
		h.ciaddr = m->h.ciaddr;
	memcpy(h.chaddr, m->h.chaddr, sizeof(h.chaddr));
	if (!nak)
		h.siaddr = tftp;
	/* The boot file: the board's own, else by kind. */
	if (!boot[0])
		boot = c->kind == KIND_PXE_BIOS ? conf->boot.pxe_bios : c->kind == KIND_EFI_X64 ? conf->boot.efi_x64 :
		       c->kind == KIND_EFI_ARM64 ? conf->boot.efi_arm64 : c->kind == KIND_UBOOT ? conf->boot.uboot : "";
	if (!nak && boot[0] && strlen(boot) <= DHCP_FILE_LEN)
		text_copy(h.file, sizeof(h.file), boot);

#define OPT(code_, flags_, len_, val_) \
	do { o[n].code = (code_); o[n].flags = (flags_); o[n].len = (uint16_t)(len_); o[n].val = (val_); n++; } while (0)
	OPT(DHO_MESSAGE_TYPE, DHCP_RO_MANDATORY, 1, &type);
	OPT(DHO_SERVER_ID, DHCP_RO_MANDATORY, 4, &c->ifc->addr);
	if (nak)
		goto done;
	if (lease_secs) {
		OPT(DHO_LEASE_TIME, DHCP_RO_MANDATORY, 4, &lease_be);
		OPT(DHO_T1, 0, 4, &t1);
		OPT(DHO_T2, 0, 4, &t2);
	}
	if (rapid)
		OPT(DHO_RAPID_COMMIT, DHCP_RO_MANDATORY, 0, NULL);
	if (yiaddr || type == DHCPACK) {
		if (!mask)
			mask = c->ifc->netmask;
		/* The Pi 3 ROM does not ask for 1 and 3 but needs them to reach
		 * a TFTP server off its subnet (firmware#1001). */
		OPT(DHO_SUBNET_MASK, pi ? DHCP_RO_ALWAYS : 0, 4, &mask);
		if (c->p.nrouter)
			OPT(DHO_ROUTER, pi ? DHCP_RO_ALWAYS : 0, 4 * c->p.nrouter, c->p.router);
		if (c->p.ndns)
			OPT(DHO_DNS, 0, 4 * c->p.ndns, c->p.dns);
		if (c->board && c->board->hostname[0])
			OPT(DHO_HOSTNAME, 0, strlen(c->board->hostname), c->board->hostname);
		if (c->p.domain[0])
			OPT(DHO_DOMAIN, 0, strlen(c->p.domain), c->p.domain);
		if (c->p.root_path[0])
			OPT(DHO_ROOT_PATH, 0, strlen(c->p.root_path), c->p.root_path);
		if (c->p.mtu) {
			mtu[0] = (uint8_t)(c->p.mtu >> 8);
			mtu[1] = (uint8_t)c->p.mtu;
			OPT(DHO_MTU, 0, 2, mtu);
		}
		if (c->p.nntp)
			OPT(DHO_NTP, 0, 4 * c->p.nntp, c->p.ntp);
		if (c->p.search[0] && (slen = encode_search(c->p.search, search, sizeof(search))) > 0)
			OPT(DHO_DOMAIN_SEARCH, 0, slen, search);
	}
	if (pxe) {
		/* PXE clients: "PXEClient" back, and for a Pi the menu it looks
		 * for, the TFTP server as a dotted quad (no NUL: firmware#871). */
		OPT(DHO_VENDOR_CLASS, DHCP_RO_ALWAYS, 9, "PXEClient");
		if (pi) {
			char text[NRD_TEXT_LEN + 4];

			snprintf(text, sizeof(text), "%s%s", conf->boot.pi_menu, c->kind == KIND_PI3_ROM &&
				 strlen(conf->boot.pi_menu) >= 3 && strcmp(conf->boot.pi_menu + strlen(conf->boot.pi_menu) - 3,
									    "   ") ? "   " : "");
			mlen = dhcpd_pi_menu(menu, sizeof(menu), text);
			if (mlen)
				OPT(DHO_VENDOR_OPTS, DHCP_RO_ALWAYS, mlen, menu);
			in4_str(tftp, tftp_txt);
			OPT(DHO_TFTP_SERVER, DHCP_RO_ALWAYS, strlen(tftp_txt), tftp_txt);
		}
	}
	if (boot[0])
		OPT(DHO_BOOTFILE, 0, strlen(boot), boot);
	if (conf->boot.pxelinux_config[0] && !pi)
		OPT(209, 0, strlen(conf->boot.pxelinux_config), conf->boot.pxelinux_config);
	if (conf->boot.pxelinux_prefix[0] && !pi)
		OPT(210, 0, strlen(conf->boot.pxelinux_prefix), conf->boot.pxelinux_prefix);
done:
	/* A relay's option 82 goes back as it came (RFC 3046 2.2). */
	if (relay)
		OPT(DHO_RELAY_AGENT, DHCP_RO_MANDATORY, vlen, relay);
#undef OPT
	if (dhcp_reply_build(&w, &h, m, o, n, dropped) < 0)
		return -1;
	out->len = w.len;
	/* RFC 2131 4.1: to a relay; a NAK broadcast; to a configured client
	 * (ciaddr) unicast; else broadcast (no ARP entry for yiaddr yet). */
	out->dport = DHCP_CLIENT_PORT;
	if (m->h.giaddr) {
		out->dst = m->h.giaddr;
		out->dport = DHCP_SERVER_PORT;
	} else if (!nak && m->h.ciaddr) {
		out->dst = m->h.ciaddr;
	} else {
		out->dst = 0xffffffffu;
	}
	out->delay_ms = c->kind == KIND_PI3_ROM ? conf->boot.pi_reply_delay_ms : 0;
	return 0;
}

/* ---- full mode ------------------------------------------------------------ */

/* addr is some board's reserved address. */
static bool reserved(const struct dhcpd *d, in4_t a)
{
	for (int i = 0; i < d->nclients; i++)
		if (d->clients[i].address == a)
			return true;
	return false;
}

/* The address the client asks for is reserved for another board. */
static bool reserved_other(const struct ctx *c)
{
	return reserved(c->d, c->m->requested_addr) &&
	       !(c->board && c->board->address == c->m->requested_addr);
}

/* Whether the client may have addr (REQUEST): its reservation, or a pool
 * address free for it and reserved for nobody else. */
static bool allowed(const struct ctx *c, in4_t a, int64_t now)
{
	if (c->board && c->board->address)
		return a == c->board->address && lease_addr_free(c->d->leases, a, c->cid, c->cidlen, now);
	return in_pool(c->pool, a) && a != c->ifc->addr && !reserved(c->d, a) &&
	       lease_addr_free(c->d->leases, a, c->cid, c->cidlen, now);
}

/* An address for a DISCOVER: the board's reserved one, its lease's, the one
 * it asks for, or the first free of the pool from a point given by its
 * identifier (so boards spread, and a board tends to get the same one). */
static in4_t choose(struct ctx *c, int64_t now)
{
	const struct dhcp_pool *pool = c->pool;
	struct lease *l = lease_by_cid(c->d->leases, c->cid, c->cidlen);
	uint32_t first, size, start;

	if (c->board && c->board->address)
		return lease_addr_free(c->d->leases, c->board->address, c->cid, c->cidlen, now) ? c->board->address : 0;
	if (!pool)
		return 0;
	if (l && l->state != LEASE_DECLINED && in_pool(pool, l->addr) &&
	    lease_addr_free(c->d->leases, l->addr, c->cid, c->cidlen, now))
		return l->addr;
	if (dhcp_msg_has(c->m, DHO_REQUESTED_ADDR) && in_pool(pool, c->m->requested_addr) &&
	    lease_addr_free(c->d->leases, c->m->requested_addr, c->cid, c->cidlen, now) && !reserved_other(c))
		return c->m->requested_addr;
	first = ntohl(pool->start);
	size = ntohl(pool->end) - first + 1;
	start = lease_hash_id(c->cid, c->cidlen) % size;
	for (uint32_t k = 0; k < size; k++) {
		in4_t a = htonl(first + (start + k) % size);

		if (a != c->ifc->addr && lease_addr_free(c->d->leases, a, c->cid, c->cidlen, now) && !reserved(c->d, a))
			return a;
	}
	return 0;
}

/* ---- ARP probes ----------------------------------------------------------- */

void dhcpd_probed_add(struct dhcpd_probed *p, in4_t a, int64_t until)
{
	for (unsigned i = 0; i < DHCPD_PROBED_MAX; i++)
		if (p->addr[i] == a) {
			p->until[i] = until;
			return;
		}
	p->addr[p->next] = a;
	p->until[p->next] = until;
	p->next = (p->next + 1) % DHCPD_PROBED_MAX;
}

static bool probed_clear(const struct dhcpd_probed *p, in4_t a, int64_t now)
{
	for (unsigned i = 0; p && i < DHCPD_PROBED_MAX; i++)
		if (p->addr[i] == a && p->until[i] >= now)
			return true;
	return false;
}

int dhcpd_conflict(const struct dhcpd *d, in4_t a, const uint8_t mac[6], int64_t now)
{
	uint8_t cid[7] = { 1 };

	memcpy(cid + 1, mac, 6);
	return lease_decline(d->leases, cid, sizeof(cid), a, now + DECLINE_HOLD_S);
}

/* Whether a must be probed before it is offered: probes asked for; a on
 * the interface's own link (a relayed board's subnet is out of ARP's
 * reach); new to this client (not its reservation, which it gets whatever
 * answers, nor the address it holds now); not probed a moment ago. */
static bool needs_probe(const struct ctx *c, in4_t a, int64_t now)
{
	const struct lease *l;

	if (!c->d->conf->arp_probe_ms || (c->board && c->board->address == a) || c->m->h.giaddr ||
	    !c->ifc->netmask || !in4_same_net(a, c->ifc->addr, c->ifc->netmask))
		return false;
	l = lease_by_cid(c->d->leases, c->cid, c->cidlen);
	if (l && l->addr == a && l->state == LEASE_BOUND && l->expires > now)
		return false;
	return !probed_clear(c->d->probed, a, now);
}

static uint32_t lease_time(const struct ctx *c)
{
	return c->p.lease_secs ? c->p.lease_secs : 12 * 3600;
}

static void say(struct dhcpd_reply *out, const struct ctx *c, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void say(struct dhcpd_reply *out, const struct ctx *c, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(out->log, sizeof(out->log), "%s from %s on %s: ", dhcp_type_name(c->m->type), c->who,
			 c->ifc->name);

	if (n < 0 || (size_t)n >= sizeof(out->log))
		return;
	va_start(ap, fmt);
	vsnprintf(out->log + n, sizeof(out->log) - (size_t)n, fmt, ap);
	va_end(ap);
}

/* Binds addr for the client (journal first), then builds the ACK. */
static int ack(struct ctx *c, struct dhcpd_reply *out, in4_t a, int64_t now, bool rapid)
{
	char s[IN4_STRLEN];
	int r = lease_bind(c->d->leases, c->cid, c->cidlen, a, now + lease_time(c));

	if (r < 0) {
		say(out, c, "cannot record the lease of %s (%s): no ACK", in4_str(a, s), strerror(-r));
		return 0;
	}
	if (build(c, out, DHCPACK, a, lease_time(c), rapid) < 0)
		return 0;
	say(out, c, "ACK %s for %u s%s", in4_str(a, s), lease_time(c), rapid ? " (rapid commit)" : "");
	return 1;
}

static int nak(struct ctx *c, struct dhcpd_reply *out, const char *why)
{
	if (build(c, out, DHCPNAK, 0, 0, false) < 0)
		return 0;
	say(out, c, "NAK: %s", why);
	return 1;
}

static int full(struct ctx *c, struct dhcpd_reply *out, int64_t now)
{
	const struct dhcp_msg *m = c->m;
	char s[IN4_STRLEN];
	in4_t a;

	switch (m->type) {
	case DHCPDISCOVER:
		a = choose(c, now);
		if (!a) {
			say(out, c, c->pool || (c->board && c->board->address) ?
			    "no free address in the pool of %s: not answered (enlarge range = or free leases)" :
			    "no [pool %s] and no reserved address: not answered", c->pool ? c->pool->name : c->ifc->name);
			return 0;
		}
		if (needs_probe(c, a, now)) {
			out->probe = a;
			say(out, c, "probing %s (ARP) before offering it", in4_str(a, s));
			return DHCPD_PROBE;
		}
		if (c->d->conf->rapid_commit && m->rapid_commit)
			return ack(c, out, a, now, true);
		/* The Pi 3 ROM boots on the OFFER and never sends a REQUEST:
		 * hold the address for it now, or it could be offered to
		 * another board while this one loads its files. */
		if (c->kind == KIND_PI3_ROM &&
		    lease_bind(c->d->leases, c->cid, c->cidlen, a, now + PI3_OFFER_LEASE_S) < 0) {
			say(out, c, "cannot record the address of a Pi 3 ROM: not answered");
			return 0;
		}
		if (build(c, out, DHCPOFFER, a, lease_time(c), false) < 0)
			return 0;
		say(out, c, "OFFER %s", in4_str(a, s));
		return 1;
	case DHCPREQUEST:
		if (dhcp_msg_has(m, DHO_SERVER_ID) && m->server_id != c->ifc->addr) {
			/* SELECTING another server's offer. */
			return 0;
		}
		a = dhcp_msg_has(m, DHO_REQUESTED_ADDR) ? m->requested_addr : m->h.ciaddr;
		if (!a)
			return 0;
		if (allowed(c, a, now))
			return ack(c, out, a, now, false);
		if (dhcp_msg_has(m, DHO_SERVER_ID) || in_pool(c->pool, a) ||
		    (c->ifc->netmask && in4_same_net(a, c->ifc->addr, c->ifc->netmask)))
			return nak(c, out, "that address is not this client's here");
		return 0;   /* another subnet's address, not ours to refuse (RFC 2131 4.3.2) */
	case DHCPRELEASE:
		{
			struct lease *l = lease_by_cid(c->d->leases, c->cid, c->cidlen);

			if (l && l->addr == m->h.ciaddr && lease_release(c->d->leases, c->cid, c->cidlen) == 0)
				say(out, c, "released %s", in4_str(l->addr, s));
		}
		return 0;
	case DHCPDECLINE:
		if (dhcp_msg_has(m, DHO_REQUESTED_ADDR) && in_pool(c->pool, m->requested_addr) &&
		    lease_decline(c->d->leases, c->cid, c->cidlen, m->requested_addr, now + DECLINE_HOLD_S) == 0)
			say(out, c, "%s is in use by another host: not offered for %d s", in4_str(m->requested_addr, s),
			    DECLINE_HOLD_S);
		return 0;
	case DHCPINFORM:
		if (build(c, out, DHCPACK, 0, 0, false) < 0)
			return 0;
		say(out, c, "ACK (inform) to %s", in4_str(m->h.ciaddr, s));
		return 1;
	}
	return 0;
}

/* ---- proxy mode ----------------------------------------------------------- */

/* Beside the LAN's own server: boot information for PXE clients only, no
 * address; the Pi 4/5 merges the two OFFERs (rpi-eeprom#687). */
static int proxy(struct ctx *c, struct dhcpd_reply *out)
{
	if (c->kind == KIND_OTHER || c->kind == KIND_UBOOT)
		return 0;
	if (c->m->type != DHCPDISCOVER && !(c->m->type == DHCPREQUEST && dhcp_msg_has(c->m, DHO_SERVER_ID) &&
					      c->m->server_id == c->ifc->addr))
		return 0;
	if (build(c, out, c->m->type == DHCPDISCOVER ? DHCPOFFER : DHCPACK, 0, 0, false) < 0)
		return 0;
	say(out, c, "%s (proxy: boot information only)", c->m->type == DHCPDISCOVER ? "OFFER" : "ACK");
	return 1;
}

int dhcpd_handle(const struct dhcpd *d, const struct dhcpd_iface *ifc, const uint8_t *pkt, size_t len,
		 int64_t now, struct dhcpd_reply *out)
{
	static struct dhcp_msg m;
	struct ctx c;

	memset(out, 0, offsetof(struct dhcpd_reply, msg));
	out->len = 0;
	out->log[0] = '\0';
	if (dhcp_msg_parse(pkt, len, &m) < 0 || m.h.op != BOOTREQUEST || m.h.htype != 1 || m.h.hlen != 6 ||
	    m.type < DHCPDISCOVER || m.type > DHCPINFORM || m.type == DHCPOFFER || m.type == DHCPACK ||
	    m.type == DHCPNAK)
		return 0;
	memset(&c, 0, sizeof(c));
	c.d = d;
	c.ifc = ifc;
	c.m = &m;
	c.kind = dhcpd_kind_of(&m);
	c.board = find_board(d, &m);
	c.cidlen = client_id(&m, c.cid);
	c.p = d->conf->dhcp;
	/* A relayed request (giaddr) is for the relay's subnet: the pool whose
	 * range lies in it (RFC 2131 4.3.1), never the receiving interface's. */
	c.pool = m.h.giaddr ? relay_pool(d->conf, m.h.giaddr) : ifc->pool;
	/* A board behind a relay renews by unicast, straight to us (no
	 * giaddr): its address tells its pool. */
	if (!m.h.giaddr && m.h.ciaddr && !in_pool(c.pool, m.h.ciaddr) && pool_of(d->conf, m.h.ciaddr))
		c.pool = pool_of(d->conf, m.h.ciaddr);
	if (m.h.giaddr && !c.pool && d->conf->dhcp_mode == DHCP_MODE_FULL) {
		char g[IN4_STRLEN];

		describe(&c);
		say(out, &c, "relayed by %s, and no [pool] has a range in that relay's subnet: not answered",
		    in4_str(m.h.giaddr, g));
		return 0;
	}
	if (c.pool)
		merge(&c.p, &c.pool->p);
	if (c.board)
		merge(&c.p, &c.board->p);
	describe(&c);
	switch (d->conf->dhcp_mode) {
	case DHCP_MODE_FULL:
		return full(&c, out, now);
	case DHCP_MODE_PROXY:
		return proxy(&c, out);
	default:
		return 0;
	}
}

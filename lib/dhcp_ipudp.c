/* IPv4 + UDP framing of DHCP payloads for raw packet sockets (AF_PACKET,
 * SOCK_DGRAM): a client without an address yet, a server answering one. */
#include "dhcp_ipudp.h"

#include <errno.h>
#include <string.h>

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

#include "arp_probe.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <netpacket/packet.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "buf.h"
#include "text.h"

#define ARP_LEN 28      /* Ethernet/IPv4 ARP: 8 header bytes, 2 x (6 + 4) addresses */

int arp_open(struct arp_sock *s, const char *ifname, char *msg, size_t msglen)
{
	struct ifreq ifr;
	struct sockaddr_ll sll;

	memset(s, 0, sizeof(*s));
	s->fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, htons(ETH_P_ARP));
	if (s->fd < 0) {
		snprintf(msg, msglen, "arp-probe: cannot open a packet socket: %s (netrootd needs CAP_NET_RAW; or set "
			 "arp-probe = 0)", strerror(errno));
		return -errno;
	}
	memset(&ifr, 0, sizeof(ifr));
	text_copy(ifr.ifr_name, sizeof(ifr.ifr_name), ifname);
	if (ioctl(s->fd, SIOCGIFINDEX, &ifr) != 0)
		goto fail;
	s->ifindex = ifr.ifr_ifindex;
	if (ioctl(s->fd, SIOCGIFHWADDR, &ifr) != 0)
		goto fail;
	if (ifr.ifr_hwaddr.sa_family != ARPHRD_ETHER) {
		snprintf(msg, msglen, "arp-probe: %s is not an Ethernet interface; set arp-probe = 0", ifname);
		close(s->fd);
		s->fd = -1;
		return -EINVAL;
	}
	memcpy(s->mac, ifr.ifr_hwaddr.sa_data, 6);
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ARP);
	sll.sll_ifindex = s->ifindex;
	if (bind(s->fd, (struct sockaddr *)&sll, sizeof(sll)) != 0)
		goto fail;
	return 0;
fail:
	{
		int e = errno;

		snprintf(msg, msglen, "arp-probe: interface %s: %s", ifname, strerror(e));
		close(s->fd);
		s->fd = -1;
		return -e;
	}
}

int arp_probe_send(const struct arp_sock *s, in4_t target)
{
	uint8_t p[ARP_LEN];
	struct wbuf w = wb_init(p, sizeof(p));
	struct sockaddr_ll to;

	wb_be16(&w, ARPHRD_ETHER);
	wb_be16(&w, ETH_P_IP);
	wb_u8(&w, 6);
	wb_u8(&w, 4);
	wb_be16(&w, ARPOP_REQUEST);
	wb_bytes(&w, s->mac, 6);
	wb_zero(&w, 4);         /* sender 0.0.0.0: a probe (RFC 5227 2.1.1) */
	wb_zero(&w, 6);
	wb_bytes(&w, &target, 4);
	memset(&to, 0, sizeof(to));
	to.sll_family = AF_PACKET;
	to.sll_protocol = htons(ETH_P_ARP);
	to.sll_ifindex = s->ifindex;
	to.sll_halen = 6;
	memset(to.sll_addr, 0xff, 6);
	if (sendto(s->fd, p, w.len, 0, (struct sockaddr *)&to, sizeof(to)) != (ssize_t)w.len)
		return -errno;
	return 0;
}

int arp_parse_sender(const uint8_t *p, size_t len, in4_t *ip, uint8_t mac[6])
{
	struct rbuf b = rb_init(p, len);
	uint16_t htype, ptype, op;
	uint8_t hlen, plen;

	if (rb_be16(&b, &htype) < 0 || rb_be16(&b, &ptype) < 0 || rb_u8(&b, &hlen) < 0 || rb_u8(&b, &plen) < 0 ||
	    rb_be16(&b, &op) < 0)
		return -1;
	if (htype != ARPHRD_ETHER || ptype != ETH_P_IP || hlen != 6 || plen != 4 ||
	    (op != ARPOP_REQUEST && op != ARPOP_REPLY))
		return -1;
	if (rb_bytes(&b, mac, 6) < 0 || rb_bytes(&b, ip, 4) < 0 || rb_skip(&b, 10) < 0)
		return -1;
	return *ip ? 0 : -1;
}

int arp_recv(const struct arp_sock *s, in4_t *ip, uint8_t mac[6])
{
	uint8_t p[256];
	struct sockaddr_ll from;
	socklen_t fl = sizeof(from);
	ssize_t n = recvfrom(s->fd, p, sizeof(p), 0, (struct sockaddr *)&from, &fl);

	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -errno;
	if (from.sll_pkttype == PACKET_OUTGOING)
		return 2;       /* our own probe, looped back */
	return arp_parse_sender(p, (size_t)n, ip, mac) == 0 ? 1 : 2;
}

void arp_close(struct arp_sock *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
}

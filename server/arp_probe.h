/* ARP probes before an address is offered (server/arp_probe.c).
 *
 * A host that took an address by hand inside the pool, or a board that
 * kept one from an older server, answers ARP for it: offering it to a
 * second board breaks both. With `arp-probe = MS` in [dhcp], netrootd asks
 * "who has A?" (an RFC 5227 probe: sender address 0.0.0.0, so nobody's
 * cache changes) before it offers a new address A, and offers another one
 * when anything but the asking client answers within MS. */
#ifndef NETROOT_SERVER_ARP_PROBE_H
#define NETROOT_SERVER_ARP_PROBE_H

#include <stddef.h>
#include <stdint.h>

#include "ipv4.h"

struct arp_sock {
	int fd;                         /* AF_PACKET, ETH_P_ARP, on one interface; -1: none */
	int ifindex;
	uint8_t mac[6];                 /* the interface's */
};

/* The socket on ifname (CAP_NET_RAW). 0, or -errno with msg filled. */
int arp_open(struct arp_sock *s, const char *ifname, char *msg, size_t msglen);

/* Broadcasts a probe for target. 0 or -errno. */
int arp_probe_send(const struct arp_sock *s, in4_t target);

/* Pure: an ARP packet (Ethernet/IPv4, request or reply, as the socket hands
 * it: no link header) whose sender claims an address. 0 with *ip and mac
 * filled, or -1 (not Ethernet/IPv4 ARP, too short, or sender 0.0.0.0: a
 * probe, which claims nothing). */
int arp_parse_sender(const uint8_t *p, size_t len, in4_t *ip, uint8_t mac[6]);

/* One waiting packet: 1 from a host claiming *ip (mac filled), 2 a packet
 * that claims nothing (our own probe looped back, another's probe, not
 * ARP/IPv4): read on; 0 when nothing is waiting; -errno on an error. */
int arp_recv(const struct arp_sock *s, in4_t *ip, uint8_t mac[6]);

void arp_close(struct arp_sock *s);

#endif

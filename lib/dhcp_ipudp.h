/* IPv4 + UDP framing of DHCP payloads (lib/dhcp_ipudp.c): pure code, no
 * sockets. */
#ifndef NETROOT_DHCP_IPUDP_H
#define NETROOT_DHCP_IPUDP_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "ipv4.h"

/* IPv4 + UDP framing for a raw (AF_PACKET, SOCK_DGRAM) socket. */
struct dhcp_ipudp {
	in4_t saddr, daddr;
	uint16_t sport, dport;
	uint8_t ttl;
};

/* Writes a 20-byte IPv4 header, the UDP header and the payload, both
 * checksums computed. Returns 0 or -ENOSPC. */
int dhcp_ipudp_build(struct wbuf *w, const struct dhcp_ipudp *h, const void *payload, size_t len);

#define DHCP_IPUDP_CSUM_PARTIAL 1u  /* the kernel says the UDP checksum is not filled in yet
                                     * (offload, TP_STATUS_CSUMNOTREADY): do not check it */

/* Check an IPv4 packet as received (len may include link padding): version
 * 4, header length, header checksum, not a fragment, UDP, UDP length within
 * the IP length, UDP checksum unless zero or flags say partial. On success
 * fills h and sets *payload to the UDP payload; ports are the caller's to
 * check. Returns 0 or -EBADMSG with *why set. */
int dhcp_ipudp_parse(const uint8_t *pkt, size_t len, unsigned flags, struct dhcp_ipudp *h,
		     struct rbuf *payload, const char **why);

/* The IPv4 header checksum / Internet checksum of n bytes with an initial
 * sum (ones' complement, RFC 1071), exposed for tests. */
uint16_t dhcp_csum(const uint8_t *p, size_t n, uint32_t sum);

#endif

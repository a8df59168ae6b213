/* The DHCP server's sockets (server/dhcpd_net.c): the seam between the
 * network and dhcpd_handle(). */
#ifndef NETROOT_SERVER_DHCPD_NET_H
#define NETROOT_SERVER_DHCPD_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "dhcp_server.h"

#define DHCPD_RCVBUF (4 << 20)  /* receive buffer of each port-67 socket */

struct dhcpd_sock {
	int fd;
	char ifname[IFNAME_LEN];
	in4_t addr, netmask;            /* the interface's, at open */
};

/* UDP port 67 on ifname only, with its address and mask (listen false: the
 * address and mask only, fd -1: DHCP is off). 0, or -errno with msg saying
 * what to check. */
int dhcpd_net_open(struct dhcpd_sock *s, const char *ifname, bool listen, char *msg, size_t msglen);
#define DHCPD_NET_BATCH 32      /* datagrams per recvmmsg / sendmmsg */

/* Up to max (<= DHCPD_NET_BATCH) waiting requests into bufs, their lengths
 * into lens: how many (0: none waiting), or -errno. */
int dhcpd_net_recv(struct dhcpd_sock *s, uint8_t (*bufs)[DHCP_PKT_MAX], size_t *lens, int max);

/* The n (<= DHCPD_NET_BATCH) replies, each where it says, in one sendmmsg
 * as far as the socket takes them: how many went, or -errno when none. */
int dhcpd_net_send(struct dhcpd_sock *s, const struct dhcpd_reply *r, int n);
void dhcpd_net_close(struct dhcpd_sock *s);

#endif

/* The DHCP client's sockets: the only place the client touches the network,
 * so unit tests replace these four functions with a fake (tests/unit/
 * test_dhcpc.c) and run the real state machine and poll loop.
 *
 * One AF_PACKET/SOCK_DGRAM socket per interface: it works before the
 * interface has an address, and sends to the Ethernet broadcast address.
 * A classic BPF filter lets only unfragmented IPv4/UDP to port 68 through;
 * dhcpc.c checks every byte again regardless. */
#ifndef NETROOT_DHCP_NET_H
#define NETROOT_DHCP_NET_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "dhcpc.h"

/* Returns a non-blocking, close-on-exec fd, or -errno. */
int dhcp_net_open(const struct dhcp_iface *ifc);

/* Send one IPv4 packet to ff:ff:ff:ff:ff:ff. 0 or -errno. */
int dhcp_net_send(int fd, const struct dhcp_iface *ifc, const uint8_t *pkt, size_t len);

/* Receive one IPv4 packet into buf. Returns its length; -EAGAIN when none
 * is queued; -EMSGSIZE when it was longer than cap (dropped); -ENOMSG for
 * one to be skipped (our own outgoing packet); another -errno on error.
 * *flags gets DHCP_IPUDP_CSUM_PARTIAL when the UDP checksum is unfinished. */
ssize_t dhcp_net_recv(int fd, uint8_t *buf, size_t cap, unsigned *flags);

void dhcp_net_close(int fd);
/* Closing a packet socket waits for an RCU grace period in the kernel
 * (packet_release -> synchronize_net), 10-20 ms: dhcp_acquire() parks its
 * sockets here, and the caller closes them once the address is applied. */
void dhcp_net_close_later(int fd);
void dhcp_net_close_parked(void);

#endif

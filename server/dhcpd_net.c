/* The DHCP server's sockets: one UDP socket on port 67 per served
 * interface (SO_BINDTODEVICE, so a broadcast reply leaves by the interface
 * the request came in on), the interface's address and mask, and sending
 * a reply where dhcpd_handle() said. */
#include "dhcpd_net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dhcp_msg.h"
#include "text.h"

static int if_in4(int fd, const char *ifname, unsigned long req, in4_t *out)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	text_copy(ifr.ifr_name, sizeof(ifr.ifr_name), ifname);
	ifr.ifr_addr.sa_family = AF_INET;
	if (ioctl(fd, req, &ifr) != 0)
		return -errno;
	*out = ((struct sockaddr_in *)(void *)&ifr.ifr_addr)->sin_addr.s_addr;
	return 0;
}

int dhcpd_net_open(struct dhcpd_sock *s, const char *ifname, char *msg, size_t msglen)
{
	struct sockaddr_in a;
	int one = 1, r;

	memset(s, 0, sizeof(*s));
	text_copy(s->ifname, sizeof(s->ifname), ifname);
	s->fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (s->fd < 0) {
		snprintf(msg, msglen, "socket: %s", strerror(errno));
		return -errno;
	}
	if ((r = if_in4(s->fd, ifname, SIOCGIFADDR, &s->addr)) < 0 ||
	    (r = if_in4(s->fd, ifname, SIOCGIFNETMASK, &s->netmask)) < 0) {
		snprintf(msg, msglen, "interface %s has no IPv4 address (%s): give it one, or take it out of "
			 "[netrootd] interface", ifname, strerror(-r));
		close(s->fd);
		s->fd = -1;
		return r;
	}
	if (setsockopt(s->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
	    setsockopt(s->fd, SOL_SOCKET, SO_BROADCAST, &one, sizeof(one)) != 0 ||
	    setsockopt(s->fd, SOL_SOCKET, SO_BINDTODEVICE, ifname, (socklen_t)strlen(ifname) + 1) != 0) {
		r = -errno;
		snprintf(msg, msglen, "cannot bind to interface %s: %s (netrootd needs CAP_NET_RAW for that)", ifname,
			 strerror(-r));
		close(s->fd);
		s->fd = -1;
		return r;
	}
	/* Room for a burst: a rack powering on sends hundreds of DISCOVERs
	 * within milliseconds, more than the default ~200 KiB holds. */
	{
		int sz = DHCPD_RCVBUF;

		if (setsockopt(s->fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)) != 0)
			setsockopt(s->fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	}
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons(DHCP_SERVER_PORT);
	if (bind(s->fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
		r = -errno;
		snprintf(msg, msglen, "cannot bind UDP port 67 on %s: %s (another DHCP server running? netrootd needs "
			 "CAP_NET_BIND_SERVICE)", ifname, strerror(-r));
		close(s->fd);
		s->fd = -1;
		return r;
	}
	return 0;
}

int dhcpd_net_send(struct dhcpd_sock *s, const struct dhcpd_reply *r)
{
	struct sockaddr_in a;

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = r->dst;
	a.sin_port = htons(r->dport);
	if (sendto(s->fd, r->msg, r->len, 0, (struct sockaddr *)&a, sizeof(a)) < 0)
		return -errno;
	return 0;
}

void dhcpd_net_close(struct dhcpd_sock *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
}

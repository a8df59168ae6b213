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

int dhcpd_net_open(struct dhcpd_sock *s, const char *ifname, bool listen, char *msg, size_t msglen)
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
	if (!listen) {          /* DHCP off: the interface's address is all we wanted */
		close(s->fd);
		s->fd = -1;
		return 0;
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

int dhcpd_net_recv(struct dhcpd_sock *s, uint8_t (*bufs)[DHCP_PKT_MAX], size_t *lens, int max)
{
	struct mmsghdr m[DHCPD_NET_BATCH];
	struct iovec iov[DHCPD_NET_BATCH];
	int n;

	if (max > DHCPD_NET_BATCH)
		max = DHCPD_NET_BATCH;
	memset(m, 0, sizeof(m));
	for (int k = 0; k < max; k++) {
		iov[k].iov_base = bufs[k];
		iov[k].iov_len = DHCP_PKT_MAX;
		m[k].msg_hdr.msg_iov = &iov[k];
		m[k].msg_hdr.msg_iovlen = 1;
	}
	n = recvmmsg(s->fd, m, (unsigned)max, MSG_DONTWAIT, NULL);
	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -errno;
	for (int k = 0; k < n; k++)
		lens[k] = m[k].msg_len;
	return n;
}

int dhcpd_net_send(struct dhcpd_sock *s, const struct dhcpd_reply *r, int n)
{
	struct mmsghdr m[DHCPD_NET_BATCH];
	struct iovec iov[DHCPD_NET_BATCH];
	struct sockaddr_in to[DHCPD_NET_BATCH];
	int done = 0;

	if (n > DHCPD_NET_BATCH)
		n = DHCPD_NET_BATCH;
	memset(m, 0, sizeof(m));
	memset(to, 0, sizeof(to));
	for (int k = 0; k < n; k++) {
		to[k].sin_family = AF_INET;
		to[k].sin_addr.s_addr = r[k].dst;
		to[k].sin_port = htons(r[k].dport);
		iov[k].iov_base = (void *)(uintptr_t)r[k].msg;
		iov[k].iov_len = r[k].len;
		m[k].msg_hdr.msg_name = &to[k];
		m[k].msg_hdr.msg_namelen = sizeof(to[k]);
		m[k].msg_hdr.msg_iov = &iov[k];
		m[k].msg_hdr.msg_iovlen = 1;
	}
	while (done < n) {
		int sent = sendmmsg(s->fd, m + done, (unsigned)(n - done), 0);

		if (sent <= 0)
			return done > 0 ? done : -errno;
		done += sent;
	}
	return done;
}

void dhcpd_net_close(struct dhcpd_sock *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
}

/* The DHCP client's packet sockets: see dhcp_net.h. */
#include "dhcp_net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <linux/filter.h>
#include <linux/if_ether.h>
/* The UAPI byte-order helpers it pulls in cast away const; musl's
 * <netpacket/packet.h> lacks tpacket_auxdata, so take the kernel's. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wcast-qual"
#include <linux/if_packet.h>
#pragma GCC diagnostic pop

#include "dhcp_ipudp.h"
#include "dhcp_msg.h"

/* Classic BPF over what a SOCK_DGRAM packet socket sees: the IPv4 header at
 * offset 0. Keeps unfragmented IPv4/UDP to port 68 carrying a BOOTREPLY, so
 * the other traffic of a busy segment never wakes the boot up. Loads past
 * the end of a short packet make the kernel drop it. */
static const struct sock_filter dhcp_filter[] = {
	BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 0),                  /* A = version | IHL */
	BPF_STMT(BPF_ALU | BPF_AND | BPF_K, 0xf0),
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x40, 0, 10),       /* IPv4, else drop */
	BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 9),                  /* A = protocol */
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 17, 0, 8),          /* UDP, else drop */
	BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 6),                  /* A = flags | fragment offset */
	BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 0x3fff, 6, 0),     /* MF or an offset: drop */
	BPF_STMT(BPF_LDX | BPF_B | BPF_MSH, 0),                 /* X = IHL * 4 */
	BPF_STMT(BPF_LD | BPF_H | BPF_IND, 2),                  /* A = UDP destination port */
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, DHCP_CLIENT_PORT, 0, 3),
	BPF_STMT(BPF_LD | BPF_B | BPF_IND, 8),                  /* A = BOOTP op */
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, BOOTREPLY, 0, 1),
	BPF_STMT(BPF_RET | BPF_K, 0xffff),                      /* accept the whole packet */
	BPF_STMT(BPF_RET | BPF_K, 0),                           /* drop */
};

#define FILTER_LEN (sizeof(dhcp_filter) / sizeof(dhcp_filter[0]))

int dhcp_net_open(const struct dhcp_iface *ifc)
{
	struct sock_filter code[FILTER_LEN];
	struct sock_fprog prog = { FILTER_LEN, code };
	struct sockaddr_ll sll;
	int fd, one = 1, r;

	memcpy(code, dhcp_filter, sizeof(code));    /* sock_fprog wants a mutable pointer */
	/* Protocol 0: the socket receives nothing until bind(), so no packet
	 * can be queued before the filter is in place. */
	fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog)) < 0)
		goto out_close_fd;
	/* Tells us when a checksum is left to offload (virtio, veth). */
	if (setsockopt(fd, SOL_PACKET, PACKET_AUXDATA, &one, sizeof(one)) < 0)
		goto out_close_fd;
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_IP);
	sll.sll_ifindex = ifc->ifindex;
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0)
		goto out_close_fd;
	return fd;

out_close_fd:
	r = -errno;
	close(fd);
	return r;
}

int dhcp_net_send(int fd, const struct dhcp_iface *ifc, const uint8_t *pkt, size_t len)
{
	struct sockaddr_ll sll;
	ssize_t n;

	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_IP);
	sll.sll_ifindex = ifc->ifindex;
	sll.sll_halen = 6;
	memset(sll.sll_addr, 0xff, 6);
	do
		n = sendto(fd, pkt, len, 0, (struct sockaddr *)&sll, sizeof(sll));
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EIO;
}

ssize_t dhcp_net_recv(int fd, uint8_t *buf, size_t cap, unsigned *flags)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(struct tpacket_auxdata))];
	} ctl;
	struct sockaddr_ll from;
	struct iovec iov = { buf, cap };
	struct msghdr mh;
	struct cmsghdr *cm;
	ssize_t n;

	memset(&mh, 0, sizeof(mh));
	mh.msg_name = &from;
	mh.msg_namelen = sizeof(from);
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = &ctl;
	mh.msg_controllen = sizeof(ctl);
	*flags = 0;
	/* MSG_TRUNC: a packet socket then returns the real length, so an
	 * oversized packet is recognised and dropped, never half-parsed. */
	n = recvmsg(fd, &mh, MSG_TRUNC);
	if (n < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	if ((size_t)n > cap || (mh.msg_flags & MSG_TRUNC))
		return -EMSGSIZE;
	if (from.sll_pkttype == PACKET_OUTGOING)
		return -ENOMSG;
	for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
		struct tpacket_auxdata aux;

		if (cm->cmsg_level != SOL_PACKET || cm->cmsg_type != PACKET_AUXDATA ||
		    cm->cmsg_len < CMSG_LEN(sizeof(aux)))
			continue;
		memcpy(&aux, CMSG_DATA(cm), sizeof(aux));
		if (aux.tp_status & TP_STATUS_CSUMNOTREADY)
			*flags |= DHCP_IPUDP_CSUM_PARTIAL;
	}
	return n;
}

void dhcp_net_close(int fd)
{
	if (fd >= 0)
		close(fd);
}

static int parked[DHCP_MAX_IFACES];
static int nparked;

void dhcp_net_close_later(int fd)
{
	if (fd < 0)
		return;
	if (nparked < DHCP_MAX_IFACES)
		parked[nparked++] = fd;
	else
		close(fd);
}

/* The kernel frees a packet socket on its last close, and that is the slow
 * part. A child takes a reference, the parent drops its own at once, and the
 * child makes the last close off our critical path. The pipe makes sure the
 * parent's close comes first; the child is not waited for (PID 1's strays
 * are reaped by the real init). */
void dhcp_net_close_parked(void)
{
	int go[2];
	pid_t pid;
	char c;

	if (nparked == 0)
		return;
	if (pipe2(go, O_CLOEXEC) == 0) {
		pid = fork();
		if (pid == 0) {
			close(go[1]);
			while (read(go[0], &c, 1) < 0 && errno == EINTR)
				;
			while (nparked > 0)
				close(parked[--nparked]);
			_exit(0);
		}
		close(go[0]);
		while (nparked > 0)
			close(parked[--nparked]);   /* not the last reference when the fork worked */
		close(go[1]);
		return;
	}
	while (nparked > 0)
		close(parked[--nparked]);
}

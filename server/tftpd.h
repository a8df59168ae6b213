/* netrootd's TFTP server (server/tftpd.c): read requests on port 69 of each
 * served interface, one transfer per client, all in netrootd's one loop.
 *
 * The decisions are the pure modules': the packet codec (tftp_proto.c),
 * which file a name means (tftp_path.c), each transfer's state machine
 * (tftp_xfer.c), the shared reads (tftp_file.c). This file is their socket
 * seam: it receives, asks them, and sends — a window of blocks in one
 * sendmmsg, each block's bytes straight from the shared cache (no copy, no
 * syscall per block beyond the send and the receive of its ACK).
 *
 * Each transfer gets its own socket (its port is the server's transfer ID,
 * RFC 1350); a packet on it from another address or port is answered with
 * ERROR 5 and changes nothing. With single-port = yes every reply leaves
 * from port 69 and transfers are told apart by the client's address and
 * port (for firewalls and NAT, like dnsmasq's --tftp-single-port). */
#ifndef NETROOT_SERVER_TFTPD_H
#define NETROOT_SERVER_TFTPD_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

#include "conf.h"
#include "tftp_file.h"
#include "tftp_proto.h"
#include "tftp_recv.h"
#include "tftp_xfer.h"

#define TFTPD_EV_LISTEN 0x200u          /* epoll data: listen socket i = 0x200 + i */
#define TFTPD_EV_SESS   0x10000u        /* transfer k = 0x10000 + k */

struct tftpd_listen {
	int fd;
	char ifname[IFNAME_LEN];
	in4_t addr;
};

struct tftp_sess {
	bool used;
	uint32_t apos;                  /* its place in tftpd.act while used */
	int fd;                         /* its own socket; single-port: the listen socket's (not owned) */
	int listen;                     /* the listen socket it came in on */
	struct sockaddr_in peer;
	struct tftp_xfer x;
	struct tftp_file *f;
	/* a write (write = yes): received into tmp in dirfd, renamed to base
	 * once complete; never replaces a file */
	bool wrq;
	struct tftp_recv rv;
	int dirfd, wfd;
	char tmp[40];
	char base[TFTP_NAME_MAX + 1];
	uint8_t oack[128];
	size_t oacklen;
	int64_t t0_ms;
	int64_t sent_us;                /* when the last window went out */
	int64_t rtt_us;                 /* from a window to its ACK, averaged (0: none yet) */
	char who[24];                   /* "10.77.0.100:3456" */
	char name[TFTP_NAME_MAX + 80];  /* what is served, for the log */
	char asked[TFTP_NAME_MAX + 1];  /* the name the client asked for */
};

struct tftpd {
	const struct tftp_conf *conf;
	int rootfd;
	int epfd;                       /* the loop's: transfers' sockets join it */
	struct tftpd_listen ls[NRD_MAX_IFACES];
	int nls;
	struct tftp_sess *s;
	uint32_t nmax, nactive;
	uint32_t *act;                  /* the transfers in use: nactive indices into s */
	uint32_t *freel;                /* the free slots: nfree indices, a stack */
	uint32_t nfree;
	struct tftp_cache cache;
	/* unique-root = mac: the client's MAC from its IPv4 address (the
	 * loop's lease table, else the kernel's neighbour table); 0 or -1. */
	int (*mac_of)(void *ctx, in4_t ip, uint8_t mac[6]);
	void *ctx;
	/* the boards (the loop's, replaced on a reload): a board's own boot
	 * files (boot-files =) are looked up before the tree */
	const struct nrd_client *clients;
	int nclients;
	/* told of every read transfer's end (the fleet view): the client's
	 * address, the name asked for, bytes sent, how long it took, whether
	 * it completed; NULL: nobody listens */
	void (*on_done)(void *ctx, in4_t ip, const char *name, uint64_t bytes, int64_t ms, bool ok);
	uint64_t nreq, ndone, nended, nfailed, nrefused, nbusy, nbadtid, nwritten;
};

/* Opens the root and port 69 on each interface (name, address). 0, or
 * -errno with msg saying what to check. */
int tftpd_open(struct tftpd *t, const struct tftp_conf *c, const char (*ifnames)[IFNAME_LEN], const in4_t *addrs,
	       int n, int epfd, char *msg, size_t msglen);

/* Work for listen socket i / transfer k; deadlines. */
void tftpd_on_listen(struct tftpd *t, int i, int64_t now_ms);
void tftpd_on_session(struct tftpd *t, uint32_t k, int64_t now_ms);
void tftpd_on_time(struct tftpd *t, int64_t now_ms);
int64_t tftpd_next_deadline(const struct tftpd *t);     /* INT64_MAX: none */

/* The only transfer has a client that answers fast, and its ACK is due
 * within TFTPD_SPIN_US: the loop should poll (epoll_wait with timeout 0)
 * rather than sleep. On a fast link the wake-up from a sleeping epoll_wait
 * is a good part of a lock-step block's round trip; a real Pi (0.3-1.5 ms a
 * block) is never waited for awake, nor is anything while two transfers or
 * more run. Polling the loop's epoll (not one socket) keeps every other
 * socket served meanwhile. */
bool tftpd_wants_spin(const struct tftpd *t);

void tftpd_close(struct tftpd *t);

#endif

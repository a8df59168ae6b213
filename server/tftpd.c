#include "tftpd.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "text.h"
#include "tftp_board.h"
#include "tftp_path.h"

#define WINDOW_MAX 64                   /* blocks in one sendmmsg (max-window's bound) */
#define RCVBUF (1 << 20)
#ifndef TFTPD_SPIN_US
#define TFTPD_SPIN_US 200               /* how long a lone transfer waits for its ACK awake */
#endif

static int64_t mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int udp_socket(in4_t addr, uint16_t port, const char *ifname)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = addr };
	int one = 1, rcv = RCVBUF;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
	if ((ifname && (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
			setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, ifname, (socklen_t)strlen(ifname) + 1) != 0)) ||
	    bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
		int e = -errno;

		close(fd);
		return e;
	}
	return fd;
}

int tftpd_open(struct tftpd *t, const struct tftp_conf *c, const char (*ifnames)[IFNAME_LEN], const in4_t *addrs,
	       int n, int epfd, char *msg, size_t msglen)
{
	memset(t, 0, sizeof(*t));
	t->conf = c;
	t->epfd = epfd;
	t->rootfd = open(c->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (t->rootfd < 0) {
		snprintf(msg, msglen, "[tftp] root = %s: %s (create it, or remove [tftp] root)", c->root, strerror(errno));
		return -errno;
	}
	t->nmax = c->max_sessions;
	t->s = calloc(t->nmax, sizeof(*t->s));
	t->act = calloc(t->nmax, sizeof(*t->act));
	t->freel = calloc(t->nmax, sizeof(*t->freel));
	for (uint32_t i = 0; t->freel && i < t->nmax; i++)
		t->freel[t->nfree++] = t->nmax - 1 - i;
	if (!t->s || !t->act || !t->freel) {
		snprintf(msg, msglen, "TFTP: no memory for %u transfers", t->nmax);
		return -ENOMEM;
	}
	for (int i = 0; i < n; i++) {
		int fd = udp_socket(0, 69, ifnames[i]);

		if (fd < 0) {
			snprintf(msg, msglen, "TFTP: cannot bind port 69 on %s: %s (another TFTP server running? netrootd "
				 "needs CAP_NET_BIND_SERVICE)", ifnames[i], strerror(-fd));
			return fd;
		}
		t->ls[i].fd = fd;
		text_copy(t->ls[i].ifname, sizeof(t->ls[i].ifname), ifnames[i]);
		t->ls[i].addr = addrs[i];
		t->nls++;
	}
	return 0;
}

static void send_error(int fd, const struct sockaddr_in *to, uint16_t code, const char *msg)
{
	uint8_t p[160];
	size_t n = tftp_build_error(p, sizeof(p), code, msg);

	if (n)
		sendto(fd, p, n, 0, (const struct sockaddr *)to, sizeof(*to));
}

/* ACK n of a write, or its OACK while that is what the client waits for. */
static void send_ack(struct tftp_sess *s, uint16_t n)
{
	uint8_t p[4];

	if (s->rv.oack && n == 0 && s->oacklen)
		sendto(s->fd, s->oack, s->oacklen, 0, (struct sockaddr *)&s->peer, sizeof(s->peer));
	else if (tftp_build_ack(p, sizeof(p), n))
		sendto(s->fd, p, 4, 0, (struct sockaddr *)&s->peer, sizeof(s->peer));
}

static void who(char *out, size_t n, const struct sockaddr_in *a)
{
	char ip[IN4_STRLEN];

	snprintf(out, n, "%s:%u", in4_str(a->sin_addr.s_addr, ip), ntohs(a->sin_port));
}

/* ---- ending a transfer ----------------------------------------------------- */

static void finish(struct tftpd *t, struct tftp_sess *s, int64_t now_ms, enum log_level lvl, const char *how)
{
	uint64_t bytes = s->x.base > 1 ? (uint64_t)(s->x.base - 1) * s->x.blksize : 0;
	double secs = (double)(now_ms - s->t0_ms) / 1000.0;

	if (bytes > s->x.size)
		bytes = s->x.size;
	if (s->wrq) {
		/* a write not completed leaves nothing behind */
		close(s->wfd);
		if (s->tmp[0])
			unlinkat(s->dirfd, s->tmp, 0);
		close(s->dirfd);
		log_msg(lvl, "TFTP %s %s: %s, %llu bytes in %.2f s (blksize %u)", s->who, s->name, how,
			(unsigned long long)s->rv.bytes, secs, s->rv.blksize);
		s->wrq = false;
		goto out;
	}
	log_msg(lvl, "TFTP %s %s: %s, %llu of %llu bytes in %.2f s (%.1f MB/s; blksize %u, window %u, %u blocks "
		"resent)", s->who, s->name, how, (unsigned long long)bytes, (unsigned long long)s->x.size, secs,
		secs > 0 ? (double)bytes / secs / 1e6 : 0.0, s->x.blksize, s->x.window, s->x.resent);
	if (t->on_done)
		t->on_done(t->ctx, s->peer.sin_addr.s_addr, s->asked, bytes, now_ms - s->t0_ms, !strcmp(how, "sent"));
	tftp_file_put(&t->cache, s->f);
out:
	if (s->fd >= 0 && !t->conf->single_port) {
		epoll_ctl(t->epfd, EPOLL_CTL_DEL, s->fd, NULL);
		close(s->fd);
	}
	s->used = false;
	s->f = NULL;
	/* out of the active list (the last takes its place), onto the free stack */
	t->act[s->apos] = t->act[--t->nactive];
	t->s[t->act[s->apos]].apos = s->apos;
	t->freel[t->nfree++] = (uint32_t)(s - t->s);
}

/* ---- sending --------------------------------------------------------------- */

/* What the state machine asked for. false when the transfer ended here. */
static bool transmit(struct tftpd *t, struct tftp_sess *s, const struct tftp_send *w, int64_t now_ms)
{
	static uint8_t hdr[WINDOW_MAX][4];
	static struct iovec iov[WINDOW_MAX][3];
	static struct mmsghdr mm[WINDOW_MAX];
	uint32_t n = w->count < WINDOW_MAX ? w->count : WINDOW_MAX;
	int sent;

	if (w->oack) {
		sendto(s->fd, s->oack, s->oacklen, 0, (struct sockaddr *)&s->peer, sizeof(s->peer));
		return true;
	}
	for (uint32_t k = 0; k < n; k++) {
		uint32_t b = w->first + k, len = tftp_block_len(&s->x, b);
		int nseg = tftp_file_bytes(&t->cache, s->f, tftp_block_off(&s->x, b), len, &iov[k][1]);

		if (nseg < 0) {
			tftp_cache_unpin(&t->cache);
			send_error(s->fd, &s->peer, TFTP_EUNDEF, "the file changed while being sent");
			finish(t, s, now_ms, NR_LOG_WARN, nseg == -EIO ? "ended: the file shrank while being sent" :
			       "ended: cannot read the file");
			return false;
		}
		hdr[k][0] = 0;
		hdr[k][1] = TFTP_DATA;
		hdr[k][2] = (uint8_t)(b >> 8);
		hdr[k][3] = (uint8_t)b;
		iov[k][0].iov_base = hdr[k];
		iov[k][0].iov_len = 4;
		memset(&mm[k], 0, sizeof(mm[k]));
		mm[k].msg_hdr.msg_name = &s->peer;
		mm[k].msg_hdr.msg_namelen = sizeof(s->peer);
		mm[k].msg_hdr.msg_iov = iov[k];
		mm[k].msg_hdr.msg_iovlen = 1 + (size_t)nseg;
	}
	s->sent_us = mono_us();
	for (uint32_t done = 0; done < n; done += (uint32_t)sent) {
		sent = sendmmsg(s->fd, mm + done, n - done, 0);
		if (sent <= 0)
			break;  /* a full socket buffer: the timeout resends */
	}
	tftp_cache_unpin(&t->cache);
	return true;
}

static void step(struct tftpd *t, struct tftp_sess *s, enum tftp_step st, const struct tftp_send *w, int64_t now_ms)
{
	switch (st) {
	case TFTP_STEP_NONE:
		return;
	case TFTP_STEP_SEND:
		transmit(t, s, w, now_ms);
		return;
	case TFTP_STEP_DONE:
		t->ndone++;
		finish(t, s, now_ms, NR_LOG_INFO, "sent");
		return;
	case TFTP_STEP_FAIL:
		t->nfailed++;
		finish(t, s, now_ms, NR_LOG_WARN, "no answer to the last window after every resend: given up");
		return;
	}
}

/* ---- a new request ------------------------------------------------------------ */

/* name among the requesting board's own boot files (tftp_board.h): 0 with
 * *fd or *fat, -ENOENT (not a board's: the tree next), or a TFTP error
 * code with why. */
static int board_open(struct tftpd *t, in4_t ip, const char *name, int *fd, struct stat *st, struct tftp_fatsrc **fat,
		      char *served, size_t servedlen, char *why, size_t whylen)
{
	const struct nrd_client *b;
	const char *rest;
	uint8_t m[6];
	bool refused, have = t->mac_of && t->mac_of(t->ctx, ip, m) == 0;
	int code;

	if (!t->nclients)
		return -ENOENT;
	b = tftp_board_find(t->clients, t->nclients, name, have ? m : NULL, &rest, &refused);
	if (refused) {
		snprintf(why, whylen, "refused: the name's first directory is another board's serial or MAC "
			 "(a board reads only its own boot files)");
		return TFTP_EACCESS;
	}
	if (!b)
		return -ENOENT;
	code = tftp_board_open(b, rest, fd, st, fat, why, whylen);
	if (code == 0) {
		if (*fat)
			st->st_size = (off_t)(*fat)->ff.size;
		snprintf(served, servedlen, "%s:%s/%s", b->name, *fat ? "image" : "boot", rest);
	}
	return code;
}

/* The slot a new transfer would take (take_slot takes it). */
static struct tftp_sess *free_slot(struct tftpd *t)
{
	return t->nfree ? &t->s[t->freel[t->nfree - 1]] : NULL;
}

/* The directory key for unique-root: "dc-a6-32-01-36-c2" or "10.77.0.100". */
static void client_key(struct tftpd *t, in4_t ip, char *key, size_t n)
{
	uint8_t m[6];

	key[0] = '\0';
	if (t->conf->unique_root == TFTP_UR_IP)
		in4_str(ip, key);
	else if (t->conf->unique_root == TFTP_UR_MAC && t->mac_of && t->mac_of(t->ctx, ip, m) == 0)
		snprintf(key, n, "%02x-%02x-%02x-%02x-%02x-%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

static void refuse(struct tftpd *t, int fd, const struct sockaddr_in *from, const char *name, int code,
		   const char *why)
{
	char w[24], esc[300];

	t->nrefused++;
	who(w, sizeof(w), from);
	text_escape(esc, sizeof(esc), name, strlen(name));
	log_warn("TFTP %s \"%s\": %s (error %d)", w, esc, why, code);
	send_error(fd, from, (uint16_t)code, why);
}

/* The transfer's socket (its TID) in the loop, the slot taken. 0 or -1. */
static int take_slot(struct tftpd *t, int li, struct tftp_sess *s, const struct sockaddr_in *from, int64_t now_ms)
{
	int lfd = t->ls[li].fd;

	s->fd = t->conf->single_port ? lfd : udp_socket(t->ls[li].addr, 0, NULL);
	if (s->fd < 0)
		return -1;
	if (!t->conf->single_port) {
		struct epoll_event ev = { .events = EPOLLIN, .data.u32 = TFTPD_EV_SESS + (uint32_t)(s - t->s) };

		epoll_ctl(t->epfd, EPOLL_CTL_ADD, s->fd, &ev);
	}
	s->used = true;
	t->nfree--;                     /* s is the top of the free stack (free_slot) */
	s->apos = t->nactive;
	t->act[t->nactive++] = (uint32_t)(s - t->s);
	s->listen = li;
	s->peer = *from;
	s->t0_ms = now_ms;
	who(s->who, sizeof(s->who), from);
	return 0;
}

/* A write request (write = yes): a new file only, beneath the tree by the
 * reading rule, received into a temporary name and renamed when complete,
 * so a partial upload never shows. */
static void write_request(struct tftpd *t, int li, struct tftp_sess *s, const struct tftp_req *r,
			  const struct sockaddr_in *from, int64_t now_ms)
{
	static unsigned seq;
	struct tftp_agreed a;
	uint64_t max = (uint64_t)t->conf->max_write_mib << 20;
	char why[128];
	int code, lfd = t->ls[li].fd;

	memset(s, 0, sizeof(*s));
	if (r->has_tsize && r->tsize > max) {
		refuse(t, lfd, from, r->name, TFTP_EDISKFULL, "file larger than max-write-mib");
		return;
	}
	code = tftp_create_dir(t->rootfd, r->name, &s->dirfd, s->base, sizeof(s->base), why, sizeof(why));
	if (code) {
		refuse(t, lfd, from, r->name, code, why);
		return;
	}
	snprintf(s->tmp, sizeof(s->tmp), ".tftp-upload.%d.%u", (int)getpid(), seq++);
	s->wfd = openat(s->dirfd, s->tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (s->wfd < 0 || take_slot(t, li, s, from, now_ms) < 0) {
		snprintf(why, sizeof(why), "cannot create the file: %s", strerror(errno));
		if (s->wfd >= 0) {
			close(s->wfd);
			unlinkat(s->dirfd, s->tmp, 0);
		}
		close(s->dirfd);
		refuse(t, lfd, from, r->name, TFTP_EACCESS, why);
		return;
	}
	s->wrq = true;
	text_copy(s->name, sizeof(s->name), r->name);
	memset(&a, 0, sizeof(a));
	a.blksize = r->has_blksize;
	a.blksize_v = r->blksize > t->conf->max_blksize ? t->conf->max_blksize : r->blksize;
	a.tsize = r->has_tsize;
	a.tsize_v = r->tsize;
	a.timeout = r->has_timeout;
	a.timeout_v = r->timeout;       /* no windowsize on a write: lock-step */
	s->oacklen = a.blksize || a.tsize || a.timeout ? tftp_build_oack(s->oack, sizeof(s->oack), &a) : 0;
	tftp_recv_start(&s->rv, a.blksize ? a.blksize_v : TFTP_BLKSIZE_DEF, max,
			r->has_timeout ? r->timeout * 1000 : t->conf->retransmit_ms, t->conf->retries, s->oacklen > 0,
			now_ms);
	send_ack(s, 0);
}

static void request(struct tftpd *t, int li, const uint8_t *p, size_t len, const struct sockaddr_in *from,
		    int64_t now_ms)
{
	static struct tftp_req r;
	struct tftp_agreed a;
	struct tftp_sess *s;
	struct tftp_send w;
	struct stat st;
	struct tftp_fatsrc *fat = NULL;
	char key[24], why[192];
	int code, fd, lfd = t->ls[li].fd;
	uint32_t timeout_ms = t->conf->retransmit_ms;

	t->nreq++;
	code = tftp_parse_req(p, len, &r);
	if (code) {
		refuse(t, lfd, from, r.name, code, r.why);
		return;
	}
	if (r.op == TFTP_WRQ && !t->conf->write) {
		refuse(t, lfd, from, r.name, TFTP_EACCESS, "writes are not accepted by this server ([tftp] write = no)");
		return;
	}
	if (r.netascii && r.op == TFTP_WRQ) {
		refuse(t, lfd, from, r.name, TFTP_EBADOP, "netascii writes are not accepted: send in octet (binary)");
		return;
	}
	s = free_slot(t);
	if (!s) {
		t->nbusy++;
		refuse(t, lfd, from, r.name, TFTP_EUNDEF, "server busy: every transfer slot in use (max-sessions)");
		return;
	}
	if (r.op == TFTP_WRQ) {
		write_request(t, li, s, &r, from, now_ms);
		return;
	}
	client_key(t, from->sin_addr.s_addr, key, sizeof(key));
	memset(s, 0, sizeof(*s));
	/* a board's own boot files first (its disk's FAT, its boot directory) */
	code = board_open(t, from->sin_addr.s_addr, r.name, &fd, &st, &fat, s->name, sizeof(s->name), why, sizeof(why));
	if (code == -ENOENT)
		code = tftp_open(t->rootfd, r.name, key, t->conf->fallback, &fd, &st, s->name, sizeof(s->name), why,
				 sizeof(why));
	if (code) {
		refuse(t, lfd, from, r.name, code, why);
		return;
	}
	text_copy(s->asked, sizeof(s->asked), r.name);
	/* Agree: what the client asked, within our bounds (RFC 2347-2349, 7440). */
	memset(&a, 0, sizeof(a));
	a.blksize = r.has_blksize;
	a.blksize_v = r.blksize > t->conf->max_blksize ? t->conf->max_blksize : r.blksize;
	a.tsize = r.has_tsize;
	a.tsize_v = (uint64_t)st.st_size;
	a.timeout = r.has_timeout;
	a.timeout_v = r.timeout;
	a.window = r.has_window;
	a.window_v = r.window > t->conf->max_window ? t->conf->max_window : r.window;
	if (r.has_timeout)
		timeout_ms = r.timeout * 1000;
	if ((uint64_t)st.st_size / (a.blksize ? a.blksize_v : TFTP_BLKSIZE_DEF) >= UINT32_MAX - WINDOW_MAX) {
		close(fd);
		refuse(t, lfd, from, r.name, TFTP_EUNDEF, "file too large for this block size");
		return;
	}
	if (fat) {
		int err = 0;

		s->f = tftp_file_fat(&t->cache, fat, r.netascii, &err);
		if (!s->f) {
			refuse(t, lfd, from, r.name, TFTP_EUNDEF, err == -EFBIG ? "netascii transfers are for files up to "
			       "4 MiB: ask for octet (binary)" : err == -EUCLEAN ? "the board's boot partition is damaged "
			       "(a broken cluster chain)" : "cannot read the file");
			return;
		}
		st.st_size = (off_t)s->f->size;
		a.tsize_v = s->f->size;
	} else if (r.netascii) {
		int err;

		/* converted whole, its own entry; tsize is the converted size */
		s->f = tftp_file_netascii(&t->cache, fd, &st, &err);
		if (!s->f) {
			refuse(t, lfd, from, r.name, TFTP_EUNDEF, err == -EFBIG ? "netascii transfers are for files up "
			       "to 4 MiB: ask for octet (binary)" : "cannot read the file");
			return;
		}
		st.st_size = (off_t)s->f->size;
		a.tsize_v = s->f->size;
	} else {
		s->f = tftp_file_get(&t->cache, fd, &st);
	}
	if (!s->f) {
		refuse(t, lfd, from, r.name, TFTP_EUNDEF, "out of memory");
		return;
	}
	if (take_slot(t, li, s, from, now_ms) < 0) {
		tftp_file_put(&t->cache, s->f);
		refuse(t, lfd, from, r.name, TFTP_EUNDEF, "cannot open a socket for the transfer");
		return;
	}
	s->oacklen = a.blksize || a.tsize || a.timeout || a.window ? tftp_build_oack(s->oack, sizeof(s->oack), &a) : 0;
	step(t, s, tftp_xfer_start(&s->x, (uint64_t)st.st_size, a.blksize ? a.blksize_v : TFTP_BLKSIZE_DEF,
				    a.window ? a.window_v : 1, timeout_ms, t->conf->retries, s->oacklen > 0, now_ms, &w),
	     &w, now_ms);
}

/* ---- packets of a transfer ------------------------------------------------------- */

/* DATA of a write. */
static void write_packet(struct tftpd *t, struct tftp_sess *s, const uint8_t *p, size_t len, int64_t now_ms)
{
	const uint8_t *data;
	size_t dlen;
	uint16_t blk, ack, code;
	uint64_t off;
	char msg[64], how[128];
	enum tftp_rstep st;

	if (tftp_parse_data(p, len, &blk, &data, &dlen) < 0) {
		if (tftp_parse_ack(p, len, &blk, &code, msg, sizeof(msg)) == 1) {
			snprintf(how, sizeof(how), "ended by the client (error %u: %s): nothing kept", code, msg);
			t->nended++;
			finish(t, s, now_ms, NR_LOG_INFO, how);
		}
		return;
	}
	st = tftp_recv_data(&s->rv, blk, (uint32_t)dlen, now_ms, &ack, &off);
	switch (st) {
	case TFTP_R_WRITE:
	case TFTP_R_LAST:
		if (pwrite(s->wfd, data, dlen, (off_t)off) != (ssize_t)dlen) {
			snprintf(how, sizeof(how), "cannot write: %s; nothing kept", strerror(errno));
			send_error(s->fd, &s->peer, TFTP_EDISKFULL, "cannot write the file");
			t->nfailed++;
			finish(t, s, now_ms, NR_LOG_WARN, how);
			return;
		}
		if (st == TFTP_R_LAST) {
			/* durable, then visible under its name, never over another */
			if (fdatasync(s->wfd) != 0 ||
			    syscall(SYS_renameat2, s->dirfd, s->tmp, s->dirfd, s->base, 1 /* RENAME_NOREPLACE */) != 0) {
				bool exists = errno == EEXIST;

				send_error(s->fd, &s->peer, exists ? TFTP_EEXISTS : TFTP_EDISKFULL,
					   exists ? "the file appeared meanwhile" : "cannot store the file");
				t->nfailed++;
				finish(t, s, now_ms, NR_LOG_WARN, exists ? "the file appeared meanwhile: nothing kept" :
				       "cannot store the file: nothing kept");
				return;
			}
			s->tmp[0] = '\0';
			send_ack(s, ack);
			t->nwritten++;
			finish(t, s, now_ms, NR_LOG_INFO, "received");
			return;
		}
		send_ack(s, ack);
		return;
	case TFTP_R_REACK:
		send_ack(s, ack);
		return;
	case TFTP_R_TOOBIG:
		send_error(s->fd, &s->peer, TFTP_EDISKFULL, "file larger than the server accepts");
		t->nfailed++;
		finish(t, s, now_ms, NR_LOG_WARN, "past max-write-mib: nothing kept");
		return;
	default:
		return;
	}
}

static void packet(struct tftpd *t, struct tftp_sess *s, const uint8_t *p, size_t len, int64_t now_ms)
{
	uint16_t blk = 0, code = 0;
	char msg[64];
	struct tftp_send w;
	int r;

	if (s->wrq) {
		write_packet(t, s, p, len, now_ms);
		return;
	}
	r = tftp_parse_ack(p, len, &blk, &code, msg, sizeof(msg));
	if (r == 0) {
		int64_t rtt = mono_us() - s->sent_us;

		s->rtt_us = s->rtt_us ? (7 * s->rtt_us + rtt) / 8 : rtt;
		step(t, s, tftp_xfer_ack(&s->x, blk, now_ms, &w), &w, now_ms);
	} else if (r == 1) {
		char how[128];

		/* The Pi's probe ("Early terminate") and tsize-then-abort are
		 * normal: quietly. */
		t->nended++;
		snprintf(how, sizeof(how), "ended by the client (error %u: %s)", code, msg);
		finish(t, s, now_ms, NR_LOG_DEBUG, how);
	}
	/* anything else on a transfer's port: ignored */
}

static bool same_peer(const struct sockaddr_in *a, const struct sockaddr_in *b)
{
	return a->sin_addr.s_addr == b->sin_addr.s_addr && a->sin_port == b->sin_port;
}

static void bad_tid(struct tftpd *t, int fd, const struct sockaddr_in *from, const struct tftp_sess *s)
{
	char w[24];

	t->nbadtid++;
	who(w, sizeof(w), from);
	log_warn("TFTP %s: a packet for the transfer of %s to %s: unknown transfer ID, answered with error 5", w, s->name,
		 s->who);
	send_error(fd, from, TFTP_EBADID, "unknown transfer ID");
}

void tftpd_on_session(struct tftpd *t, uint32_t k, int64_t now_ms)
{
	static uint8_t buf[TFTP_PKT_MAX];     /* a write's DATA can be blksize + 4 */
	struct tftp_sess *s = k < t->nmax ? &t->s[k] : NULL;
	struct sockaddr_in from;
	socklen_t fl = sizeof(from);
	ssize_t n;

	if (!s || !s->used)
		return;
	/* MSG_TRUNC: the datagram's whole length, so a cut one is dropped,
	 * never taken for a short last block */
	n = recvfrom(s->fd, buf, sizeof(buf), MSG_DONTWAIT | MSG_TRUNC, (struct sockaddr *)&from, &fl);
	if (n < 0 || (size_t)n > sizeof(buf))
		return;
	if (!same_peer(&from, &s->peer)) {
		bad_tid(t, s->fd, &from, s);
		return;
	}
	packet(t, s, buf, (size_t)n, now_ms);
}

bool tftpd_wants_spin(const struct tftpd *t)
{
	const struct tftp_sess *s = NULL;

	if (t->nactive != 1)
		return false;
	s = &t->s[t->act[0]];
	return !s->wrq && !s->x.oack && s->rtt_us < TFTPD_SPIN_US && mono_us() - s->sent_us < TFTPD_SPIN_US;
}

void tftpd_on_listen(struct tftpd *t, int i, int64_t now_ms)
{
	static uint8_t buf[16][TFTP_PKT_MAX];   /* single-port: writes' DATA come here too */
	static struct sockaddr_in from[16];
	struct iovec iov[16];
	struct mmsghdr mm[16];
	int n;

	for (int k = 0; k < 16; k++) {
		iov[k].iov_base = buf[k];
		iov[k].iov_len = sizeof(buf[k]);
		memset(&mm[k], 0, sizeof(mm[k]));
		mm[k].msg_hdr.msg_name = &from[k];
		mm[k].msg_hdr.msg_namelen = sizeof(from[k]);
		mm[k].msg_hdr.msg_iov = &iov[k];
		mm[k].msg_hdr.msg_iovlen = 1;
	}
	n = recvmmsg(t->ls[i].fd, mm, 16, MSG_DONTWAIT, NULL);
	for (int k = 0; k < n; k++) {
		size_t len = mm[k].msg_len;

		if (mm[k].msg_hdr.msg_namelen != sizeof(from[k]) || (mm[k].msg_hdr.msg_flags & MSG_TRUNC))
			continue;
		if (t->conf->single_port) {
			struct tftp_sess *s = NULL;

			for (uint32_t j = 0; j < t->nactive && !s; j++)
				if (same_peer(&t->s[t->act[j]].peer, &from[k]))
					s = &t->s[t->act[j]];
			if (s) {
				packet(t, s, buf[k], len, now_ms);
				continue;
			}
			/* ACK, DATA or ERROR from nobody we know: error 5 (a
			 * request starts with opcode 1 or 2) */
			if (len >= 2 && buf[k][0] == 0 && buf[k][1] >= TFTP_DATA) {
				if (buf[k][1] != TFTP_ERROR)
					send_error(t->ls[i].fd, &from[k], TFTP_EBADID, "unknown transfer ID");
				continue;
			}
		}
		request(t, i, buf[k], len, &from[k], now_ms);
	}
}

void tftpd_on_time(struct tftpd *t, int64_t now_ms)
{
	/* backwards: a transfer that ends here is replaced in act by the
	 * last one, already seen */
	for (uint32_t i = t->nactive; i-- > 0;) {
		struct tftp_sess *s = &t->s[t->act[i]];
		struct tftp_send w;

		if (s->used && s->wrq && s->rv.deadline_ms <= now_ms) {
			uint16_t ack;
			enum tftp_rstep st = tftp_recv_timeout(&s->rv, now_ms, &ack);

			if (st == TFTP_R_REACK) {
				send_ack(s, ack);
			} else if (st == TFTP_R_FAIL) {
				t->nfailed++;
				finish(t, s, now_ms, NR_LOG_WARN, "no DATA after every resend of the ACK: nothing kept");
			}
		} else if (s->used && !s->wrq && s->x.deadline_ms <= now_ms) {
			step(t, s, tftp_xfer_timeout(&s->x, now_ms, &w), &w, now_ms);
		}
	}
}

int64_t tftpd_next_deadline(const struct tftpd *t)
{
	int64_t d = INT64_MAX;

	for (uint32_t i = 0; i < t->nactive; i++) {
		const struct tftp_sess *s = &t->s[t->act[i]];
		int64_t dk = s->wrq ? s->rv.deadline_ms : s->x.deadline_ms;

		if (dk < d)
			d = dk;
	}
	return d;
}

void tftpd_close(struct tftpd *t)
{
	while (t->s && t->nactive)
		finish(t, &t->s[t->act[t->nactive - 1]], 0, NR_LOG_DEBUG, "stopped");
	for (int i = 0; i < t->nls; i++)
		close(t->ls[i].fd);
	tftp_cache_clear(&t->cache);
	if (t->rootfd >= 0)
		close(t->rootfd);
	free(t->s);
	free(t->act);
	free(t->freel);
	t->s = NULL;
}

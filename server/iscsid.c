#include "iscsid_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "crc32c.h"
#include "iopool.h"
#include "iscsi_pdu.h"
#include "log.h"
#include "text.h"

/* ---- I/O ------------------------------------------------------------------- */

/* Digests go least significant byte first (RFC 7143 13.1). */
static void put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static uint32_t get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static int read_full(int fd, void *p, size_t n)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r = recv(fd, (char *)p + got, n - got, 0);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		got += (size_t)r;
	}
	return 0;
}

int iscsid_send_pdu(struct conn *c, const uint8_t *bhs, const void *data, uint32_t len)
{
	static const uint8_t zero[4];
	uint8_t hd[4], dd[4];
	struct iovec v[5];
	struct msghdr m = { .msg_iov = v };
	size_t total = 0;

#define ADD(p, n) do { v[m.msg_iovlen].iov_base = (void *)(uintptr_t)(p); v[m.msg_iovlen++].iov_len = (n); \
		       total += (n); } while (0)
	ADD(bhs, ISCSI_BHS_LEN);
	if (c->hdig) {
		put_le32(hd, crc32c(bhs, ISCSI_BHS_LEN));
		ADD(hd, 4);
	}
	if (len) {
		ADD(data, len);
		ADD(zero, iscsi_pad(len));
		if (c->ddig) {
			uint32_t crc = crc32c_update(0xffffffffu, data, len);

			put_le32(dd, ~crc32c_update(crc, zero, iscsi_pad(len)));
			ADD(dd, 4);
		}
	}
#undef ADD
	while (total > 0) {
		ssize_t r = sendmsg(c->fd, &m, MSG_NOSIGNAL);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		total -= (size_t)r;
		while (r > 0 && m.msg_iovlen > 0) {
			if ((size_t)r >= m.msg_iov[0].iov_len) {
				r -= (ssize_t)m.msg_iov[0].iov_len;
				m.msg_iov++;
				m.msg_iovlen--;
			} else {
				m.msg_iov[0].iov_base = (char *)m.msg_iov[0].iov_base + r;
				m.msg_iov[0].iov_len -= (size_t)r;
				r = 0;
			}
		}
	}
	return 0;
}

/* StatSN (advanced when status), ExpCmdSN, MaxCmdSN at bytes 24, 28, 32. */
void iscsid_sns(struct conn *c, uint8_t *bhs, bool status)
{
	iscsi_put32(bhs + 24, status ? c->statsn++ : c->statsn);
	iscsi_put32(bhs + 28, c->expcmdsn);
	iscsi_put32(bhs + 32, c->expcmdsn + QUEUE - 1);
}

/* A command's CmdSN: outside [ExpCmdSN, MaxCmdSN] it is ignored (RFC 7143
 * 4.2.2.1: silently); else the window moves past it. false: ignore. */
bool iscsid_cmdsn(struct conn *c, const struct iscsi_bhs *h)
{
	uint32_t d = h->w24 - c->expcmdsn;

	if (h->immediate)
		return true;
	if (d >= QUEUE) {
		log_debug("iSCSI %s: CmdSN %u outside the window %u..%u: ignored", c->who, h->w24, c->expcmdsn,
			  c->expcmdsn + QUEUE - 1);
		return false;
	}
	c->expcmdsn = h->w24 + 1;
	return true;
}

int iscsid_reject(struct conn *c, uint8_t reason)
{
	uint8_t b[ISCSI_BHS_LEN];

	iscsi_bhs_init(b, ISCSI_OP_REJECT, 0x80, ISCSI_BHS_LEN, ISCSI_RSVD_TAG);
	b[2] = reason;
	iscsid_sns(c, b, true);
	return iscsid_send_pdu(c, b, c->bhs, ISCSI_BHS_LEN);
}

/* ---- the rest ------------------------------------------------------------------- */

static int nop_out(struct conn *c, const struct iscsi_bhs *h)
{
	uint8_t b[ISCSI_BHS_LEN];
	uint32_t len = h->data_len < c->n.p.send_seg_max ? h->data_len : c->n.p.send_seg_max;

	if (!iscsid_cmdsn(c, h))
		return 0;
	if (h->itt == ISCSI_RSVD_TAG) {
		if (c->ping_ttt && h->w20 == c->ping_ttt)
			c->ping_ttt = 0;        /* the answer to our ping */
		return 0;
	}
	iscsi_bhs_init(b, ISCSI_OP_NOP_IN, 0x80, len, h->itt);
	memcpy(b + 8, h->lun, 8);
	iscsi_put32(b + 20, ISCSI_RSVD_TAG);
	iscsid_sns(c, b, true);
	return iscsid_send_pdu(c, b, c->data, len);
}

static bool abort_one(const struct job *j, uint32_t itt)
{
	if (j->itt != itt)
		return false;
	j->c->aborted_found = true;
	return true;
}

static bool abort_all(const struct job *j, uint32_t itt)
{
	(void)j;
	(void)itt;
	return true;
}

static int task_mgmt(struct conn *c, const struct iscsi_bhs *h)
{
	uint8_t b[ISCSI_BHS_LEN], fn = h->flags & 0x7f, resp = 0;

	(void)iscsid_cmdsn(c, h);
	/* the tasks on the workers finish first; the aborted ones get no answer */
	if (iscsid_jobs_settle(c, fn == 1 ? abort_one : (fn == 5 || fn == 6 || fn == 2 || fn == 3) ? abort_all : NULL, h->w20) < 0)
		return -1;
	if (fn == 1) {          /* ABORT TASK: a write waiting for data is dropped */
		resp = 1;       /* task does not exist: everything else ran at once */
		if (c->aborted_found)
			resp = 0;
		c->aborted_found = false;
		for (int i = 0; i < MAX_TASKS; i++)
			if (c->tasks[i].used && c->tasks[i].itt == h->w20) {
				free(c->tasks[i].buf);
				memset(&c->tasks[i], 0, sizeof(c->tasks[i]));
				resp = 0;
			}
	} else if (fn == 5 || fn == 6 || fn == 2 || fn == 3) {
		/* LUN RESET, TARGET WARM RESET, ABORT TASK SET, CLEAR ACA: the
		 * writes waiting for data are dropped */
		for (int i = 0; i < MAX_TASKS; i++)
			if (c->tasks[i].used) {
				free(c->tasks[i].buf);
				memset(&c->tasks[i], 0, sizeof(c->tasks[i]));
			}
	} else {
		resp = 5;       /* function not supported */
	}
	iscsi_bhs_init(b, ISCSI_OP_TASK_RSP, 0x80, 0, h->itt);
	b[2] = resp;
	iscsid_sns(c, b, true);
	return iscsid_send_pdu(c, b, NULL, 0);
}

static int logout(struct conn *c, const struct iscsi_bhs *h)
{
	uint8_t b[ISCSI_BHS_LEN];

	if (iscsid_jobs_settle(c, NULL, 0) < 0)        /* what was asked before is answered first */
		return -1;

	(void)iscsid_cmdsn(c, h);
	iscsi_bhs_init(b, ISCSI_OP_LOGOUT_RSP, 0x80, 0, h->itt);
	iscsid_sns(c, b, true);
	iscsid_send_pdu(c, b, NULL, 0);
	return -1;
}

/* ---- a connection ------------------------------------------------------------------ */

/* Waits for the next PDU. A session idle ISCSID_PING_IDLE_S gets a NOP-In
 * ping (RFC 7143 11.19); one whose ping stays unanswered
 * ISCSID_PING_DEAD_S is dead (an initiator hung with its TCP alive, which
 * keepalive does not see): -1. */
/* Waits for a PDU (0) or for jobs the workers finished (1); -1 to close. */
static int wait_pdu(struct conn *c)
{
	struct pollfd p[2] = { { .fd = c->fd, .events = POLLIN }, { .fd = c->q.efd, .events = POLLIN } };
	time_t idle_since = time(NULL);

	for (;;) {
		int r = poll(p, 2, 1000);
		time_t now = time(NULL);

		if (r > 0 && (p[1].revents & POLLIN))
			return 1;
		if (r > 0)
			return 0;
		if (r < 0 && errno != EINTR)
			return -1;
		if (!c->ffp || c->n.discovery)
			continue;
		if (c->ping_ttt && now - c->ping_sent >= ISCSID_PING_DEAD_S) {
			log_warn("iSCSI %s: %s answered no NOP-In ping in %d s: closing its session", c->who, c->n.initiator,
				 ISCSID_PING_DEAD_S);
			return -1;
		}
		if (!c->ping_ttt && now - idle_since >= ISCSID_PING_IDLE_S && !ioq_busy(&c->d->pool, &c->q)) {
			uint8_t b[ISCSI_BHS_LEN];

			c->ping_ttt = (c->next_ttt++ & 0x7fffffff) | 0x80000000u;
			c->ping_sent = now;
			iscsi_bhs_init(b, ISCSI_OP_NOP_IN, 0x80, 0, ISCSI_RSVD_TAG);
			iscsi_put32(b + 20, c->ping_ttt);
			iscsid_sns(c, b, false);
			if (iscsid_send_pdu(c, b, NULL, 0) < 0)
				return -1;
		}
	}
}

static void *conn_main(void *arg)
{
	struct conn *c = arg;
	struct iscsi_bhs h;
	int r = 0;

	c->stage = 0xff;
	iscsi_nego_init(&c->n);
	c->n.require_digests = c->d->require_digests;
	while (r == 0) {
		uint8_t ahs[ISCSI_AHS_MAX];

		int w = wait_pdu(c);

		if (w == 1) {
			r = iscsid_jobs_answer(c);
			continue;
		}
		if (w < 0 || read_full(c->fd, c->bhs, ISCSI_BHS_LEN) < 0)
			break;
		if (iscsi_bhs_parse(c->bhs, &h, c->ffp ? ISCSI_RECV_SEG_MAX : ISCSI_TEXT_MAX) < 0 ||
		    h.ahs_len > sizeof(ahs)) {
			log_warn("iSCSI %s: a PDU with %u bytes of data (more than %u) or %u of AHS: closing the "
				 "connection", c->who, h.data_len, c->ffp ? ISCSI_RECV_SEG_MAX : ISCSI_TEXT_MAX,
				 h.ahs_len);
			break;
		}
		if (h.ahs_len && read_full(c->fd, ahs, h.ahs_len) < 0)
			break;
		if (c->hdig) {
			uint8_t d[4];

			if (read_full(c->fd, d, 4) < 0)
				break;
			if (get_le32(d) != ~crc32c_update(crc32c_update(0xffffffffu, c->bhs, ISCSI_BHS_LEN), ahs, h.ahs_len)) {
				/* ERL 0: the lengths cannot be trusted, nothing after it can be framed */
				log_warn("iSCSI %s: %s: a PDU header digest error (the network corrupts data): closing "
					 "the connection", c->who, c->n.initiator);
				break;
			}
		}
		if (h.data_len && read_full(c->fd, c->data, h.data_len + iscsi_pad(h.data_len)) < 0)
			break;
		if (h.data_len && c->ddig) {
			uint8_t d[4];

			if (read_full(c->fd, d, 4) < 0)
				break;
			if (get_le32(d) != crc32c(c->data, h.data_len + iscsi_pad(h.data_len))) {
				/* the data is dropped, never written; at ERL 0 the
				 * initiator recovers by logging in again */
				log_warn("iSCSI %s: %s: a data digest error in a PDU with opcode %02x (the network "
					 "corrupts data): rejected, closing the connection", c->who, c->n.initiator, h.op);
				iscsid_reject(c, 0x02);
				break;
			}
		}
		if (!c->ffp) {
			if (h.op != ISCSI_OP_LOGIN) {
				log_warn("iSCSI %s: opcode %02x before login: closing the connection", c->who, h.op);
				break;
			}
			r = iscsid_login(c, &h);
			continue;
		}
		switch (h.op) {
		case ISCSI_OP_SCSI_CMD:
			r = iscsid_scsi_cmd(c, &h);
			break;
		case ISCSI_OP_DATA_OUT:
			r = iscsid_data_out(c, &h);
			break;
		case ISCSI_OP_NOP_OUT:
			r = nop_out(c, &h);
			break;
		case ISCSI_OP_TEXT:
			r = iscsid_text(c, &h);
			break;
		case ISCSI_OP_TASK_MGMT:
			r = task_mgmt(c, &h);
			break;
		case ISCSI_OP_LOGOUT:
			r = logout(c, &h);
			break;
		case ISCSI_OP_LOGIN:
			r = iscsid_reject(c, 0x04);    /* protocol error: a login in full feature phase */
			break;
		default:
			r = iscsid_reject(c, 0x05);    /* command not supported (SNACK: ERL 0) */
			break;
		}
	}
	if (c->ffp && !c->n.discovery)
		log_info("iSCSI %s: %s left %s", c->who, c->n.initiator, c->tgt ? c->tgt->name : "?");
	iscsid_unregister_session(c);
	ioq_quiesce(&c->d->pool, &c->q, true);  /* the ones not started never run */
	for (struct iojob *l = ioq_take_done(&c->d->pool, &c->q), *next; l; l = next) {
		next = l->next;
		iscsid_job_free(c, (struct job *)l);
	}
	ioq_destroy(&c->q);
	if (c->tgt)     /* after the workers: their jobs use its disk */
		iscsid_target_put(c->d, c->tgt);
	for (int i = 0; i < MAX_TASKS; i++)
		free(c->tasks[i].buf);
	close(c->fd);
	free(c->data);
	free(c->in);
	free(c);
	return NULL;
}

struct listener {
	struct iscsid *d;
	int fd;
};

static void *accept_main(void *arg)
{
	struct listener *l = arg;

	for (;;) {
		struct sockaddr_in peer, me;
		socklen_t pl = sizeof(peer), ml = sizeof(me);
		int fd = accept4(l->fd, (struct sockaddr *)&peer, &pl, SOCK_CLOEXEC), one = 1, idle = 10, intvl = 5, cnt = 3;
		struct conn *c;
		pthread_t th;
		pthread_attr_t at;
		char ip[IN4_STRLEN];

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED || errno == EMFILE || errno == ENFILE)
				continue;
			log_err("iSCSI: accept: %s; no new connections", strerror(errno));
			return NULL;
		}
		/* a dead peer (cable pulled, board off) is noticed in ~25 s */
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
		setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle));
		setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof(intvl));
		setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof(cnt));
		c = calloc(1, sizeof(*c));
		if (c) {
			c->data = malloc(ISCSI_TEXT_MAX > ISCSI_RECV_SEG_MAX ? ISCSI_TEXT_MAX + 4 : ISCSI_RECV_SEG_MAX + 4);
			c->in = malloc(SCSI_MAX_XFER_BLOCKS * SCSI_BLOCK);
		}
		if (!c || !c->data || !c->in) {
			if (c) {
				free(c->data);
				free(c->in);
			}
			free(c);
			close(fd);
			continue;
		}
		if (ioq_init(&c->q) < 0) {
			log_warn("iSCSI: no eventfd for a connection: %s", strerror(errno));
			close(fd);
			free(c->data);
			free(c->in);
			free(c);
			continue;
		}
		c->d = l->d;
		c->fd = fd;
		getsockname(fd, (struct sockaddr *)&me, &ml);
		c->local = me.sin_addr.s_addr;
		c->peer = peer.sin_addr.s_addr;
		snprintf(c->who, sizeof(c->who), "%s:%u", in4_str(peer.sin_addr.s_addr, ip), ntohs(peer.sin_port));
		pthread_attr_init(&at);
		pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
		pthread_attr_setstacksize(&at, 256 << 10);
		if (pthread_create(&th, &at, conn_main, c) != 0) {
			log_warn("iSCSI %s: cannot start a thread for the connection", c->who);
			ioq_destroy(&c->q);
			close(fd);
			free(c->data);
			free(c->in);
			free(c);
		}
		pthread_attr_destroy(&at);
	}
}

/* A target for client cl, its disk open; NULL with msg. */
static struct iscsi_target *target_new(const struct nrd_client *cl, char *msg, size_t msglen)
{
	struct iscsi_target *t = calloc(1, sizeof(*t));

	if (!t) {
		snprintf(msg, msglen, "iSCSI: out of memory");
		return NULL;
	}
	if (bstore_open(&t->bs, cl->iscsi_image, cl->iscsi_readonly, msg, msglen) < 0) {
		free(t);
		return NULL;
	}
	text_copy(t->name, sizeof(t->name), cl->iscsi_target);
	text_copy(t->initiators, sizeof(t->initiators), cl->iscsi_initiator);
	text_copy(t->client, sizeof(t->client), cl->name);
	text_copy(t->chap_user, sizeof(t->chap_user), cl->iscsi_chap_user);
	text_copy(t->chap_secret, sizeof(t->chap_secret), cl->iscsi_chap_secret);
	text_copy(t->chap_tuser, sizeof(t->chap_tuser), cl->iscsi_chap_tuser);
	text_copy(t->chap_tsecret, sizeof(t->chap_tsecret), cl->iscsi_chap_tsecret);
	text_copy(t->image, sizeof(t->image), cl->iscsi_image);
	t->readonly = cl->iscsi_readonly;
	scsi_lu_init(&t->lu, &t->bs, t->name);
	return t;
}

static void target_free(struct iscsi_target *t)
{
	bstore_close(&t->bs);
	free(t);
}

/* t still serves cl as it is now written. */
static bool target_same(const struct iscsi_target *t, const struct nrd_client *cl)
{
	return !strcmp(t->name, cl->iscsi_target) && !strcmp(t->image, cl->iscsi_image) &&
	       t->readonly == cl->iscsi_readonly && !strcmp(t->initiators, cl->iscsi_initiator) &&
	       !strcmp(t->chap_user, cl->iscsi_chap_user) && !strcmp(t->chap_secret, cl->iscsi_chap_secret) &&
	       !strcmp(t->chap_tuser, cl->iscsi_chap_tuser) && !strcmp(t->chap_tsecret, cl->iscsi_chap_tsecret);
}

/* Appends t (under mu once started). 0 or -ENOMEM. */
static int target_add(struct iscsid *d, struct iscsi_target *t)
{
	if (d->nt == d->cap) {
		int cap = d->cap ? 2 * d->cap : 16;
		struct iscsi_target **nt = realloc(d->t, (size_t)cap * sizeof(*nt));

		if (!nt)
			return -ENOMEM;
		d->t = nt;
		d->cap = cap;
	}
	d->t[d->nt++] = t;
	return 0;
}

struct iscsi_target *iscsid_target_get(struct iscsid *d, const char *name)
{
	struct iscsi_target *t = NULL;

	pthread_mutex_lock(&d->mu);
	for (int i = 0; i < d->nt; i++)
		if (!strcmp(d->t[i]->name, name)) {
			t = d->t[i];
			t->refs++;
			break;
		}
	pthread_mutex_unlock(&d->mu);
	return t;
}

void iscsid_target_put(struct iscsid *d, struct iscsi_target *t)
{
	bool last;

	pthread_mutex_lock(&d->mu);
	last = --t->refs == 0 && t->retired;
	pthread_mutex_unlock(&d->mu);
	if (last) {
		log_info("iSCSI: %s (%s) closed: its last session ended after a reload retired it", t->name, t->client);
		target_free(t);
	}
}

static int listen_all(struct iscsid *d, char *msg, size_t msglen)
{
	for (int i = 0; i < d->naddrs; i++) {
		struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(d->port), .sin_addr.s_addr = d->addrs[i] };
		int one = 1, fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		char ip[IN4_STRLEN];

		if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
		    bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(fd, 64) != 0) {
			int e = errno;

			snprintf(msg, msglen, "iSCSI: cannot listen on %s:%u: %s (another target running?)",
				 in4_str(d->addrs[i], ip), d->port, strerror(e));
			if (fd >= 0)
				close(fd);
			return -e;
		}
		d->lfd[d->nl++] = fd;
	}
	return 0;
}

int iscsid_open(struct iscsid *d, uint16_t port, const struct nrd_client *cl, int n, const in4_t *addrs, int naddrs,
		char *msg, size_t msglen)
{
	uint8_t digests = d->require_digests;
	int io_threads = d->io_threads;

	memset(d, 0, sizeof(*d));
	d->require_digests = digests;
	d->io_threads = io_threads ? io_threads : ISCSID_IO_THREADS;
	pthread_mutex_init(&d->mu, NULL);
	d->port = port;
	for (int i = 0; i < naddrs && i < NRD_MAX_IFACES; i++)
		d->addrs[d->naddrs++] = addrs[i];
	for (int i = 0; i < n; i++) {
		struct iscsi_target *t;

		if (!cl[i].iscsi_image[0])
			continue;
		t = target_new(&cl[i], msg, msglen);
		if (!t)
			return -EIO;
		if (target_add(d, t) < 0) {
			target_free(t);
			snprintf(msg, msglen, "iSCSI: out of memory");
			return -ENOMEM;
		}
	}
	return d->nt ? listen_all(d, msg, msglen) : 0;
}

void iscsid_reload(struct iscsid *d, const struct nrd_client *cl, int n)
{
	char msg[320];
	int added = 0, retired = 0;

	/* Retire what no board asks for any more, as it is now written. */
	pthread_mutex_lock(&d->mu);
	for (int i = 0; i < d->nt;) {
		struct iscsi_target *t = d->t[i];
		bool keep = false;

		for (int k = 0; k < n && !keep; k++)
			keep = cl[k].iscsi_image[0] && target_same(t, &cl[k]);
		if (keep) {
			i++;
			continue;
		}
		d->t[i] = d->t[--d->nt];
		t->retired = true;
		retired++;
		log_info("iSCSI: %s (%s) retired by the reload: no new logins; %d session%s go on until they end",
			 t->name, t->client, t->refs, t->refs == 1 ? "" : "s");
		if (t->refs == 0)
			target_free(t);
	}
	pthread_mutex_unlock(&d->mu);
	/* Open what is new (the disk opened outside the lock). */
	for (int k = 0; k < n; k++) {
		struct iscsi_target *t;
		bool have = false;

		if (!cl[k].iscsi_image[0])
			continue;
		pthread_mutex_lock(&d->mu);
		for (int i = 0; i < d->nt && !have; i++)
			have = !strcmp(d->t[i]->name, cl[k].iscsi_target);
		pthread_mutex_unlock(&d->mu);
		if (have)
			continue;
		t = target_new(&cl[k], msg, sizeof(msg));
		if (!t) {
			log_err("reload: %s.conf: %s; not served", cl[k].name, msg);
			continue;
		}
		pthread_mutex_lock(&d->mu);
		if (target_add(d, t) < 0) {
			pthread_mutex_unlock(&d->mu);
			target_free(t);
			log_err("reload: %s.conf: out of memory; not served", cl[k].name);
			continue;
		}
		pthread_mutex_unlock(&d->mu);
		added++;
		log_info("iSCSI: serving %s (%s, %llu MiB) after the reload", t->name, cl[k].name,
			 (unsigned long long)(t->bs.size >> 20));
	}
	if (added && !d->nl && d->started) {
		if (listen_all(d, msg, sizeof(msg)) < 0 || iscsid_start(d) < 0)
			log_err("reload: %s", msg[0] ? msg : "iSCSI: cannot start its threads");
		else
			log_info("serving iSCSI on port %u", d->port);
	}
	if (added || retired)
		log_info("iSCSI reload: %d target%s added, %d retired, %d served", added, added == 1 ? "" : "s", retired,
			 d->nt);
}

int iscsid_start(struct iscsid *d)
{
	d->started = true;
	if (!d->nl)
		return 0;
	if (!d->pool_on) {
		int r = iopool_start(&d->pool, d->io_threads);

		if (r < 0)
			return r;
		d->pool_on = true;
	}
	for (int i = 0; i < d->nl; i++) {
		struct listener *l = malloc(sizeof(*l));
		pthread_t th;

		if (!l)
			return -ENOMEM;
		l->d = d;
		l->fd = d->lfd[i];
		if (pthread_create(&th, NULL, accept_main, l) != 0) {
			free(l);
			return -EAGAIN;
		}
		pthread_detach(th);
	}
	return 0;
}

#include "iscsid.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "crc32c.h"
#include "iopool.h"
#include "iscsi_chap.h"
#include "iscsi_pdu.h"
#include "log.h"
#include "text.h"

#define QUEUE 128                       /* commands the initiator may have outstanding (MaxCmdSN window) */
#define MAX_TASKS 64                    /* writes waiting for their data */
#define TASK_BUF_MAX (2 * SCSI_MAX_XFER_BLOCKS * SCSI_BLOCK)   /* COMPARE AND WRITE sends 2n blocks */
#ifndef ISCSID_PING_IDLE_S
#define ISCSID_PING_IDLE_S 10           /* a session silent this long gets a NOP-In ping */
#endif
#ifndef ISCSID_PING_DEAD_S
#define ISCSID_PING_DEAD_S 15           /* and is closed when the ping goes unanswered this long */
#endif

#define JOB_BYTES_MAX (32u << 20)        /* a connection's buffers on the workers; past it, commands wait in line */

/* A command on an I/O worker (the disk may make it wait). */
struct job {
	struct iojob base;              /* first */
	struct conn *c;
	uint32_t itt, edtl, len;        /* len: the bytes the command moves */
	uint8_t lun[8], cdb[16];
	enum scsi_dir dir;
	bool partial;
	uint8_t *buf;                   /* the write's data, or the read's room */
	uint32_t outlen, cap, inlen;
	uint8_t ovun;                   /* a write's over/underflow (run_write) */
	uint32_t resid, r2tsn;
	struct scsi_status st;
};

struct wtask {                          /* a write waiting for Data-Out */
	bool used;
	uint32_t itt, ttt;
	uint8_t cdb[16];
	uint8_t *buf;
	uint32_t len;                   /* bytes the initiator sends (EDTL) */
	uint32_t need;                  /* bytes the command takes */
	uint32_t got;
	uint32_t r2t_end;               /* the end of the data solicited so far */
	uint32_t r2tsn;
	uint32_t datasn;                /* the next Data-Out's DataSN in this R2T's sequence */
	bool partial;                   /* a READ/WRITE: fewer bytes write fewer blocks */
	bool simple;                    /* task attribute SIMPLE (or untagged): may run beside others */
	uint8_t lun[8];
	uint16_t bad_asc;               /* a sequence error: the data is dropped, the write fails with this */
};

struct conn {
	struct iscsid *d;
	int fd;
	char who[48];                   /* "10.77.0.100:40000" */
	in4_t local;
	struct iscsi_nego n;
	struct iscsi_target *tgt;
	bool ffp;                       /* full feature phase */
	uint8_t stage;                  /* login: the current stage */
	uint8_t isid[6];
	char nexus[PR_NEXUS_LEN];       /* "initiator,i,0xISID": who holds reservations */
	uint16_t tsih;
	uint32_t statsn, expcmdsn;
	uint32_t next_ttt;
	bool hdig, ddig;                /* CRC32C digests, from the first PDU after the login */
	uint32_t ping_ttt;              /* the NOP-In ping waiting for its NOP-Out; 0: none */
	time_t ping_sent;
	struct wtask tasks[MAX_TASKS];
	struct ioq q;                   /* its commands on the I/O workers */
	uint64_t job_bytes;             /* their buffers, bounded by JOB_BYTES_MAX */
	bool aborted_found;             /* ABORT TASK found its task among the jobs */
	uint8_t bhs[ISCSI_BHS_LEN];
	uint8_t *data;                  /* a received data segment (+ pad) */
	uint8_t *in;                    /* what a read returns */
	struct wbuf *kv;
	uint8_t kvbuf[ISCSI_TEXT_MAX];
};

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

static int send_pdu(struct conn *c, const uint8_t *bhs, const void *data, uint32_t len)
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
static void sns(struct conn *c, uint8_t *bhs, bool status)
{
	iscsi_put32(bhs + 24, status ? c->statsn++ : c->statsn);
	iscsi_put32(bhs + 28, c->expcmdsn);
	iscsi_put32(bhs + 32, c->expcmdsn + QUEUE - 1);
}

/* A command's CmdSN: outside [ExpCmdSN, MaxCmdSN] it is ignored (RFC 7143
 * 4.2.2.1: silently); else the window moves past it. false: ignore. */
static bool cmdsn(struct conn *c, const struct iscsi_bhs *h)
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

static int reject(struct conn *c, uint8_t reason)
{
	uint8_t b[ISCSI_BHS_LEN];

	iscsi_bhs_init(b, ISCSI_OP_REJECT, 0x80, ISCSI_BHS_LEN, ISCSI_RSVD_TAG);
	b[2] = reason;
	sns(c, b, true);
	return send_pdu(c, b, c->bhs, ISCSI_BHS_LEN);
}

/* ---- login ------------------------------------------------------------------- */

bool iscsid_allowed(const struct iscsi_target *t, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = t->initiators; *p;) {
		const char *e = strchr(p, ' ');
		size_t l = e ? (size_t)(e - p) : strlen(p);

		if (l == n && !strncmp(p, name, n))
			return true;
		if (!e)
			break;
		p = e + 1;
		while (*p == ' ')
			p++;
	}
	return false;
}

static struct iscsi_target *find_target(struct iscsid *d, const char *name)
{
	for (int i = 0; i < d->nt; i++)
		if (!strcmp(d->t[i].name, name))
			return &d->t[i];
	return NULL;
}

/* Registers the session; an older one of the same initiator and ISID is
 * ended at once (a rebooted board logging in again). */
static void register_session(struct conn *c)
{
	struct iscsid *d = c->d;
	int slot = -1;

	pthread_mutex_lock(&d->mu);
	for (int i = 0; i < ISCSID_MAX_SESSIONS; i++) {
		struct iscsid_sess *s = &d->sess[i];

		if (!s->used) {
			if (slot < 0)
				slot = i;
			continue;
		}
		if (!strcmp(s->initiator, c->n.initiator) && !memcmp(s->isid, c->isid, 6)) {
			shutdown(s->fd, SHUT_RDWR);
			s->used = false;
			d->nreinstated++;
			log_info("iSCSI %s: %s logged in again with the same ISID: its old session ended", c->who,
				 c->n.initiator);
			if (slot < 0)
				slot = i;
		}
	}
	if (slot >= 0) {
		d->sess[slot].used = true;
		text_copy(d->sess[slot].initiator, sizeof(d->sess[slot].initiator), c->n.initiator);
		memcpy(d->sess[slot].isid, c->isid, 6);
		d->sess[slot].fd = c->fd;
		d->sess[slot].conn = c;
	}
	snprintf(c->nexus, sizeof(c->nexus), "%s,i,0x%02x%02x%02x%02x%02x%02x", c->n.initiator, c->isid[0], c->isid[1],
		 c->isid[2], c->isid[3], c->isid[4], c->isid[5]);
	if (++d->next_tsih == 0)
		d->next_tsih = 1;
	c->tsih = d->next_tsih;
	d->nlogins++;
	pthread_mutex_unlock(&d->mu);
}

static void unregister_session(struct conn *c)
{
	pthread_mutex_lock(&c->d->mu);
	for (int i = 0; i < ISCSID_MAX_SESSIONS; i++)
		if (c->d->sess[i].used && c->d->sess[i].conn == c)
			c->d->sess[i].used = false;
	pthread_mutex_unlock(&c->d->mu);
}

/* The target's CHAP accounts; NULL for discovery (None only). */
static const struct iscsi_chap_acct *account(const struct conn *c, struct iscsi_chap_acct *a)
{
	if (!c->tgt)
		return NULL;
	a->user = c->tgt->chap_user;
	a->secret = c->tgt->chap_secret;
	a->tuser = c->tgt->chap_tuser;
	a->tsecret = c->tgt->chap_tsecret;
	return a;
}

/* The login's security part: AuthMethod and CHAP in the security stage,
 * the stage itself required when the target has CHAP. The login status
 * (0: go on); *transit cleared while CHAP is under way. */
static uint16_t security(struct conn *c, uint8_t csg, bool *transit, struct wbuf *kv, char *why, size_t whylen)
{
	struct iscsi_chap_acct acct;
	const struct iscsi_chap_acct *a = account(c, &acct);
	uint8_t rnd[ISCSI_CHAP_RANDOM] = { 0 };
	int r;

	if (csg != 0) {
		if (c->n.auth != AUTH_DONE && iscsi_auth_may_leave(&c->n, a, why, whylen) < 0)
			return 0x0201;  /* CHAP required, the security stage skipped */
		if (c->n.ak.got & ~(unsigned)AUTH_K_METHOD) {
			snprintf(why, whylen, "CHAP keys outside the security stage");
			return 0x0207;
		}
		/* AuthMethod=None in the operational stage (some initiators):
		 * answered, not fatal, when nothing is to be proved */
		if (c->n.ak.got) {
			c->n.auth = AUTH_START;
			if (iscsi_auth_step(&c->n, a, rnd, kv, why, whylen) != ISCSI_AUTH_OK)
				return 0x0201;
		}
		return 0;
	}
	if ((c->n.ak.got & AUTH_K_A) && getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd)) {
		snprintf(why, whylen, "no random bytes for a CHAP challenge: %s", strerror(errno));
		return 0x0300;
	}
	r = iscsi_auth_step(&c->n, a, rnd, kv, why, whylen);
	if (r == ISCSI_AUTH_OK && *transit) {
		r = iscsi_auth_may_leave(&c->n, a, why, whylen);
		if (r == 0)
			*transit = false;       /* the exchange goes on: answer without T */
		r = r < 0 ? r : ISCSI_AUTH_OK;
	}
	if (r == ISCSI_AUTH_FAIL) {
		/* An online guesser waits for each answer. */
		struct timespec ts = { 1, 0 };

		nanosleep(&ts, NULL);
		return 0x0201;
	}
	return r == ISCSI_AUTH_BAD ? 0x0207 : 0;
}

/* A login request. 0 to go on, -1 to close (after the response). */
static int login(struct conn *c, const struct iscsi_bhs *h)
{
	uint8_t b[ISCSI_BHS_LEN], csg = (h->flags >> 2) & 3, nsg = h->flags & 3;
	bool transit = h->flags & 0x80;
	uint16_t status = 0;
	char why[1400] = "";
	struct wbuf kv = wb_init(c->kvbuf, sizeof(c->kvbuf));

	if (c->stage == 0xff) {         /* the first login PDU */
		memcpy(c->isid, h->lun, 6);
		c->statsn = h->w28;
		c->expcmdsn = h->w24;
		c->stage = csg;
		if ((uint16_t)(h->lun[6] << 8 | h->lun[7])) {
			status = 0x020a;        /* a TSIH: adding a connection; sessions have one */
			snprintf(why, sizeof(why), "a second connection to a session (MaxConnections=1)");
		}
	}
	if (!status && (h->flags & 0x40)) {
		status = 0x020b;
		snprintf(why, sizeof(why), "a login split over several PDUs (C bit)");
	}
	if (!status && (csg == 2 || csg != c->stage)) {
		status = 0x020b;
		snprintf(why, sizeof(why), "login stage %u where %u was expected", csg, c->stage);
	}
	c->n.ak.got = 0;
	if (!status && iscsi_negotiate(&c->n, c->data, h->data_len, &kv, why, sizeof(why)) < 0)
		status = 0x0207;
	if (!status && !c->n.initiator[0]) {
		status = 0x0207;
		snprintf(why, sizeof(why), "no InitiatorName");
	}
	if (!status && !c->n.discovery) {
		c->tgt = c->n.target[0] ? find_target(c->d, c->n.target) : NULL;
		if (!c->tgt) {
			status = 0x0203;
			snprintf(why, sizeof(why), "no target \"%s\" here", c->n.target);
		} else if (!iscsid_allowed(c->tgt, c->n.initiator)) {
			status = 0x0202;
			snprintf(why, sizeof(why), "%s may not log into %s (its client file %s.conf allows %s)",
				 c->n.initiator, c->tgt->name, c->tgt->client, c->tgt->initiators);
		}
	}
	if (!status)
		status = security(c, csg, &transit, &kv, why, sizeof(why));
	if (!status && transit && (nsg == 2 || nsg <= csg)) {
		status = 0x020b;
		snprintf(why, sizeof(why), "a transit from stage %u to %u", csg, nsg);
	}
	if (!status && transit && nsg == 3 && ((c->d->require_digests & ISCSI_DIG_HEADER && !c->n.p.hdig) ||
						(c->d->require_digests & ISCSI_DIG_DATA && !c->n.p.ddig))) {
		status = 0x0207;
		snprintf(why, sizeof(why), "this target requires CRC32C %s digests ([iscsi] require-digests) and the "
			 "initiator did not agree to them", c->d->require_digests == ISCSI_DIG_HEADER ? "header" :
			 c->d->require_digests == ISCSI_DIG_DATA ? "data" : "header and data");
	}
	if (!status && transit && nsg == 3)
		iscsi_nego_finish(&c->n, &kv);
	if (kv.err) {
		status = 0x0300;
		snprintf(why, sizeof(why), "the login answer does not fit");
	}
	iscsi_bhs_init(b, ISCSI_OP_LOGIN_RSP, (uint8_t)(status ? 0 : (transit ? 0x80 | csg << 2 | nsg : csg << 2)),
		       status ? 0 : (uint32_t)kv.len, h->itt);
	memcpy(b + 8, c->isid, 6);
	if (!status && transit && nsg == 3) {
		register_session(c);
		b[14] = (uint8_t)(c->tsih >> 8);
		b[15] = (uint8_t)c->tsih;
	}
	iscsi_put32(b + 24, c->statsn++);
	iscsi_put32(b + 28, c->expcmdsn);
	iscsi_put32(b + 32, c->expcmdsn + QUEUE - 1);
	b[36] = (uint8_t)(status >> 8);
	b[37] = (uint8_t)status;
	if (send_pdu(c, b, c->kvbuf, status ? 0 : (uint32_t)kv.len) < 0)
		return -1;
	if (status) {
		pthread_mutex_lock(&c->d->mu);
		c->d->nrefused++;
		pthread_mutex_unlock(&c->d->mu);
		log_warn("iSCSI %s: login refused (status %04x): %s", c->who, status, why);
		return -1;
	}
	if (transit) {
		c->stage = nsg;
		if (nsg == 3) {
			c->ffp = true;
			c->hdig = c->n.p.hdig;
			c->ddig = c->n.p.ddig;
			if (c->n.discovery)
				log_debug("iSCSI %s: discovery session of %s", c->who, c->n.initiator);
			else
				log_info("iSCSI %s: %s logged into %s (%s.conf, %llu MiB%s%s%s%s)", c->who,
					 c->n.initiator, c->tgt->name, c->tgt->client,
					 (unsigned long long)(c->tgt->bs.size >> 20), c->tgt->lu.readonly ? ", read-only" : "",
					 c->tgt->chap_secret[0] ? ", CHAP" : "",
					 c->hdig ? ", header digest" : "", c->ddig ? ", data digest" : "");
		}
	}
	return 0;
}

/* ---- text: SendTargets ----------------------------------------------------------- */

static int text(struct conn *c, const struct iscsi_bhs *h)
{
	uint8_t b[ISCSI_BHS_LEN];
	struct wbuf kv = wb_init(c->kvbuf, sizeof(c->kvbuf));
	char why[160], addr[64], ip[IN4_STRLEN];

	if (!cmdsn(c, h))
		return 0;
	c->n.send_targets = false;
	c->n.ak.got = 0;
	if ((h->flags & 0x40) || iscsi_negotiate(&c->n, c->data, h->data_len, &kv, why, sizeof(why)) < 0 ||
	    c->n.ak.got)    /* AuthMethod, CHAP_*: login keys only */
		return reject(c, 0x09);
	if (c->n.send_targets) {
		snprintf(addr, sizeof(addr), "%s:%u,1", in4_str(c->local, ip), c->d->port);
		/* an initiator sees only the targets it may log into */
		for (int i = 0; i < c->d->nt; i++) {
			const struct iscsi_target *t = &c->d->t[i];

			if (!iscsid_allowed(t, c->n.initiator) ||
			    (c->n.send_targets_name[0] && strcmp(c->n.send_targets_name, t->name)))
				continue;
			iscsi_put_key(&kv, "TargetName", t->name);
			iscsi_put_key(&kv, "TargetAddress", addr);
		}
	}
	if (kv.err || kv.len > c->n.p.send_seg_max)
		return reject(c, 0x09);
	iscsi_bhs_init(b, ISCSI_OP_TEXT_RSP, 0x80, (uint32_t)kv.len, h->itt);
	iscsi_put32(b + 20, ISCSI_RSVD_TAG);
	sns(c, b, true);
	return send_pdu(c, b, c->kvbuf, (uint32_t)kv.len);
}

/* ---- SCSI ------------------------------------------------------------------------ */

static int scsi_response(struct conn *c, uint32_t itt, const struct scsi_status *st, uint8_t ovun, uint32_t resid,
			 uint32_t expdatasn)
{
	uint8_t b[ISCSI_BHS_LEN], sd[2 + sizeof(st->sense)];
	uint32_t len = 0;

	if (st->status == 2) {
		sd[0] = 0;
		sd[1] = sizeof(st->sense);
		memcpy(sd + 2, st->sense, sizeof(st->sense));
		len = sizeof(sd);
	}
	iscsi_bhs_init(b, ISCSI_OP_SCSI_RSP, (uint8_t)(0x80 | ovun), len, itt);
	b[3] = st->status;
	sns(c, b, true);
	iscsi_put32(b + 36, expdatasn);
	iscsi_put32(b + 44, resid);
	return send_pdu(c, b, sd, len);
}

/* What a read returned, as Data-In PDUs of at most the initiator's
 * MaxRecvDataSegmentLength, a sequence at most MaxBurstLength; the status
 * rides on the last (S bit). */
static int data_in(struct conn *c, uint32_t itt, const uint8_t *lun, const uint8_t *buf, uint32_t n, uint8_t ovun,
		   uint32_t resid)
{
	uint32_t seg = c->n.p.send_seg_max, off = 0, datasn = 0, burst = 0;

	while (off < n) {
		uint8_t b[ISCSI_BHS_LEN];
		uint32_t k = n - off < seg ? n - off : seg;
		bool last = off + k == n, fin;

		if (burst + k > c->n.p.max_burst)
			k = c->n.p.max_burst - burst;
		last = off + k == n;
		fin = last || burst + k == c->n.p.max_burst;
		iscsi_bhs_init(b, ISCSI_OP_DATA_IN, (uint8_t)((fin ? 0x80 : 0) | (last ? 0x01 | ovun : 0)), k, itt);
		memcpy(b + 8, lun, 8);
		iscsi_put32(b + 20, ISCSI_RSVD_TAG);
		sns(c, b, last);
		iscsi_put32(b + 36, datasn++);
		iscsi_put32(b + 40, off);
		if (last)
			iscsi_put32(b + 44, resid);
		if (send_pdu(c, b, buf + off, k) < 0)
			return -1;
		off += k;
		burst = fin ? 0 : burst + k;
	}
	return 0;
}

/* A read's answer: its data and status, or the status alone. */
static int read_done(struct conn *c, uint32_t itt, const uint8_t *lun, const uint8_t *buf, uint32_t len, uint32_t edtl,
		     bool partial, uint32_t inlen, const struct scsi_status *st)
{
	uint8_t ovun = 0;
	uint32_t resid = 0;

	if (st->status != 0)
		return scsi_response(c, itt, st, edtl ? 0x02 : 0, edtl, 0);
	if (partial && len > edtl) {
		ovun = 0x04;    /* the blocks asked for did not fit the transfer */
		resid = len - edtl;
	} else if (edtl > inlen) {
		ovun = 0x02;
		resid = edtl - inlen;
	}
	if (!inlen)
		return scsi_response(c, itt, st, ovun, resid, 0);
	return data_in(c, itt, lun, buf, inlen, ovun, resid);
}

static void job_run(struct iojob *ij)
{
	struct job *j = (struct job *)ij;

	scsi_exec(&j->c->tgt->lu, j->c->nexus, j->cdb, j->dir == SCSI_OUT ? j->buf : NULL, j->outlen,
		  j->dir == SCSI_IN ? j->buf : NULL, j->cap, &j->inlen, &j->st);
}

static void job_free(struct conn *c, struct job *j)
{
	c->job_bytes -= j->dir == SCSI_IN ? j->cap : j->outlen;
	free(j->buf);
	free(j);
}

/* A job back from the workers: its answer (none if cancelled or
 * aborted). 0, or -1 when the connection failed. */
static int job_done(struct conn *c, struct job *j, bool answer)
{
	int r = 0;

	if (answer && !j->base.cancelled) {
		if (j->dir == SCSI_IN)
			r = read_done(c, j->itt, j->lun, j->buf, j->len, j->edtl, j->partial, j->inlen, &j->st);
		else if (j->dir == SCSI_OUT)
			r = scsi_response(c, j->itt, &j->st, j->ovun, j->resid, j->r2tsn);
		else
			r = scsi_response(c, j->itt, &j->st, j->edtl ? 0x02 : 0, j->edtl, 0);
	}
	job_free(c, j);
	return r;
}

/* Answers every job the workers finished. 0 or -1. */
static int jobs_answer(struct conn *c)
{
	struct iojob *l = ioq_take_done(&c->d->pool, &c->q);
	int r = 0;

	while (l) {
		struct iojob *next = l->next;

		if (job_done(c, (struct job *)l, r == 0) < 0)
			r = -1;
		l = next;
	}
	return r;
}

/* Waits for every job of the connection and answers them, except those
 * abort() picks (an aborted task gets no answer). 0 or -1. */
static int jobs_settle(struct conn *c, bool (*abort)(const struct job *j, uint32_t itt), uint32_t itt)
{
	struct iojob *l;
	int r = 0;

	ioq_quiesce(&c->d->pool, &c->q, false);
	l = ioq_take_done(&c->d->pool, &c->q);
	while (l) {
		struct iojob *next = l->next;
		struct job *j = (struct job *)l;

		if (job_done(c, j, r == 0 && !(abort && abort(j, itt))) < 0)
			r = -1;
		l = next;
	}
	return r;
}

/* Runs a command's store I/O off this thread: a read into its own room, a
 * write with buf (taken over). Past the connection's buffer budget, or
 * without memory, -2: the caller runs it here instead (back-pressure). */
static int job_submit(struct conn *c, uint32_t itt, const uint8_t *lun, const uint8_t *cdb, enum scsi_dir dir,
		      uint32_t len, uint32_t edtl, bool partial, uint8_t *buf, uint32_t outlen, uint32_t cap,
		      uint8_t ovun, uint32_t resid, uint32_t r2tsn)
{
	uint32_t bytes = dir == SCSI_IN ? cap : outlen;
	struct job *j;

	if (c->job_bytes + bytes > JOB_BYTES_MAX)
		return -2;
	j = calloc(1, sizeof(*j));
	if (!j)
		return -2;
	if (dir == SCSI_IN && !(j->buf = malloc(cap ? cap : 1))) {
		free(j);
		return -2;
	}
	if (dir == SCSI_OUT)
		j->buf = buf;
	j->base.run = job_run;
	j->c = c;
	j->itt = itt;
	j->edtl = edtl;
	j->len = len;
	memcpy(j->lun, lun, 8);
	memcpy(j->cdb, cdb, 16);
	j->dir = dir;
	j->partial = partial;
	j->outlen = outlen;
	j->cap = cap;
	j->ovun = ovun;
	j->resid = resid;
	j->r2tsn = r2tsn;
	c->job_bytes += bytes;
	iopool_submit(&c->d->pool, &c->q, &j->base);
	return 0;
}

static int run_write(struct conn *c, struct wtask *t)
{
	struct scsi_status st;
	uint32_t inlen, resid = 0;
	uint8_t ovun = 0;
	int r;

	/* RFC 7143 11.4.5.1: fewer bytes than the command takes: overflow;
	 * more: underflow (only what the command takes is used) */
	if (t->len < t->need) {
		ovun = 0x04;
		resid = t->need - t->len;
	} else if (t->len > t->need) {
		ovun = 0x02;
		resid = t->len - t->need;
	}
	if (t->len < t->need && !t->partial) {
		memset(&st, 0, sizeof(st));
		st.status = 2;
		st.sense[0] = 0x70;
		st.sense[2] = 0x05;     /* ILLEGAL REQUEST */
		st.sense[7] = 10;
		st.sense[12] = 0x24;    /* INVALID FIELD IN CDB: less data than the command takes */
	} else {
		uint32_t n = t->len < t->need ? t->len : t->need;
		enum scsi_io_class cls = scsi_io_class(t->cdb);

		if (cls == SCSI_IO_NONE || !t->simple) {
			scsi_exec(&c->tgt->lu, c->nexus, t->cdb, t->buf, n, NULL, 0, &inlen, &st);
		} else if (cls == SCSI_IO_WAIT ||
			   scsi_exec_nowait(&c->tgt->lu, c->nexus, t->cdb, t->buf, n, NULL, 0, &inlen, &st)) {
			if (job_submit(c, t->itt, t->lun, t->cdb, SCSI_OUT, t->need, t->len, t->partial, t->buf, n, 0, ovun,
				       resid, t->r2tsn) == 0) {
				memset(t, 0, sizeof(*t));       /* the buffer is the job's now */
				return 0;
			}
			scsi_exec(&c->tgt->lu, c->nexus, t->cdb, t->buf, n, NULL, 0, &inlen, &st);
		}
	}
	r = scsi_response(c, t->itt, &st, ovun, resid, t->r2tsn);
	free(t->buf);
	memset(t, 0, sizeof(*t));
	return r;
}

/* Asks for the next MaxBurstLength of a write's data. */
static int r2t(struct conn *c, struct wtask *t, const uint8_t *lun)
{
	uint8_t b[ISCSI_BHS_LEN];
	uint32_t k = t->len - t->got < c->n.p.max_burst ? t->len - t->got : c->n.p.max_burst;

	iscsi_bhs_init(b, ISCSI_OP_R2T, 0x80, 0, t->itt);
	memcpy(b + 8, lun, 8);
	iscsi_put32(b + 20, t->ttt);
	sns(c, b, false);
	iscsi_put32(b + 36, t->r2tsn++);
	iscsi_put32(b + 40, t->got);
	iscsi_put32(b + 44, k);
	t->r2t_end = t->got + k;
	t->datasn = 0;
	return send_pdu(c, b, NULL, 0);
}

static int scsi_cmd(struct conn *c, const struct iscsi_bhs *h)
{
	struct scsi_status st;
	enum scsi_dir dir = SCSI_NONE;
	uint32_t len = 0, edtl = h->w20, inlen = 0;
	bool partial = false, simple;
	enum scsi_io_class cls;

	if (!cmdsn(c, h))
		return 0;
	if (c->n.discovery)
		return reject(c, 0x05);
	if (memcmp(h->lun, "\0\0\0\0\0\0\0\0", 8)) {
		memset(&st, 0, sizeof(st));
		st.status = 2;
		st.sense[0] = 0x70;
		st.sense[2] = 0x05;
		st.sense[7] = 10;
		st.sense[12] = 0x25;    /* LOGICAL UNIT NOT SUPPORTED */
		if (h->cdb[0] != 0xa0)
			return scsi_response(c, h->itt, &st, edtl ? 0x02 : 0, edtl, 0);
	}
	/* ORDERED, HEAD OF QUEUE, ACA: after everything before it, alone */
	simple = (h->flags & 7) <= 1;
	if (!simple && jobs_settle(c, NULL, 0) < 0)
		return -1;
	if (scsi_plan(&c->tgt->lu, c->nexus, h->cdb, &dir, &len, &partial, &st) < 0)
		return scsi_response(c, h->itt, &st, edtl ? 0x02 : 0, edtl, 0);
	cls = scsi_io_class(h->cdb);
	if (dir == SCSI_OUT) {
		struct wtask *t = NULL;

		if (edtl > TASK_BUF_MAX || h->data_len > edtl) {
			log_warn("iSCSI %s: a write of %u bytes (%u immediate): closing the connection", c->who, edtl,
				 h->data_len);
			return -1;
		}
		for (int i = 0; i < MAX_TASKS && !t; i++)
			if (!c->tasks[i].used)
				t = &c->tasks[i];
		if (!t) {
			log_warn("iSCSI %s: more than %d writes waiting for their data: closing the connection", c->who,
				 MAX_TASKS);
			return -1;
		}
		t->buf = malloc(edtl ? edtl : 1);
		if (!t->buf)
			return -1;
		t->used = true;
		t->itt = h->itt;
		t->ttt = c->next_ttt++ & 0x7fffffff;
		memcpy(t->cdb, h->cdb, 16);
		t->len = edtl;
		t->need = len;
		t->partial = partial;
		t->simple = simple;
		memcpy(t->lun, h->lun, 8);
		memcpy(t->buf, c->data, h->data_len);
		t->got = h->data_len;
		if (t->got == t->len)
			return run_write(c, t);
		return r2t(c, t, h->lun);
	}
	if (dir == SCSI_IN) {
		uint32_t cap = len < edtl ? len : edtl;

		bool done = false;

		if (cls == SCSI_IO_NONE || !simple) {
			scsi_exec(&c->tgt->lu, c->nexus, h->cdb, NULL, 0, c->in, cap, &inlen, &st);
			done = true;
		} else if (cls == SCSI_IO_TRY) {  /* in memory: answered at once, no worker */
			done = scsi_exec_nowait(&c->tgt->lu, c->nexus, h->cdb, NULL, 0, c->in, cap, &inlen, &st) == 0;
		}
		if (!done) {
			if (job_submit(c, h->itt, h->lun, h->cdb, SCSI_IN, len, edtl, partial, NULL, 0, cap, 0, 0, 0) == 0)
				return 0;       /* answered when a worker has read it */
			scsi_exec(&c->tgt->lu, c->nexus, h->cdb, NULL, 0, c->in, cap, &inlen, &st);
		}
		return read_done(c, h->itt, h->lun, c->in, len, edtl, partial, inlen, &st);
	}
	if (cls != SCSI_IO_NONE && simple &&
	    job_submit(c, h->itt, h->lun, h->cdb, SCSI_NONE, len, edtl, false, NULL, 0, 0, 0, 0, 0) == 0)
		return 0;       /* SYNCHRONIZE CACHE and the like: answered when done */
	scsi_exec(&c->tgt->lu, c->nexus, h->cdb, NULL, 0, NULL, 0, &inlen, &st);
	return scsi_response(c, h->itt, &st, edtl ? 0x02 : 0, edtl, 0);
}

static int data_out(struct conn *c, const struct iscsi_bhs *h)
{
	struct wtask *t = NULL;
	uint32_t off = h->w40;

	for (int i = 0; i < MAX_TASKS && !t; i++)
		if (c->tasks[i].used && c->tasks[i].itt == h->itt && c->tasks[i].ttt == h->w20)
			t = &c->tasks[i];
	if (!t) {
		log_warn("iSCSI %s: Data-Out for no write waiting (ITT %08x TTT %08x): closing the connection", c->who,
			 h->itt, h->w20);
		return -1;
	}
	/* A sequence error fails the write, not the session: its data is
	 * taken in and dropped to the end of the sequence, then the command
	 * ends in CHECK CONDITION (nothing of it written), and the initiator
	 * retries it. */
	if (!t->bad_asc && h->w36 != t->datasn) {
		log_warn("iSCSI %s: Data-Out with DataSN %u where %u was due: that write fails (ABORTED COMMAND), "
			 "nothing of it written", c->who, h->w36, t->datasn);
		t->bad_asc = 0x4b00;    /* DATA PHASE ERROR */
	}
	if (!t->bad_asc && (off != t->got || off + h->data_len > t->r2t_end)) {
		log_warn("iSCSI %s: Data-Out at %u+%u where %u..%u was asked: that write fails (ABORTED COMMAND), "
			 "nothing of it written", c->who, off, h->data_len, t->got, t->r2t_end);
		t->bad_asc = 0x4b05;    /* DATA OFFSET ERROR */
	}
	t->datasn++;
	if (t->bad_asc) {
		struct scsi_status st;
		int r;

		if (!(h->flags & 0x80))
			return 0;
		memset(&st, 0, sizeof(st));
		scsi_sense(&st, 0x0b, t->bad_asc);
		r = scsi_response(c, t->itt, &st, 0, 0, t->r2tsn);
		free(t->buf);
		memset(t, 0, sizeof(*t));
		return r;
	}
	memcpy(t->buf + off, c->data, h->data_len);
	t->got += h->data_len;
	if (!(h->flags & 0x80))
		return 0;
	if (t->got == t->len)
		return run_write(c, t);
	if (t->got < t->r2t_end) {
		log_warn("iSCSI %s: a Data-Out sequence ended %u bytes short: closing the connection", c->who,
			 t->r2t_end - t->got);
		return -1;
	}
	return r2t(c, t, h->lun);
}

/* ---- the rest ------------------------------------------------------------------- */

static int nop_out(struct conn *c, const struct iscsi_bhs *h)
{
	uint8_t b[ISCSI_BHS_LEN];
	uint32_t len = h->data_len < c->n.p.send_seg_max ? h->data_len : c->n.p.send_seg_max;

	if (!cmdsn(c, h))
		return 0;
	if (h->itt == ISCSI_RSVD_TAG) {
		if (c->ping_ttt && h->w20 == c->ping_ttt)
			c->ping_ttt = 0;        /* the answer to our ping */
		return 0;
	}
	iscsi_bhs_init(b, ISCSI_OP_NOP_IN, 0x80, len, h->itt);
	memcpy(b + 8, h->lun, 8);
	iscsi_put32(b + 20, ISCSI_RSVD_TAG);
	sns(c, b, true);
	return send_pdu(c, b, c->data, len);
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

	(void)cmdsn(c, h);
	/* the tasks on the workers finish first; the aborted ones get no answer */
	if (jobs_settle(c, fn == 1 ? abort_one : (fn == 5 || fn == 6 || fn == 2 || fn == 3) ? abort_all : NULL, h->w20) < 0)
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
	sns(c, b, true);
	return send_pdu(c, b, NULL, 0);
}

static int logout(struct conn *c, const struct iscsi_bhs *h)
{
	uint8_t b[ISCSI_BHS_LEN];

	if (jobs_settle(c, NULL, 0) < 0)        /* what was asked before is answered first */
		return -1;

	(void)cmdsn(c, h);
	iscsi_bhs_init(b, ISCSI_OP_LOGOUT_RSP, 0x80, 0, h->itt);
	sns(c, b, true);
	send_pdu(c, b, NULL, 0);
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
			sns(c, b, false);
			if (send_pdu(c, b, NULL, 0) < 0)
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
			r = jobs_answer(c);
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
				reject(c, 0x02);
				break;
			}
		}
		if (!c->ffp) {
			if (h.op != ISCSI_OP_LOGIN) {
				log_warn("iSCSI %s: opcode %02x before login: closing the connection", c->who, h.op);
				break;
			}
			r = login(c, &h);
			continue;
		}
		switch (h.op) {
		case ISCSI_OP_SCSI_CMD:
			r = scsi_cmd(c, &h);
			break;
		case ISCSI_OP_DATA_OUT:
			r = data_out(c, &h);
			break;
		case ISCSI_OP_NOP_OUT:
			r = nop_out(c, &h);
			break;
		case ISCSI_OP_TEXT:
			r = text(c, &h);
			break;
		case ISCSI_OP_TASK_MGMT:
			r = task_mgmt(c, &h);
			break;
		case ISCSI_OP_LOGOUT:
			r = logout(c, &h);
			break;
		case ISCSI_OP_LOGIN:
			r = reject(c, 0x04);    /* protocol error: a login in full feature phase */
			break;
		default:
			r = reject(c, 0x05);    /* command not supported (SNACK: ERL 0) */
			break;
		}
	}
	if (c->ffp && !c->n.discovery)
		log_info("iSCSI %s: %s left %s", c->who, c->n.initiator, c->tgt ? c->tgt->name : "?");
	unregister_session(c);
	ioq_quiesce(&c->d->pool, &c->q, true);  /* the ones not started never run */
	for (struct iojob *l = ioq_take_done(&c->d->pool, &c->q), *next; l; l = next) {
		next = l->next;
		job_free(c, (struct job *)l);
	}
	ioq_destroy(&c->q);
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

int iscsid_open(struct iscsid *d, uint16_t port, const struct nrd_client *cl, int n, const in4_t *addrs, int naddrs,
		char *msg, size_t msglen)
{
	int k = 0;

	uint8_t digests = d->require_digests;
	int io_threads = d->io_threads;

	memset(d, 0, sizeof(*d));
	d->require_digests = digests;
	d->io_threads = io_threads ? io_threads : ISCSID_IO_THREADS;
	pthread_mutex_init(&d->mu, NULL);
	d->port = port;
	for (int i = 0; i < n; i++)
		k += cl[i].iscsi_image[0] != 0;
	if (!k)
		return 0;
	d->t = calloc((size_t)k, sizeof(*d->t));
	if (!d->t) {
		snprintf(msg, msglen, "iSCSI: out of memory");
		return -ENOMEM;
	}
	for (int i = 0; i < n; i++) {
		struct iscsi_target *t = &d->t[d->nt];
		int r;

		if (!cl[i].iscsi_image[0])
			continue;
		r = bstore_open(&t->bs, cl[i].iscsi_image, cl[i].iscsi_readonly, msg, msglen);
		if (r < 0)
			return r;
		text_copy(t->name, sizeof(t->name), cl[i].iscsi_target);
		text_copy(t->initiators, sizeof(t->initiators), cl[i].iscsi_initiator);
		text_copy(t->client, sizeof(t->client), cl[i].name);
		text_copy(t->chap_user, sizeof(t->chap_user), cl[i].iscsi_chap_user);
		text_copy(t->chap_secret, sizeof(t->chap_secret), cl[i].iscsi_chap_secret);
		text_copy(t->chap_tuser, sizeof(t->chap_tuser), cl[i].iscsi_chap_tuser);
		text_copy(t->chap_tsecret, sizeof(t->chap_tsecret), cl[i].iscsi_chap_tsecret);
		scsi_lu_init(&t->lu, &t->bs, t->name);
		d->nt++;
	}
	for (int i = 0; i < naddrs; i++) {
		struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = addrs[i] };
		int one = 1, fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		char ip[IN4_STRLEN];

		if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
		    bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(fd, 64) != 0) {
			int e = errno;

			snprintf(msg, msglen, "iSCSI: cannot listen on %s:%u: %s (another target running?)",
				 in4_str(addrs[i], ip), port, strerror(e));
			if (fd >= 0)
				close(fd);
			return -e;
		}
		d->lfd[d->nl++] = fd;
	}
	return 0;
}

int iscsid_start(struct iscsid *d)
{
	int r = iopool_start(&d->pool, d->io_threads);

	if (r < 0)
		return r;
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

/* The root-storage daemon's loop: NBD requests from the kernel in, SCSI
 * commands to the target out, answers back — and whatever the network or
 * the target does meanwhile, every request is answered correctly in the end.
 *
 * The daemon keeps its own table of every request it holds, in arrival
 * order. libiscsi is only the wire: when a session goes away (connection
 * reset, a path gone silent, a logout asked by the target, a Reject) the
 * daemon ends that context, logs in again (same ISID: the target
 * reinstates the session and drops the old one's commands), checks it is
 * the same disk, and sends everything in the table again, oldest first.
 * It never relies on libiscsi to hand back what it held: libiscsi 1.19
 * cancels newer commands first, and after a target-requested logout it
 * drops them without a call back at all.
 *
 * No per-command timeout: a slow target is a slow disk. A dead path is found
 * by NOP-Out (RS_NOP_*) and TCP_USER_TIMEOUT. BUSY, TASK SET FULL and TASK
 * ABORTED are sent again after a backoff, UNIT ATTENTION at once. */
#include "rootstore_int.h"

#include <errno.h>
#include <linux/nbd.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "buf.h"
#include "init.h"
#include "log.h"
#include "nr_limits.h"

#define NBD_REQ_LEN 28
#define NBD_REPLY_LEN 16

static const char *type_name(uint32_t type)
{
	switch (type) {
	case NBD_CMD_READ:
		return "read";
	case NBD_CMD_WRITE:
		return "write";
	case NBD_CMD_FLUSH:
		return "flush";
	case NBD_CMD_TRIM:
		return "trim";
	default:
		return "request";
	}
}

/* The session is no good any more: log in again at the top of the loop.
 * The first reason is the one reported. */
static void lose_session(struct rs *rs, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void lose_session(struct rs *rs, const char *fmt, ...)
{
	va_list ap;

	if (rs->broken)
		return;
	rs->broken = true;
	va_start(ap, fmt);
	vsnprintf(rs->why, sizeof(rs->why), fmt, ap);
	va_end(ap);
	iscsi_one_line(rs->why);
}

/* ---- answers to the kernel -------------------------------------------- */

static void send_reply(struct rs *rs, uint64_t handle, uint32_t error, const uint8_t *data, uint32_t len)
{
	uint8_t hdr[NBD_REPLY_LEN];
	struct wbuf w = wb_init(hdr, sizeof(hdr));
	struct iovec iov[2] = { { hdr, sizeof(hdr) }, { (void *)(uintptr_t)data, data ? len : 0 } };
	size_t total = sizeof(hdr) + iov[1].iov_len, done, data_done;
	ssize_t sent;

	wb_be32(&w, NBD_REPLY_MAGIC);
	wb_be32(&w, error);
	wb_bytes(&w, &handle, 8);       /* the kernel's own bytes, back as they came */
	if (error)
		rs->nerr++;
	/* Header and data in one writev; whatever the socket did not take,
	 * the slow way. */
	sent = writev(rs->sock, iov, data ? 2 : 1);
	if (sent < 0 && errno != EAGAIN && errno != EINTR) {
		rs->stop = true;        /* the kernel went away: disconnected */
		return;
	}
	done = sent > 0 ? (size_t)sent : 0;
	if (done >= total)
		return;
	data_done = done > sizeof(hdr) ? done - sizeof(hdr) : 0;
	if ((done < sizeof(hdr) && write_full(rs->sock, hdr + done, sizeof(hdr) - done) < 0) ||
	    (data && write_full(rs->sock, data + data_done, len - data_done) < 0))
		rs->stop = true;
}

static void table_add(struct rs *rs, struct rs_req *q)
{
	q->seq = ++rs->seq;
	q->prev = rs->tail;
	q->next = NULL;
	if (rs->tail)
		rs->tail->next = q;
	else
		rs->head = q;
	rs->tail = q;
	rs->nreq_table++;
	rs->bytes_table += q->buf ? q->len : 0;    /* a TRIM holds no buffer */
}

/* Answer q and forget it. */
static void answer(struct rs *rs, struct rs_req *q, uint32_t error)
{
	if (q->prev)
		q->prev->next = q->next;
	else
		rs->head = q->next;
	if (q->next)
		q->next->prev = q->prev;
	else
		rs->tail = q->prev;
	rs->nreq_table--;
	rs->bytes_table -= q->buf ? q->len : 0;
	send_reply(rs, q->handle, error, !error && q->type == NBD_CMD_READ ? q->buf : NULL, q->len);
	free(q->buf);
	free(q);
}

/* ---- SCSI commands ---------------------------------------------------- */

static void task_done(struct iscsi_context *ctx, int status, void *data, void *priv);

/* The next piece of q on the wire: 0, or -ENOMEM when libiscsi could not
 * queue it. */
static int submit(struct rs *rs, struct rs_req *q)
{
	struct iscsi_context *ctx = rs->d.ctx;
	uint32_t bs = rs->d.block_size, left = q->len - q->done;
	uint64_t lba = (q->from + q->done) / bs;
	struct scsi_task *t = NULL;

	q->piece = left;
	if ((q->type == NBD_CMD_READ || q->type == NBD_CMD_WRITE) && rs->max_piece && q->piece > rs->max_piece)
		q->piece = rs->max_piece;
	switch (q->type) {
	case NBD_CMD_READ:
		t = iscsi_read16_task(ctx, rs->d.lun, lba, q->piece, (int)bs, 0, 0, 0, 0, 0, task_done, q);
		if (t) {
			q->iov.iov_base = q->buf + q->done;
			q->iov.iov_len = q->piece;
			scsi_task_set_iov_in(t, &q->iov, 1);
		}
		break;
	case NBD_CMD_WRITE:
		t = iscsi_write16_task(ctx, rs->d.lun, lba, q->buf + q->done, q->piece, (int)bs, 0, 0,
				       (q->flags & (NBD_CMD_FLAG_FUA >> 16)) ? 1 : 0, 0, 0, task_done, q);
		break;
	case NBD_CMD_FLUSH:
		t = iscsi_synchronizecache16_task(ctx, rs->d.lun, 0, 0, 0, 0, task_done, q);
		break;
	case NBD_CMD_TRIM: {
		struct unmap_list ul;

		if ((uint64_t)q->piece / bs > rs->max_unmap_blocks)
			q->piece = (uint32_t)(rs->max_unmap_blocks * bs);
		ul.lba = lba;
		ul.num = q->piece / bs;
		t = iscsi_unmap_task(ctx, rs->d.lun, 0, 0, &ul, 1, task_done, q);
		break;
	}
	}
	if (!t)
		return -ENOMEM;
	q->task = t;
	return 0;
}

/* Put q on the wire now, or leave it waiting for the next round. */
static void send_or_wait(struct rs *rs, struct rs_req *q, double delay)
{
	q->retry_at = log_uptime() + delay;
	if (delay <= 0 && !rs->broken && submit(rs, q) < 0)
		q->retry_at = log_uptime() + RS_BUSY_DELAY_MIN_MS / 1000.0;
}

/* The next wait of a request the target put off: RS_BUSY_DELAY_MIN_MS,
 * doubling up to RS_BUSY_DELAY_MAX_MS, in seconds. */
static double busy_delay(struct rs_req *q)
{
	double ms = (double)RS_BUSY_DELAY_MIN_MS * (1u << (q->busy < 7 ? q->busy : 7));

	q->busy++;
	return (ms > RS_BUSY_DELAY_MAX_MS ? RS_BUSY_DELAY_MAX_MS : ms) / 1000.0;
}

static void task_done(struct iscsi_context *ctx, int status, void *data, void *priv)
{
	struct rs_req *q = priv;
	struct rs *rs = q->rs;
	struct scsi_task *t = q->task;

	(void)ctx;
	(void)data;                     /* the task is q->task; NULL on a cancellation */
	q->task = NULL;
	if (rs->destroying || status == SCSI_STATUS_CANCELLED) {
		/* The session is going or gone: q stays in the table and is
		 * sent again on the next one. */
		if (t)
			scsi_free_scsi_task(t);
		q->retry_at = -1;       /* was on the wire of a session that died */
		if (!rs->destroying)
			lose_session(rs, "the session's commands were cancelled (%s)", iscsi_get_error(rs->d.ctx));
		return;
	}
	switch (status) {
	case SCSI_STATUS_GOOD:
		if (q->type == NBD_CMD_READ && t->residual_status == SCSI_RESIDUAL_UNDERFLOW && t->residual > 0) {
			/* Less data than asked with GOOD status: the rest of
			 * the buffer was never written. Never hand it over. */
			log_err("rootstore: read of %u bytes at %llu: the target returned %zu bytes less; answering EIO",
				q->piece, (unsigned long long)(q->from + q->done), t->residual);
			scsi_free_scsi_task(t);
			answer(rs, q, EIO);
			return;
		}
		scsi_free_scsi_task(t);
		q->done += q->piece;
		if (q->done < q->len) {
			q->busy = q->unit_attentions = 0;
			send_or_wait(rs, q, 0);
			return;
		}
		answer(rs, q, 0);
		return;
	case SCSI_STATUS_BUSY:
	case SCSI_STATUS_TASK_SET_FULL:
	case SCSI_STATUS_TASK_ABORTED:
		/* The target will take it later: as often as it says so. */
		scsi_free_scsi_task(t);
		rs->nbusy++;
		if (q->busy == 20)
			log_warn("rootstore: the target keeps answering %s to a %s (status 0x%02x); still retrying",
				 status == SCSI_STATUS_BUSY ? "BUSY" : status == SCSI_STATUS_TASK_SET_FULL ?
				 "TASK SET FULL" : "TASK ABORTED", type_name(q->type), status);
		send_or_wait(rs, q, busy_delay(q));
		return;
	case SCSI_STATUS_CHECK_CONDITION:
		if (t->sense.key == SCSI_SENSE_UNIT_ATTENTION && q->unit_attentions++ < RS_MAX_UNIT_ATTENTIONS) {
			/* After a target restart or a LUN reset: send again. */
			scsi_free_scsi_task(t);
			send_or_wait(rs, q, 0);
			return;
		}
		if ((t->sense.key == SCSI_SENSE_NOT_READY && (t->sense.ascq >> 8) == 0x04) ||
		    (t->sense.key == SCSI_SENSE_COMMAND_ABORTED && q->aborted++ < RS_MAX_ABORTED)) {
			/* LOGICAL UNIT NOT READY (becoming ready, ALUA
			 * transition, ...) and ABORTED COMMAND pass, after a
			 * restart or a failover: later, as for BUSY (the
			 * kernel's sd retries them too). */
			scsi_free_scsi_task(t);
			rs->nbusy++;
			send_or_wait(rs, q, busy_delay(q));
			return;
		}
		log_warn("rootstore: %s of %u bytes at %llu failed: %s (sense key 0x%x, ASC/ASCQ 0x%04x)",
			 type_name(q->type), q->piece, (unsigned long long)(q->from + q->done),
			 scsi_sense_key_str(t->sense.key), t->sense.key, t->sense.ascq);
		scsi_free_scsi_task(t);
		answer(rs, q, EIO);
		return;
	case SCSI_STATUS_ERROR:
	case SCSI_STATUS_TIMEOUT:
		/* A Reject, a digest error, a protocol error: nothing about the
		 * data, something about the session. Start a new one; q goes
		 * with it (a command rejected every time fails after
		 * RS_MAX_SESSION_LOSSES sessions). */
		if (t)
			scsi_free_scsi_task(t);
		q->retry_at = -1;
		lose_session(rs, "%s", iscsi_get_error(rs->d.ctx));
		return;
	default:
		log_warn("rootstore: %s of %u bytes at %llu failed with SCSI status 0x%02x", type_name(q->type),
			 q->piece, (unsigned long long)(q->from + q->done), status);
		if (t)
			scsi_free_scsi_task(t);
		answer(rs, q, EIO);
	}
}

/* Everything waiting whose time has come, oldest first. */
static void dispatch(struct rs *rs, double now, double *next)
{
	struct rs_req *q;

	for (q = rs->head; q && !rs->broken; q = q->next) {
		if (q->task)
			continue;
		if (q->retry_at > now) {
			if (q->retry_at < *next)
				*next = q->retry_at;
			continue;
		}
		if (submit(rs, q) < 0) {
			q->retry_at = now + RS_BUSY_DELAY_MIN_MS / 1000.0;
			if (q->retry_at < *next)
				*next = q->retry_at;
		}
	}
}

/* ---- requests from the kernel ----------------------------------------- */

/* Requests are read through a buffer: one read() takes every header (and
 * small payload) the kernel has queued, instead of a read per header, a
 * read per payload and an ioctl to ask whether there is more.
 * in_fill: at least need bytes buffered (need <= sizeof(rs->in)); 1 when
 * they are, 0 when not blocking and they are not there yet, < 0 at EOF or
 * on an error. */
static int in_fill(struct rs *rs, size_t need, bool block)
{
	if (rs->in_len - rs->in_off >= need)
		return 1;
	memmove(rs->in, rs->in + rs->in_off, rs->in_len - rs->in_off);
	rs->in_len -= rs->in_off;
	rs->in_off = 0;
	while (rs->in_len < need) {
		size_t room = sizeof(rs->in) - rs->in_len;
		ssize_t n;

		/* The last read took less than it could: the socket was empty
		 * then, and poll() will say when it is not. Asking again now
		 * would only cost a call that answers EAGAIN. */
		if (!block && rs->in_drained)
			return 0;
		n = recv(rs->sock, rs->in + rs->in_len, room, block ? 0 : MSG_DONTWAIT);
		if (n > 0) {
			rs->in_len += (size_t)n;
			rs->in_drained = (size_t)n < room;
			continue;
		}
		if (n == 0)
			return -EPIPE;
		if (errno == EINTR)
			continue;
		if (!block && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			rs->in_drained = true;
			return 0;
		}
		return -errno;
	}
	return 1;
}

/* n bytes of the stream into dst (NULL: dropped): what is buffered, then
 * the rest straight from the socket. */
static int in_take(struct rs *rs, void *dst, uint64_t n)
{
	static uint8_t scratch[65536];

	while (n > 0) {
		size_t have = rs->in_len - rs->in_off;
		size_t k = have < n ? have : (size_t)n;
		int r;

		if (k > 0) {
			if (dst)
				memcpy(dst, rs->in + rs->in_off, k);
			rs->in_off += k;
		} else {
			k = n > sizeof(scratch) ? sizeof(scratch) : (size_t)n;
			r = read_full(rs->sock, dst ? dst : scratch, k);
			if (r < 0)
				return r;
		}
		n -= k;
		if (dst)
			dst = (uint8_t *)dst + k;
	}
	return 0;
}

/* One request from the kernel, checked before anything is allocated.
 * < 0 only when the stream is lost (the kernel went away, or bytes that
 * are not NBD). */
static int read_request(struct rs *rs)
{
	uint8_t hdr[NBD_REQ_LEN];
	struct rbuf b;
	uint32_t magic, type, flags, len, hi, lo, err = 0;
	uint64_t from, handle = 0;
	uint32_t bs = rs->d.block_size ? rs->d.block_size : rs->first.block_size;
	uint64_t size = rs->first.blocks * rs->first.block_size;
	struct rs_req *q;
	int r;

	r = in_fill(rs, sizeof(hdr), true);
	if (r < 0)
		return r;
	in_take(rs, hdr, sizeof(hdr));
	b = rb_init(hdr, sizeof(hdr));
	rb_be32(&b, &magic);
	rb_be32(&b, &type);
	rb_bytes(&b, &handle, 8);
	rb_be32(&b, &hi);
	rb_be32(&b, &lo);
	rb_be32(&b, &len);
	from = (uint64_t)hi << 32 | lo;
	flags = type >> 16;
	type &= 0xffff;
	rs->nreq++;

	if (magic != NBD_REQUEST_MAGIC) {
		log_err("rootstore: bad request magic 0x%08x from the kernel; stopping", magic);
		return -EPROTO;
	}
	if (type == NBD_CMD_DISC) {
		/* Answer everything held first (the NBD protocol), then stop. */
		rs->draining = true;
		return 0;
	}
	q = calloc(1, sizeof(*q));
	if (type == NBD_CMD_WRITE) {
		uint8_t *buf = q && len <= RS_NBD_MAX_REQUEST ? malloc(len ? len : 1) : NULL;

		if (!buf) {
			/* No memory now (or a length no kernel sends): keep
			 * the stream in step and answer this one only. */
			free(q);
			r = in_take(rs, NULL, len);
			if (r < 0)
				return r;
			send_reply(rs, handle, len > RS_NBD_MAX_REQUEST ? EINVAL : ENOMEM, NULL, 0);
			return 0;
		}
		r = in_take(rs, buf, len);
		if (r < 0) {
			free(buf);
			free(q);
			return r;
		}
		if (q)
			q->buf = buf;
	}
	if (!q) {
		send_reply(rs, handle, ENOMEM, NULL, 0);
		return 0;
	}
	if (type != NBD_CMD_READ && type != NBD_CMD_WRITE && type != NBD_CMD_FLUSH && type != NBD_CMD_TRIM)
		err = EINVAL;
	else if (type != NBD_CMD_FLUSH &&
		 (len == 0 || from % bs || len % bs || from > size || len > size - from))
		err = EINVAL;
	else if (type == NBD_CMD_READ && (len > RS_NBD_MAX_REQUEST || !(q->buf = malloc(len))))
		err = len > RS_NBD_MAX_REQUEST ? EINVAL : ENOMEM;
	if (err) {
		if (err == EINVAL)
			log_warn("rootstore: refusing a %s of %u bytes at %llu (disk of %llu bytes, blocks of %u)",
				 type_name(type), len, (unsigned long long)from, (unsigned long long)size, bs);
		send_reply(rs, handle, err, NULL, 0);
		free(q->buf);
		free(q);
		return 0;
	}
	q->rs = rs;
	q->handle = handle;
	q->type = type;
	q->flags = flags;
	q->from = from;
	q->len = type == NBD_CMD_FLUSH ? 0 : len;
	table_add(rs, q);
	if (!rs->broken && submit(rs, q) < 0)
		q->retry_at = log_uptime() + RS_BUSY_DELAY_MIN_MS / 1000.0;
	return 0;
}

/* ---- a new session ----------------------------------------------------- */

static void nop_done(struct iscsi_context *ctx, int status, void *data, void *priv)
{
	struct rs *rs = priv;

	(void)ctx;
	(void)data;
	if (rs->destroying || status == SCSI_STATUS_CANCELLED)
		return;
	if (status == SCSI_STATUS_GOOD)
		rs->nop_sent = 0;
	else
		lose_session(rs, "NOP-Out failed: %s", iscsi_get_error(rs->d.ctx));
}

/* Log in again for as long as it takes — this is the root disk —, refuse
 * any disk that is not the one we started with, and put a barrier between
 * the old session's commands and ours. On return rs->d is the new session. */
void rs_login_again(struct rs *rs)
{
	struct iscsi_disk nd;
	struct iscsi_login_error e;
	double t0 = log_uptime(), delay = 1;
	int tries = 0, refused = 0;
	char why[200];

	for (;;) {
		tries++;
		if (iscsi_login_disk(&rs->conf->iscsi, rs->first.lun, log_uptime() + 20, rs->conf->attempt_timeout,
				     rs->conf->debug ? 3 : 1, &rs->so, &nd, &e) == 0) {
			if (iscsi_same_disk(&rs->first, &nd, why, sizeof(why)) == 0)
				break;
			/* Never write the root's data to another disk: a
			 * target reconfigured under us, a LUN swapped. */
			if (refused++ % 6 == 0)
				log_err("rootstore: REFUSING the disk now at %s LUN %d: %s; it is not the root disk and "
					"nothing will be written to it; check the target's configuration; still trying",
					nd.portal, nd.lun, why);
			iscsi_destroy_context(nd.ctx);
			sleep_s(RS_RELOGIN_DELAY_MAX_S);
			continue;
		}
		log_warn("rootstore: log-in attempt %d failed: %s (%s); still trying", tries, iscsi_err_name(e.kind),
			 e.msg);
		/* A refusal (CHAP changed, the LUN gone) comes back within a
		 * second: do not hammer the target, nor the console. */
		sleep_s(delay);
		delay = delay * 2 > RS_RELOGIN_DELAY_MAX_S ? RS_RELOGIN_DELAY_MAX_S : delay * 2;
	}
	/* A barrier before anything is resent: the old session's commands
	 * may still be running in the target (tgt does not abort them when a
	 * session is reinstated; its backing store runs them on a thread
	 * pool), and an old WRITE landing after a newer one would corrupt
	 * the disk. A LOGICAL UNIT RESET is answered only once every command
	 * the LU had started is done (SAM-5 §7.7; tgt target.c). The UNIT
	 * ATTENTION it leaves is taken by the first resend. */
	if (iscsi_task_mgmt_lun_reset_sync(nd.ctx, (uint32_t)nd.lun) != 0)
		log_warn("rootstore: LUN RESET after the new login failed (%s); resending anyway",
			 iscsi_get_error(nd.ctx));
	rs->d = nd;
	rs->broken = false;
	rs->why[0] = 0;
	rs->nop_sent = 0;
	rs->last_nop = rs->last_rx = log_uptime();
	rs->nreconnect++;
	rs->relogin_secs = log_uptime() - t0;
	rs->relogin_tries = tries;
}

/* The session is lost: end the old context (its socket closes: this
 * process holds the only copy), log in again, and put every request of the
 * table back in line, oldest first. */
static void reconnect(struct rs *rs)
{
	struct rs_req *q, *next;
	int n = 0;

	log_warn("rootstore: lost the session to %s: %s; logging in again (%d request%s held)", rs->d.portal,
		 rs->why[0] ? rs->why : "connection lost", rs->nreq_table, rs->nreq_table == 1 ? "" : "s");
	rs->destroying = true;
	if (rs->d.ctx)
		iscsi_destroy_context(rs->d.ctx);
	rs->destroying = false;
	rs->d.ctx = NULL;
	for (q = rs->head; q; q = next) {
		next = q->next;
		if (q->task) {
			/* Dropped by libiscsi without a call back (a logout
			 * the target asked for): ours to free and resend. */
			scsi_free_scsi_task(q->task);
			q->task = NULL;
			q->retry_at = -1;
		}
		if (q->retry_at < 0 && ++q->losses > RS_MAX_SESSION_LOSSES) {
			log_err("rootstore: a %s of %u bytes at %llu was on the wire of %d sessions that died; failing it",
				type_name(q->type), q->len, (unsigned long long)q->from, q->losses);
			answer(rs, q, EIO);
		}
	}
	rs_login_again(rs);
	for (q = rs->head; q; q = q->next) {
		q->retry_at = 0;
		q->busy = q->unit_attentions = 0;
		n++;
	}
	rs->nresent += (uint64_t)n;
	log_warn("rootstore: session back after %.1f s (%d attempt%s); %d request%s sent again, oldest first",
		 rs->relogin_secs, rs->relogin_tries, rs->relogin_tries > 1 ? "s" : "", n, n == 1 ? "" : "s");
}

/* The path is alive while the target answers NOP-Outs. */
static void keepalive(struct rs *rs, double now, double *next)
{
	if (rs->nop_sent > 0) {
		/* libiscsi's NOP-Out takes a CmdSN and waits its turn behind
		 * the commands queued before it: while those complete, the
		 * path is alive. */
		if (now - rs->nop_sent >= RS_NOP_TIMEOUT_S && now - rs->last_rx >= RS_NOP_TIMEOUT_S) {
			lose_session(rs, "no answer to a NOP-Out for %d s: the path is dead", RS_NOP_TIMEOUT_S);
			return;
		}
		{
			double due = (rs->nop_sent > rs->last_rx ? rs->nop_sent : rs->last_rx) + RS_NOP_TIMEOUT_S;

			if (due < *next)
				*next = due;
		}
		return;
	}
	if (now - rs->last_nop >= RS_NOP_INTERVAL_S) {
		rs->last_nop = now;
		if (iscsi_nop_out_async(rs->d.ctx, nop_done, NULL, 0, rs) == 0)
			rs->nop_sent = now > 0 ? now : 1e-9;
	}
	if (rs->last_nop + RS_NOP_INTERVAL_S < *next)
		*next = rs->last_nop + RS_NOP_INTERVAL_S;
}

/* ---- the loop ---------------------------------------------------------- */

void rs_serve(struct rs *rs)
{
	rs->last_nop = log_uptime();
	while (!rs->stop) {
		double now, next;
		bool take, buffered;
		int r, timeout;

		if (rs->draining && !rs->head)
			break;
		if (rs->broken) {
			reconnect(rs);
			continue;
		}
		now = log_uptime();
		next = now + 1;
		dispatch(rs, now, &next);
		keepalive(rs, now, &next);
		if (rs->broken)
			continue;
		take = !rs->draining && rs->nreq_table < RS_MAX_INFLIGHT && rs->bytes_table < rs->mem_budget;
		/* A whole request already read into the buffer: poll would not
		 * say so. */
		buffered = take && rs->in_len - rs->in_off >= NBD_REQ_LEN;
		timeout = buffered ? 0 : next > now ? (int)((next - now) * 1000) + 1 : 0;
		{
			struct pollfd p[2] = {
				{ rs->sock, take ? POLLIN : 0, 0 },
				{ iscsi_get_fd(rs->d.ctx), (short)iscsi_which_events(rs->d.ctx), 0 },
			};

			r = poll(p, 2, timeout);
			if (r < 0 && errno != EINTR)
				break;
			/* iscsi_service also answers the target's NOP-Ins and
			 * notices a dead socket: call it every round. */
			if (r > 0 && (p[1].revents & POLLIN))
				rs->last_rx = log_uptime();     /* bytes from the target: the path lives */
			if (iscsi_service(rs->d.ctx, r > 0 ? p[1].revents : 0) < 0)
				lose_session(rs, "%s", iscsi_get_error(rs->d.ctx));
			else if (r > 0 && (p[1].revents & (POLLHUP | POLLERR)))
				lose_session(rs, "the connection was closed");
			else if (!iscsi_is_logged_in(rs->d.ctx))
				lose_session(rs, "the target ended the session (logout or reject)");
			if (buffered || (r > 0 && (p[0].revents & (POLLIN | POLLHUP | POLLERR)))) {
				int n = 0;

				/* Take every request the kernel has queued, then
				 * push them out at once: one poll round per batch. */
				do {
					if (read_request(rs) < 0) {
						rs->stop = true;
						break;
					}
				} while (++n < RS_BATCH && !rs->draining && rs->nreq_table < RS_MAX_INFLIGHT &&
					 rs->bytes_table < rs->mem_budget && in_fill(rs, NBD_REQ_LEN, false) == 1);
				if (!rs->stop && !rs->broken && iscsi_out_queue_length(rs->d.ctx) > 0 &&
				    iscsi_service(rs->d.ctx, POLLOUT) < 0)
					lose_session(rs, "%s", iscsi_get_error(rs->d.ctx));
			}
		}
	}
}

void rs_set_limits(struct rs *rs, uint64_t mem_total)
{
	uint64_t budget = mem_total / 16, cap;
	uint32_t bs = rs->first.block_size;

	if (budget < RS_MEM_MIN)
		budget = RS_MEM_MIN;
	if (budget > RS_MEM_MAX)
		budget = RS_MEM_MAX;
	rs->mem_budget = budget;
	/* One command carries at most what the target takes (VPD B0). */
	rs->max_piece = 0;
	if (rs->first.max_xfer_blocks && (uint64_t)rs->first.max_xfer_blocks * bs < RS_NBD_MAX_REQUEST)
		rs->max_piece = rs->first.max_xfer_blocks * bs;
	rs->max_unmap_blocks = rs->first.max_unmap_blocks ? rs->first.max_unmap_blocks : UINT32_MAX;
	/* The kernel's requests: what one command carries, and small enough
	 * that eight of them fit the budget; a power of two. */
	cap = budget / 8;
	if (rs->max_piece && cap > rs->max_piece)
		cap = rs->max_piece;
	if (cap > RS_NBD_MAX_REQUEST)
		cap = RS_NBD_MAX_REQUEST;
	while (cap & (cap - 1))
		cap &= cap - 1;
	if (cap < 4096)
		cap = 4096;
	rs->max_request = (uint32_t)cap;
}

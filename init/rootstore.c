/* The root-storage daemon: the iSCSI LUN as /dev/nbdN.
 *
 * PID 1 (or `--attach-iscsi`) calls rootstore_start(), which forks and
 * re-executes this binary as "@netroot-nbd" — the '@' tells systemd not to
 * kill it at switch_root or shutdown (systemd ROOT_STORAGE_DAEMONS). The
 * daemon reads its configuration from a pipe (so no secret is ever in argv),
 * logs in with libiscsi, hands one end of a socketpair to the kernel's nbd
 * driver, and turns NBD requests into SCSI READ(16)/WRITE(16)/SYNCHRONIZE
 * CACHE(16)/UNMAP. libiscsi reconnects and re-logs-in by itself after a
 * connection loss or a target restart and re-issues what was in flight, so
 * the kernel sees a slow disk, not an I/O error.
 *
 * After it reports "ready" the daemon touches no file: its memory is locked,
 * it is marked an I/O flusher (its own writes never wait on the writeback it
 * serves) and the OOM killer leaves it alone. */
#include "rootstore.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/nbd.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include <iscsi/iscsi.h>
#include <iscsi/scsi-lowlevel.h>

#include "buf.h"
#include "init.h"
#include "log.h"

#ifndef PR_SET_IO_FLUSHER
#define PR_SET_IO_FLUSHER 57
#endif

#define RS_MAGIC 0x6e72736bu            /* "nrsk" */
#define NBD_REQ_LEN 28
#define NBD_REPLY_LEN 16
#define NBD_MAX_REQUEST (32u << 20)     /* the kernel sends at most max_sectors (~1.25 MiB) */
#define NBD_MAX_INFLIGHT 256            /* the kernel's queue depth is 128 per connection */
#define NBD_BATCH 32                    /* requests taken from the kernel per wake-up */

struct rs;

struct rs_req {
	struct rs *rs;
	struct rs_req *next;            /* on the retry list */
	uint64_t handle;                /* opaque to us, echoed to the kernel */
	uint32_t type, flags;
	uint64_t from;
	uint32_t len;
	uint8_t *buf;
	struct scsi_iovec iov;          /* reads land straight in buf */
	int unit_attentions;            /* retried after UNIT ATTENTION so far */
};

struct rs {
	struct iscsi_disk d;
	const struct rootstore_conf *conf;  /* for logging in again */
	int sock;                       /* our end of the socketpair with the kernel */
	int inflight;
	bool stop;
	bool broken;                    /* the session is gone: log in again */
	struct rs_req *retry;           /* requests to send again after that */
	uint64_t nreq, nerr, nreconnect, nresent;
};

#define MAX_UNIT_ATTENTIONS 3           /* a target restart raises one per LUN */

static int submit(struct rs *rs, struct rs_req *q);

static void reply(struct rs *rs, const struct rs_req *q, uint32_t error, bool with_data)
{
	uint8_t hdr[NBD_REPLY_LEN];
	struct wbuf w = wb_init(hdr, sizeof(hdr));
	struct iovec iov[2] = { { hdr, sizeof(hdr) }, { q->buf, with_data ? q->len : 0 } };
	size_t total = sizeof(hdr) + iov[1].iov_len, done, data_done;
	ssize_t sent;

	wb_be32(&w, NBD_REPLY_MAGIC);
	wb_be32(&w, error);
	wb_bytes(&w, &q->handle, 8);    /* the kernel's own bytes, back as they came */
	if (error)
		rs->nerr++;
	/* Header and data in one writev; whatever the socket did not take,
	 * the slow way. */
	sent = writev(rs->sock, iov, with_data ? 2 : 1);
	if (sent < 0 && errno != EAGAIN && errno != EINTR) {
		rs->stop = true;        /* the kernel went away: disconnected */
		return;
	}
	done = sent > 0 ? (size_t)sent : 0;
	if (done >= total)
		return;
	data_done = done > sizeof(hdr) ? done - sizeof(hdr) : 0;
	if ((done < sizeof(hdr) && write_full(rs->sock, hdr + done, sizeof(hdr) - done) < 0) ||
	    (with_data && write_full(rs->sock, q->buf + data_done, q->len - data_done) < 0))
		rs->stop = true;
}

static void task_done(struct iscsi_context *ctx, int status, void *data, void *priv)
{
	struct rs_req *q = priv;
	struct scsi_task *t = data;
	struct rs *rs = q->rs;

	rs->inflight--;
	if (status == SCSI_STATUS_CANCELLED || (status != SCSI_STATUS_GOOD && rs->broken)) {
		/* The connection went away under it: keep it for the new
		 * session instead of failing the kernel's request. */
		if (t)
			scsi_free_scsi_task(t);
		q->next = rs->retry;
		rs->retry = q;
		rs->broken = true;
		return;
	}
	if (status == SCSI_STATUS_CHECK_CONDITION && t && t->sense.key == SCSI_SENSE_UNIT_ATTENTION &&
	    q->unit_attentions++ < MAX_UNIT_ATTENTIONS) {
		/* After a target restart or a LUN reset: harmless, send again. */
		scsi_free_scsi_task(t);
		if (submit(rs, q) == 0)
			return;
		reply(rs, q, EIO, false);
		free(q->buf);
		free(q);
		return;
	}
	if (status == SCSI_STATUS_GOOD) {
		reply(rs, q, 0, q->type == NBD_CMD_READ);
	} else {
		log_warn("rootstore: %s of %u bytes failed: %s", q->type == NBD_CMD_READ ? "read" :
			 q->type == NBD_CMD_WRITE ? "write" : q->type == NBD_CMD_FLUSH ? "flush" : "trim", q->len,
			 iscsi_get_error(ctx));
		reply(rs, q, EIO, false);
	}
	if (t)
		scsi_free_scsi_task(t);
	free(q->buf);
	free(q);
}

/* One request from the kernel, checked before anything is allocated. */
static int handle_request(struct rs *rs)
{
	uint8_t hdr[NBD_REQ_LEN];
	struct rbuf b;
	uint32_t magic, type, flags, len;
	uint64_t from;
	struct rs_req *q;
	uint32_t bs = rs->d.block_size;
	uint64_t size = rs->d.blocks * bs;
	int r;

	r = read_full(rs->sock, hdr, sizeof(hdr));
	if (r < 0)
		return r;
	b = rb_init(hdr, sizeof(hdr));
	rb_be32(&b, &magic);
	rb_be32(&b, &type);
	q = calloc(1, sizeof(*q));
	if (!q)
		return -ENOMEM;
	q->rs = rs;
	rb_bytes(&b, &q->handle, 8);
	{
		uint32_t hi, lo;

		rb_be32(&b, &hi);
		rb_be32(&b, &lo);
		from = (uint64_t)hi << 32 | lo;
	}
	rb_be32(&b, &len);
	flags = type >> 16;
	type &= 0xffff;
	q->type = type;
	q->len = len;
	rs->nreq++;

	if (magic != NBD_REQUEST_MAGIC) {
		log_err("rootstore: bad request magic 0x%08x from the kernel; stopping", magic);
		free(q);
		return -EPROTO;
	}
	if (type == NBD_CMD_DISC) {
		free(q);
		rs->stop = true;
		return 0;
	}
	if (type == NBD_CMD_WRITE) {
		if (len > NBD_MAX_REQUEST) {
			/* We cannot skip the payload safely: the stream is lost. */
			log_err("rootstore: write of %u bytes is over the %u limit; stopping", len, NBD_MAX_REQUEST);
			free(q);
			return -EPROTO;
		}
		q->buf = malloc(len ? len : 1);
		if (!q->buf || read_full(rs->sock, q->buf, len) < 0) {
			free(q->buf);
			free(q);
			return -EPIPE;
		}
	}
	if ((type == NBD_CMD_READ || type == NBD_CMD_WRITE || type == NBD_CMD_TRIM) &&
	    (len == 0 || len > NBD_MAX_REQUEST || from % bs || len % bs || from > size || len > size - from)) {
		reply(rs, q, EINVAL, false);
		free(q->buf);
		free(q);
		return 0;
	}
	q->flags = flags;
	q->from = from;
	if (type != NBD_CMD_READ && type != NBD_CMD_WRITE && type != NBD_CMD_FLUSH && type != NBD_CMD_TRIM) {
		reply(rs, q, EINVAL, false);
		free(q->buf);
		free(q);
		return 0;
	}
	if (type == NBD_CMD_READ) {
		q->buf = malloc(len);
		if (!q->buf) {
			reply(rs, q, ENOMEM, false);
			free(q);
			return 0;
		}
	}
	if (rs->broken) {               /* no session right now: queue it */
		q->next = rs->retry;
		rs->retry = q;
		return 0;
	}
	if (submit(rs, q) < 0) {
		log_warn("rootstore: cannot queue a SCSI command: %s", iscsi_get_error(rs->d.ctx));
		reply(rs, q, ENOMEM, false);
		free(q->buf);
		free(q);
	}
	return 0;
}

/* One request to the target as a SCSI command. 0, or -1 when libiscsi
 * could not queue it. */
static int submit(struct rs *rs, struct rs_req *q)
{
	struct scsi_task *t = NULL;
	uint32_t bs = rs->d.block_size;

	switch (q->type) {
	case NBD_CMD_READ:
		t = iscsi_read16_task(rs->d.ctx, rs->d.lun, q->from / bs, q->len, (int)bs, 0, 0, 0, 0, 0,
				      task_done, q);
		if (t) {
			q->iov.iov_base = q->buf;
			q->iov.iov_len = q->len;
			scsi_task_set_iov_in(t, &q->iov, 1);
		}
		break;
	case NBD_CMD_WRITE:
		t = iscsi_write16_task(rs->d.ctx, rs->d.lun, q->from / bs, q->buf, q->len, (int)bs, 0, 0,
				       (q->flags & (NBD_CMD_FLAG_FUA >> 16)) ? 1 : 0, 0, 0, task_done, q);
		break;
	case NBD_CMD_FLUSH:
		t = iscsi_synchronizecache16_task(rs->d.ctx, rs->d.lun, 0, 0, 0, 0, task_done, q);
		break;
	case NBD_CMD_TRIM: {
		struct unmap_list ul = { q->from / bs, q->len / bs };

		t = iscsi_unmap_task(rs->d.ctx, rs->d.lun, 0, 0, &ul, 1, task_done, q);
		break;
	}
	}
	if (!t)
		return -1;
	rs->inflight++;
	return 0;
}

/* The session is gone (target restart, network blip): log in again — for
 * as long as it takes, since this is the root disk — then send again what
 * was in flight, in the order the kernel sent it. The kernel meanwhile only
 * sees a slow disk (nbd timeout 0: it never fails a request on time). */
static void reconnect(struct rs *rs)
{
	struct iscsi_disk nd;
	struct iscsi_login_error e;
	struct rs_req *list = NULL, *q;
	double t0 = log_uptime();
	int tries = 0, n = 0;

	log_warn("rootstore: lost the session to %s (%s); logging in again", rs->d.portal,
		 iscsi_get_error(rs->d.ctx));
	/* Cancels whatever libiscsi still holds: those land on the retry list. */
	iscsi_destroy_context(rs->d.ctx);
	rs->d.ctx = NULL;
	for (;;) {
		tries++;
		if (iscsi_login_disk(&rs->conf->iscsi, rs->d.lun, log_uptime() + 20, rs->conf->attempt_timeout,
				     rs->conf->debug ? 3 : 1, &nd, &e) == 0)
			break;
		log_warn("rootstore: log-in attempt %d failed: %s (%s); still trying", tries, iscsi_err_name(e.kind),
			 e.msg);
	}
	if (nd.blocks != rs->d.blocks || nd.block_size != rs->d.block_size)
		log_warn("rootstore: the LUN changed size (%llu -> %llu blocks); keeping the old geometry",
			 (unsigned long long)rs->d.blocks, (unsigned long long)nd.blocks);
	rs->d.ctx = nd.ctx;
	rs->broken = false;
	rs->nreconnect++;
	/* The retry list is newest first: reverse it to resend in order. */
	while ((q = rs->retry) != NULL) {
		rs->retry = q->next;
		q->next = list;
		list = q;
	}
	while ((q = list) != NULL) {
		list = q->next;
		q->unit_attentions = 0;
		if (submit(rs, q) < 0) {
			reply(rs, q, EIO, false);
			free(q->buf);
			free(q);
		} else {
			n++;
		}
	}
	rs->nresent += (uint64_t)n;
	log_warn("rootstore: session back after %.1f s (%d attempt%s); %d request%s sent again", log_uptime() - t0,
		 tries, tries > 1 ? "s" : "", n, n == 1 ? "" : "s");
}

/* The daemon's loop: requests from the kernel, completions from the target. */
static void serve(struct rs *rs)
{
	while (!rs->stop) {
		if (rs->broken) {
			reconnect(rs);
			continue;
		}
		{
		struct pollfd p[2] = {
			{ rs->sock, rs->inflight < NBD_MAX_INFLIGHT ? POLLIN : 0, 0 },
			{ iscsi_get_fd(rs->d.ctx), (short)iscsi_which_events(rs->d.ctx), 0 },
		};
		int r = poll(p, 2, 1000);

		if (r < 0 && errno != EINTR)
			break;
		/* iscsi_service also drives reconnects and timeouts: call it
		 * every round, even without events. */
		/* A dead connection: with libiscsi's own reconnect off, it
		 * cancels the tasks (task_done puts them on the retry list)
		 * or reports an error; either way we log in again. */
		if (iscsi_service(rs->d.ctx, r > 0 ? p[1].revents : 0) < 0 ||
		    (r > 0 && (p[1].revents & (POLLHUP | POLLERR))))
			rs->broken = true;
		if (!rs->broken && r > 0 && (p[0].revents & (POLLIN | POLLHUP | POLLERR))) {
			int avail = 0, n = 0;

			/* Take every request the kernel has queued, then push
			 * them out at once: one poll round per batch, not three
			 * per request. */
			do {
				if (handle_request(rs) < 0) {
					rs->stop = true;
					break;
				}
			} while (++n < NBD_BATCH && rs->inflight < NBD_MAX_INFLIGHT && !rs->broken &&
				 ioctl(rs->sock, FIONREAD, &avail) == 0 && avail >= NBD_REQ_LEN);
			if (!rs->stop && !rs->broken && iscsi_out_queue_length(rs->d.ctx) > 0 &&
			    iscsi_service(rs->d.ctx, POLLOUT) < 0)
				rs->broken = true;
		}
		}
	}
}

/* ---- starting it ------------------------------------------------------- */

static void set_oom_and_memory(void)
{
	int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);

	if (fd >= 0) {
		if (write(fd, "-1000", 5) != 5)
			log_warn("rootstore: cannot set oom_score_adj");
		close(fd);
	}
	if (mlockall(MCL_CURRENT | MCL_FUTURE) != 0)
		log_warn("rootstore: mlockall: %s", strerror(errno));
	if (prctl(PR_SET_IO_FLUSHER, 1, 0, 0, 0) != 0)
		log_warn("rootstore: PR_SET_IO_FLUSHER: %s", strerror(errno));
}

static int nbd_setup(const char *dev, const struct iscsi_disk *d, int *nbdfd, int *sock)
{
	int sv[2], fd;
	unsigned long flags = NBD_FLAG_HAS_FLAGS | NBD_FLAG_SEND_FLUSH | NBD_FLAG_SEND_FUA;

	if (d->thin)
		flags |= NBD_FLAG_SEND_TRIM;
	fd = open(dev, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
		close(fd);
		return -errno;
	}
	ioctl(fd, NBD_CLEAR_SOCK);      /* a previous user, if any */
	if (ioctl(fd, NBD_SET_BLKSIZE, (unsigned long)d->block_size) < 0 ||
	    ioctl(fd, NBD_SET_SIZE_BLOCKS, (unsigned long)d->blocks) < 0 ||
	    ioctl(fd, NBD_SET_FLAGS, flags) < 0 ||
	    /* 0: never fail a request on a timeout; we reconnect instead */
	    ioctl(fd, NBD_SET_TIMEOUT, 0UL) < 0 ||
	    ioctl(fd, NBD_SET_SOCK, (unsigned long)sv[0]) < 0) {
		int err = -errno;

		close(fd);
		close(sv[0]);
		close(sv[1]);
		return err;
	}
	*nbdfd = fd;
	*sock = sv[1];
	close(sv[0]);                   /* the kernel holds its own reference */
	return 0;
}

static void send_status(int fd, const struct rootstore_status *st)
{
	if (fd >= 0 && write_full(fd, st, sizeof(*st)) < 0)
		log_warn("rootstore: cannot report to the parent");
}

/* argv: "@netroot-nbd" "--rootstore" <config fd> <status fd> */
int rootstore_main(int argc, char **argv)
{
	static struct rootstore_conf c;
	struct rootstore_status st;
	struct iscsi_login_error e;
	static struct rs rs;
	int cfd, sfd, nbdfd = -1, r;
	pid_t doit;

	if (argc < 4)
		return 2;
	cfd = atoi(argv[2]);
	sfd = atoi(argv[3]);
	memset(&st, 0, sizeof(st));
	if (read_full(cfd, &c, sizeof(c)) < 0 || c.magic != RS_MAGIC || c.size != sizeof(c))
		return 2;
	close(cfd);
	log_setup(LOG_TO_CONSOLE | (c.kmsg ? LOG_TO_KMSG | LOG_KMSG_KEEP : 0), c.debug, 0);
	log_set_console(2);

	/* stdin/stdout to /dev/null: a caller capturing our parent's output
	 * ($(netroot-init --attach-iscsi ...)) must not wait for us. */
	{
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);

		if (null >= 0) {
			dup2(null, 0);
			dup2(null, 1);
			if (null > 2)
				close(null);
		}
	}
	setsid();
	signal(SIGPIPE, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	/* systemd skips '@' processes at shutdown; anything else that sends
	 * SIGTERM must not take the root away either. */
	signal(SIGTERM, SIG_IGN);
	set_oom_and_memory();

	r = iscsi_login_disk(&c.iscsi, c.lun, log_uptime() + c.login_deadline, c.attempt_timeout, c.debug ? 3 : 2,
			     &rs.d, &e);
	/* The secrets stay (in locked memory): a target restart means
	 * logging in again. */
	rs.conf = &c;
	if (r < 0) {
		st.err = r;
		st.kind = e.kind;
		snprintf(st.portal, sizeof(st.portal), "%s", e.portal);
		snprintf(st.msg, sizeof(st.msg), "%s", e.msg);
		send_status(sfd, &st);
		return 1;
	}
	r = nbd_setup(c.nbd_dev, &rs.d, &nbdfd, &rs.sock);
	if (r < 0) {
		st.err = r;
		st.kind = ISCSI_ERR_OTHER;
		snprintf(st.msg, sizeof(st.msg), "cannot attach %s: %s (is the nbd module loaded, is the device free?)",
			 c.nbd_dev, strerror(-r));
		send_status(sfd, &st);
		return 1;
	}
	/* NBD_DO_IT blocks for as long as the device is connected: give it a
	 * process of its own (it inherits the '@' name). */
	doit = fork();
	if (doit == 0) {
		close(rs.sock);
		if (ioctl(nbdfd, NBD_DO_IT) < 0 && errno != EPIPE)
			log_warn("rootstore: NBD_DO_IT: %s", strerror(errno));
		ioctl(nbdfd, NBD_CLEAR_QUE);
		ioctl(nbdfd, NBD_CLEAR_SOCK);
		_exit(0);
	}
	if (doit < 0) {
		st.err = -errno;
		st.kind = ISCSI_ERR_OTHER;
		snprintf(st.msg, sizeof(st.msg), "fork: %s", strerror(errno));
		send_status(sfd, &st);
		return 1;
	}
	close(nbdfd);
	st.err = 0;
	st.kind = ISCSI_OK;
	st.bytes = rs.d.blocks * rs.d.block_size;
	st.block_size = rs.d.block_size;
	st.lun = rs.d.lun;
	snprintf(st.portal, sizeof(st.portal), "%s", rs.d.portal);
	send_status(sfd, &st);
	close(sfd);

	serve(&rs);
	log_warn("rootstore: %s disconnected after %llu requests (%llu errors, %llu reconnects, %llu resent)",
		 c.nbd_dev, (unsigned long long)rs.nreq, (unsigned long long)rs.nerr,
		 (unsigned long long)rs.nreconnect, (unsigned long long)rs.nresent);
	iscsi_logout_sync(rs.d.ctx);
	iscsi_destroy_context(rs.d.ctx);
	waitpid(doit, NULL, 0);
	return 0;
}

int rootstore_start(const struct rootstore_conf *conf, double deadline, pid_t *pid,
		    struct rootstore_status *st)
{
	int cfg[2], stat[2];
	char a1[12], a2[12];
	struct rootstore_conf c = *conf;
	double left;
	int r;

	memset(st, 0, sizeof(*st));
	c.magic = RS_MAGIC;
	c.size = sizeof(c);
	if (pipe2(cfg, O_CLOEXEC) != 0 || pipe2(stat, O_CLOEXEC) != 0)
		return -errno;
	*pid = fork();
	if (*pid < 0)
		return -errno;
	if (*pid == 0) {
		/* Re-executed so that argv[0] starts with '@' — the whole argv
		 * is ours to choose, and holds no secret. */
		char *const argv[] = { "@netroot-nbd", "--rootstore", a1, a2, NULL };

		close(cfg[1]);
		close(stat[0]);
		fcntl(cfg[0], F_SETFD, 0);
		fcntl(stat[1], F_SETFD, 0);
		snprintf(a1, sizeof(a1), "%d", cfg[0]);
		snprintf(a2, sizeof(a2), "%d", stat[1]);
		execv("/proc/self/exe", argv);
		_exit(127);
	}
	close(cfg[0]);
	close(stat[1]);
	r = write_full(cfg[1], &c, sizeof(c));
	explicit_bzero(&c, sizeof(c));
	close(cfg[1]);
	if (r < 0) {
		close(stat[0]);
		return r;
	}
	/* Wait for the verdict, bounded: the daemon's own login deadline
	 * plus a margin for the last attempt. */
	left = deadline - log_uptime() + conf->attempt_timeout + 5;
	{
		struct pollfd p = { stat[0], POLLIN, 0 };

		r = poll(&p, 1, left > 0 ? (int)(left * 1000) : 0);
	}
	if (r <= 0) {
		close(stat[0]);
		kill(*pid, SIGKILL);
		waitpid(*pid, NULL, 0);
		return -ETIMEDOUT;
	}
	r = read_full(stat[0], st, sizeof(*st));
	close(stat[0]);
	if (r < 0) {
		waitpid(*pid, NULL, 0);
		return -ECHILD;     /* died without a word */
	}
	if (st->err < 0)
		waitpid(*pid, NULL, 0);
	return st->err;
}

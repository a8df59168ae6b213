/* The root-storage daemon: the iSCSI LUN as /dev/nbdN.
 *
 * PID 1 (or `--attach-iscsi`) calls rootstore_start(), which forks and
 * re-executes this binary as "@netroot-nbd" — the '@' tells systemd not to
 * kill it at switch_root or shutdown (systemd ROOT_STORAGE_DAEMONS). The
 * daemon reads its configuration from a pipe (so no secret is ever in argv),
 * logs in with libiscsi, hands one end of a socketpair to the kernel's nbd
 * driver, and serves NBD requests as SCSI commands (rootstore_io.c), logging
 * in again by itself whenever the session is lost, so the kernel sees a
 * slow disk, never an I/O error.
 *
 * After it reports "ready" the daemon touches no file: its memory is locked,
 * it is marked an I/O flusher (its own writes never wait on the writeback it
 * serves), the OOM killer leaves it alone, and it ignores every signal it
 * can. */
#include "rootstore.h"
#include "rootstore_int.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/nbd.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/sysinfo.h>
#include <sys/wait.h>
#include <unistd.h>

#include "init.h"
#include "log.h"
#include "nbd_netlink.h"
#include "nr_limits.h"
#include "text.h"

#ifndef PR_SET_IO_FLUSHER
#define PR_SET_IO_FLUSHER 57
#endif

#define RS_MAGIC 0x6e72736bu            /* "nrsk" */

/* ---- starting it ------------------------------------------------------- */

/* Memory locked, and an I/O flusher: per process, so every worker calls
 * this again (MCL_FUTURE is not inherited across fork). */
static void lock_memory(void)
{
	if (mlockall(MCL_CURRENT | MCL_FUTURE) != 0)
		log_warn("rootstore: mlockall: %s", strerror(errno));
	if (prctl(PR_SET_IO_FLUSHER, 1, 0, 0, 0) != 0)
		log_warn("rootstore: PR_SET_IO_FLUSHER: %s", strerror(errno));
}

/* Out of the OOM killer's reach; inherited by the workers. Opens a file:
 * only at start. */
static void set_oom(void)
{
	int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);

	if (fd >= 0) {
		if (write(fd, "-1000", 5) != 5)
			log_warn("rootstore: cannot set oom_score_adj");
		close(fd);
	}
}

/* The board's RAM, for the memory budget (rs_set_limits). */
uint64_t rs_ram_bytes(void)
{
	struct sysinfo si;

	return sysinfo(&si) == 0 ? (uint64_t)si.totalram * si.mem_unit : 0;
}

/* Every catchable signal this daemon does not use is ignored: nothing sent
 * by a script, a shutdown or a terminal may take the root away. Faults stay
 * fatal (ignoring them loops), SIGCHLD keeps its default (we wait for the
 * worker). */
void rs_ignore_signals(void)
{
	int sig;

	for (sig = 1; sig < NSIG; sig++) {
		switch (sig) {
		case SIGKILL: case SIGSTOP: case SIGCHLD:
		case SIGSEGV: case SIGBUS: case SIGFPE: case SIGILL: case SIGABRT: case SIGTRAP: case SIGSYS:
			continue;
		}
		signal(sig, SIG_IGN);   /* fails harmlessly for the signals musl reserves */
	}
}

/* What the supervisor (and a standby) does to itself before it holds
 * secrets and serves the root. */
void rs_harden(void)
{
	rs_ignore_signals();
	set_oom();
	lock_memory();
	/* No core dumps (they would hold the CHAP secrets, and a dump
	 * helper started from the root this process serves would hang
	 * it), no ptrace or /proc/PID/mem for anyone but root. Inherited by
	 * the workers. */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

/* 24 random bits for the ISID, the same at every login of this daemon. */
static uint32_t new_isid(void)
{
	uint32_t v = 0;

	if (getrandom(&v, sizeof(v), GRND_NONBLOCK) != (ssize_t)sizeof(v))
		v = (uint32_t)getpid() * 2654435761u ^ (uint32_t)(log_uptime() * 1e6);
	v &= 0xffffff;
	return v ? v : 1;
}

static void send_status(int fd, const struct rootstore_status *st)
{
	if (fd >= 0 && write_full(fd, st, sizeof(*st)) < 0)
		log_warn("rootstore: cannot report to the parent");
}

/* The socketpair with the kernel, with room for whole requests and
 * replies: with the default (~200 KiB) a 1 MiB reply is written in pieces,
 * each waiting for the kernel's receive work to drain the last — a wake-up
 * and a context switch per piece. */
static int nbd_socketpair(int sv[2])
{
	int sz = RS_SOCK_BUF, i;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
		return -errno;
	for (i = 0; i < 2; i++)
		if (setsockopt(sv[i], SOL_SOCKET, SO_SNDBUFFORCE, &sz, sizeof(sz)) != 0)
			setsockopt(sv[i], SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	return 0;
}

/* N of "/dev/nbdN". */
static int nbd_index(const char *dev)
{
	const char *p = strrchr(dev, '/');

	p = p ? p + 1 : dev;
	if (strncmp(p, "nbd", 3) != 0 || p[3] < '0' || p[3] > '9')
		return -1;
	return atoi(p + 3);
}

static void nbd_params(const struct rs *rs, struct nbd_nl_params *np)
{
	memset(np, 0, sizeof(*np));
	np->index = nbd_index(rs->conf->nbd_dev);
	np->size = rs->first.blocks * rs->first.block_size;
	np->block_size = rs->first.block_size;
	np->server_flags = NBD_FLAG_HAS_FLAGS | NBD_FLAG_SEND_FLUSH | NBD_FLAG_SEND_FUA |
			   (rs->first.thin ? NBD_FLAG_SEND_TRIM : 0);
	np->dead_conn_timeout = RS_DEAD_CONN_TIMEOUT_S;
}

static void fail_status(int sfd, int err, int kind, const char *portal, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
static void fail_status(int sfd, int err, int kind, const char *portal, const char *fmt, ...)
{
	struct rootstore_status st;
	va_list ap;

	memset(&st, 0, sizeof(st));
	st.err = err;
	st.kind = kind;
	text_copy(st.portal, sizeof(st.portal), portal ? portal : "");
	va_start(ap, fmt);
	vsnprintf(st.msg, sizeof(st.msg), fmt, ap);
	va_end(ap);
	send_status(sfd, &st);
}

/* The first worker: log in, connect /dev/nbdN, tell PID 1 and the
 * supervisor (idfd: the disk's identity, for every later worker). */
static int first_worker(struct rs *rs, int sfd, int idfd)
{
	const struct rootstore_conf *c = rs->conf;
	struct rootstore_status st;
	struct iscsi_login_error e;
	struct nbd_nl_params np;
	int sv[2], r;

	r = iscsi_login_disk(&c->iscsi, c->lun, log_uptime() + c->login_deadline, c->attempt_timeout,
			     c->debug ? 3 : 2, &rs->so, &rs->d, &e);
	if (r < 0) {
		fail_status(sfd, r, e.kind, e.portal, "%s", e.msg);
		return 1;
	}
	rs->first = rs->d;
	rs->first.ctx = NULL;
	rs_set_limits(rs, rs_ram_bytes());
	nbd_params(rs, &np);
	if (np.index < 0 || nbd_socketpair(sv) != 0) {
		fail_status(sfd, -EINVAL, ISCSI_ERR_OTHER, rs->d.portal, "cannot attach %s: not an nbd device",
			    c->nbd_dev);
		return 1;
	}
	r = nbd_nl_connect(&np, sv[0]);
	close(sv[0]);                   /* the kernel holds its own reference */
	if (r < 0) {
		fail_status(sfd, r, ISCSI_ERR_OTHER, rs->d.portal,
			    "cannot attach %s: %s (is the nbd module loaded, is the device free?)", c->nbd_dev,
			    strerror(-r));
		return 1;
	}
	rs->sock = sv[1];
	/* Before PID 1 hears "ready" (and moves /run into the root): what a
	 * standby started by the booted system needs to take over. */
	if (c->standby && (r = rs_state_save(rs)) < 0)
		log_warn("rootstore: cannot leave the standby's state in %s: %s; if this daemon dies, nothing will "
			 "re-attach %s", RS_STATE_DIR, strerror(-r), c->nbd_dev);
	if (write_full(idfd, &rs->first, sizeof(rs->first)) < 0)
		log_warn("rootstore: cannot hand the disk's identity to the supervisor");
	close(idfd);
	memset(&st, 0, sizeof(st));
	st.kind = ISCSI_OK;
	st.bytes = rs->d.blocks * rs->d.block_size;
	st.block_size = rs->d.block_size;
	st.lun = rs->d.lun;
	st.max_request = rs->max_request;
	text_copy(st.portal, sizeof(st.portal), rs->d.portal);
	send_status(sfd, &st);
	close(sfd);
	log_info("rootstore: %s: requests up to %u KiB, %llu MiB of buffers at most, ISID 0x80%06x, "
		 "NOP-Out every %d s (dead after %d s)", c->nbd_dev, rs->max_request >> 10,
		 (unsigned long long)(rs->mem_budget >> 20), rs->so.isid, RS_NOP_INTERVAL_S, RS_NOP_TIMEOUT_S);
	return 0;
}

/* A worker after one was killed: the device is still connected, its
 * requests held by the kernel; log in again (same ISID: the old session is
 * reinstated and its commands behind a LUN RESET) and give the device a
 * new socket. The kernel sends what was in flight again once its request
 * timer sees the socket changed (up to 30 s). */
static int later_worker(struct rs *rs)
{
	struct nbd_nl_params np;
	int sv[2], r, tries = 0;

	rs_login_again(rs);
	nbd_params(rs, &np);
	for (;;) {
		if (nbd_socketpair(sv) != 0) {
			sleep_s(1);
			continue;
		}
		r = nbd_nl_reconfigure(&np, sv[0], sv[1]);   /* closes sv[0] */
		if (r == 0)
			break;
		close(sv[1]);
		if (r == -EINVAL || r == -ENOENT) {
			/* Not connected any more (disconnected by hand): there
			 * is nothing to serve. */
			log_warn("rootstore: %s is not connected any more (%s); stopping", rs->conf->nbd_dev,
				 strerror(-r));
			return -1;
		}
		if (++tries % 20 == 1)
			log_warn("rootstore: cannot give %s its new connection yet: %s; still trying", rs->conf->nbd_dev,
				 strerror(-r));
		sleep_s(0.5);
	}
	rs->sock = sv[1];
	log_warn("rootstore: re-attached %s after %.1f s: session to %s back (%d login attempt%s)",
		 rs->conf->nbd_dev, rs->relogin_secs, rs->d.portal, rs->relogin_tries,
		 rs->relogin_tries > 1 ? "s" : "");
	return 0;
}

/* How a worker ends. */
enum {
	WORKER_DISCONNECTED = 0,        /* NBD_CMD_DISC, or the device is gone: stop */
	WORKER_FAILED = 1,              /* the first login or attach failed (PID 1 was told) */
	WORKER_LOST = 4,                /* the kernel's socket broke: another worker re-attaches */
};

/* One worker's life: the session, the device's socket, the loop. */
static int worker(struct rs *rs, int supfd, int generation, int sfd, int idfd)
{
	char waiting[96];
	int name;

	lock_memory();
	/* The supervisor's name is the supervisor's: a standby takes over
	 * when that process dies, whether this worker lives on or not. */
	close(supfd);
	snprintf(waiting, sizeof(waiting), "waiting for the previous worker of %s to end", rs->conf->nbd_dev);
	name = rs_claim_wait("worker", rs->conf->nbd_dev, 0.2, waiting);
	if (name < 0)
		log_warn("rootstore: cannot hold the worker's name for %s: %s", rs->conf->nbd_dev, strerror(-name));
	if (generation == 0) {
		/* Until PID 1 has its answer, this worker must not outlive the
		 * supervisor (PID 1 kills it when the login takes too long);
		 * once serving, it must. */
		prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
		if (getppid() == 1 || first_worker(rs, sfd, idfd) != 0)
			return WORKER_FAILED;
		prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0);
	} else if (later_worker(rs) < 0) {
		return WORKER_DISCONNECTED;
	}
	rs_serve(rs);
	log_warn("rootstore: %s disconnected after %llu requests (%llu errors, %llu reconnects, %llu resent)",
		 rs->conf->nbd_dev, (unsigned long long)rs->nreq, (unsigned long long)rs->nerr,
		 (unsigned long long)rs->nreconnect, (unsigned long long)rs->nresent);
	iscsi_logout_sync(rs->d.ctx);
	iscsi_destroy_context(rs->d.ctx);
	return rs->draining ? WORKER_DISCONNECTED : WORKER_LOST;
}

/* argv: "@netroot-nbd" "--rootstore" <config fd> <status fd>
 *
 * This process is the supervisor: it holds no connection, only the
 * configuration (in locked memory) and the disk's identity. A worker
 * process serves the device; when a worker is killed (SIGKILL cannot be
 * ignored), the supervisor starts another, which logs in again and gives
 * the still-connected device a new socket: the root sees a pause, not an
 * error. */
int rootstore_main(int argc, char **argv)
{
	static struct rootstore_conf c;
	static struct rs rs;
	int cfd, sfd, supfd;

	if (argc < 4)
		return 2;
	cfd = atoi(argv[2]);
	sfd = atoi(argv[3]);
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
	rs_harden();
	/* The secrets stay (in locked memory): every worker logs in. */
	rs.conf = &c;
	rs.so.isid = new_isid();
	rs.so.tcp_user_timeout_ms = RS_TCP_USER_TIMEOUT_MS;
	supfd = rs_claim("supervisor", c.nbd_dev);
	if (supfd < 0) {
		fail_status(sfd, supfd, ISCSI_ERR_OTHER, NULL, "%s has a root-storage daemon already (%s)", c.nbd_dev,
			    strerror(-supfd));
		return 1;
	}
	return rs_supervise(&rs, supfd, 0, sfd);
}

int rs_supervise(struct rs *rs, int supfd, int generation, int sfd)
{
	const char *dev = rs->conf->nbd_dev;
	int idp[2] = { -1, -1 }, delay = 1;

	if (generation == 0 && pipe2(idp, O_CLOEXEC) != 0)
		return 1;
	for (;; generation++) {
		int status;
		double started = log_uptime();
		pid_t pid;

		/* The first worker is the one that logs in and connects the
		 * device: a failed fork must not skip it. */
		while ((pid = fork()) < 0)
			sleep_s(1);
		if (pid == 0) {
			if (idp[0] >= 0)
				close(idp[0]);
			_exit(worker(rs, supfd, generation, sfd, idp[1]));
		}
		if (idp[0] >= 0) {
			/* PID 1 hears from the worker; we need the disk it
			 * found, or it failed and said so. */
			close(sfd);
			close(idp[1]);
			if (read_full(idp[0], &rs->first, sizeof(rs->first)) < 0) {
				waitpid(pid, NULL, 0);
				return 1;
			}
			close(idp[0]);
			idp[0] = -1;
			rs_set_limits(rs, rs_ram_bytes());
		}
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		if (WIFEXITED(status) && WEXITSTATUS(status) != WORKER_LOST)
			return WEXITSTATUS(status);     /* disconnected, or could not start */
		if (WIFEXITED(status))
			log_err("rootstore: the root-storage worker (pid %d) lost its connection to the kernel; starting "
				"another to re-attach %s", (int)pid, dev);
		else
			log_err("rootstore: the root-storage worker (pid %d) was killed by signal %d; starting another "
				"to re-attach %s", (int)pid, WIFSIGNALED(status) ? WTERMSIG(status) : 0, dev);
		/* A worker that dies at once again and again must not make
		 * this loop spin; one that served a while starts afresh. */
		if (log_uptime() - started > 60)
			delay = 1;
		sleep_s(delay);
		delay = delay < 8 ? delay * 2 : 8;
	}
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
	if (pipe2(cfg, O_CLOEXEC) != 0)
		return -errno;
	if (pipe2(stat, O_CLOEXEC) != 0) {
		r = -errno;
		close(cfg[0]);
		close(cfg[1]);
		return r;
	}
	*pid = fork();
	if (*pid < 0) {
		r = -errno;
		close(cfg[0]);
		close(cfg[1]);
		close(stat[0]);
		close(stat[1]);
		return r;
	}
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
		/* No environment either: the caller's may hold secrets. */
		char *const envp[] = { NULL };

		execve("/proc/self/exe", argv, envp);
		_exit(127);
	}
	close(cfg[0]);
	close(stat[1]);
	r = write_full(cfg[1], &c, sizeof(c));
	explicit_bzero(&c, sizeof(c));
	close(cfg[1]);
	if (r < 0) {
		close(stat[0]);
		waitpid(*pid, NULL, 0);
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
		/* The supervisor and its worker (one process group: the
		 * supervisor called setsid). */
		kill(-*pid, SIGKILL);
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

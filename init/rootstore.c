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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/wait.h>
#include <unistd.h>

#include "init.h"
#include "log.h"
#include "nr_limits.h"

#ifndef PR_SET_IO_FLUSHER
#define PR_SET_IO_FLUSHER 57
#endif

#define RS_MAGIC 0x6e72736bu            /* "nrsk" */

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

/* Every catchable signal this daemon does not use is ignored: nothing sent
 * by a script, a shutdown or a terminal may take the root away. Faults stay
 * fatal (ignoring them loops), SIGCHLD keeps its default (we wait for the
 * NBD_DO_IT child). */
static void ignore_signals(void)
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

/* 24 random bits for the ISID, the same at every login of this daemon. */
static uint32_t new_isid(void)
{
	uint32_t v = 0;

	if (getrandom(&v, sizeof(v), GRND_NONBLOCK) != (ssize_t)sizeof(v))
		v = (uint32_t)getpid() * 2654435761u ^ (uint32_t)(log_uptime() * 1e6);
	v &= 0xffffff;
	return v ? v : 1;
}

/* Close every descriptor but keep (and 0-2, which are /dev/null and the
 * console). */
static void close_all_but(int keep)
{
#ifdef SYS_close_range
	if (keep > 3)
		syscall(SYS_close_range, 3u, (unsigned)keep - 1, 0u);
	if (syscall(SYS_close_range, (unsigned)keep + 1, ~0u, 0u) == 0)
		return;
#endif
	for (int fd = 3; fd < 1024; fd++)
		if (fd != keep)
			close(fd);
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
	ignore_signals();
	set_oom_and_memory();
	rs.so.isid = new_isid();
	rs.so.tcp_user_timeout_ms = RS_TCP_USER_TIMEOUT_MS;

	r = iscsi_login_disk(&c.iscsi, c.lun, log_uptime() + c.login_deadline, c.attempt_timeout, c.debug ? 3 : 2,
			     &rs.so, &rs.d, &e);
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
	rs.first = rs.d;
	{
		struct sysinfo si;

		rs_set_limits(&rs, sysinfo(&si) == 0 ? (uint64_t)si.totalram * si.mem_unit : 0);
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
		/* This process only sits in the kernel: it must hold no other
		 * descriptor, above all not the iSCSI socket (or ending a
		 * session would not close its connection). */
		log_setup(LOG_TO_CONSOLE, c.debug, 0);
		close_all_but(nbdfd);
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
	st.max_request = rs.max_request;
	snprintf(st.portal, sizeof(st.portal), "%s", rs.d.portal);
	send_status(sfd, &st);
	close(sfd);

	log_info("rootstore: %s: requests up to %u KiB, %llu MiB of buffers at most, ISID 0x80%06x, "
		 "NOP-Out every %d s (dead after %d s)", c.nbd_dev, rs.max_request >> 10,
		 (unsigned long long)(rs.mem_budget >> 20), rs.so.isid, RS_NOP_INTERVAL_S, RS_NOP_TIMEOUT_S);
	rs_serve(&rs);
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

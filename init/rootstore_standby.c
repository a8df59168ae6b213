/* The root-storage daemon's standby: who serves /dev/nbdN, and taking over
 * when the supervisor and its worker are both gone.
 *
 * Roles are names, not pid files: the supervisor and the worker each hold
 * an abstract unix socket name ("\0netroot-nbd/supervisor/nbd0",
 * ".../worker/nbd0"). The kernel releases a name the instant its holder
 * dies, whatever killed it, and binding one is atomic: whoever binds the
 * supervisor name is the supervisor, and a worker cannot start while
 * another still holds the worker name. Nothing on disk can go stale.
 *
 * At boot the first worker leaves, before it reports ready, what a new
 * supervisor needs in /run (a tmpfs, root only): the settings with the
 * CHAP secrets (as open-iscsi keeps them in /etc/iscsi/nodes, mode 0600),
 * the ISID of this boot, the disk's identity, and a copy of this binary —
 * a process exec'd from the root it is to serve would stall on its own
 * page-ins while that root has no server.
 *
 * The systemd unit netroot-rootstore.service runs that copy as
 * "@netroot-nbd --rootstore-standby" on netroot iSCSI roots only. It waits
 * for the supervisor name to come free; then it is the supervisor, and its
 * worker (once the old one's name is free too) logs in with the same ISID,
 * refuses another disk, and hands the still-connected device a new socket
 * (NBD_CMD_RECONFIGURE), exactly as after a worker alone was killed. */
#include "rootstore_int.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "init.h"
#include "log.h"
#include "nr_limits.h"

#define RS_STATE_MAGIC 0x6e727374u      /* "nrst" */

/* What a standby needs to become the supervisor. The same binary writes
 * and reads it (the standby runs the copy the writer made), so it is the
 * raw structure, checked by magic and size. */
struct rs_state {
	uint32_t magic, size;
	struct rootstore_conf conf;
	uint32_t isid;
	struct iscsi_disk first;
};

/* "/dev/nbd0" -> "nbd0" */
static const char *dev_base(const char *dev)
{
	const char *p = strrchr(dev, '/');

	return p ? p + 1 : dev;
}

int rs_claim(const char *role, const char *nbd_dev)
{
	struct sockaddr_un a;
	int fd, n;

	memset(&a, 0, sizeof(a));
	a.sun_family = AF_UNIX;
	n = snprintf(a.sun_path + 1, sizeof(a.sun_path) - 1, "netroot-nbd/%s/%s", role, dev_base(nbd_dev));
	if (n < 0 || (size_t)n >= sizeof(a.sun_path) - 1)
		return -ENAMETOOLONG;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&a, (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + (size_t)n)) != 0) {
		int e = errno;

		close(fd);
		return -e;
	}
	return fd;
}

int rs_claim_wait(const char *role, const char *nbd_dev, double poll_s, const char *waiting)
{
	int fd;

	while ((fd = rs_claim(role, nbd_dev)) == -EADDRINUSE) {
		if (waiting) {
			log_info("rootstore: %s", waiting);
			waiting = NULL;
		}
		sleep_s(poll_s);
	}
	return fd;
}

/* dst, a copy of /proc/self/exe, written under a temporary name and
 * renamed: a standby started meanwhile never runs half a binary. */
static int copy_self(const char *dst)
{
	char tmp[PATH_MAX];
	struct stat st;
	int in, out, r = 0;
	off_t off = 0;

	snprintf(tmp, sizeof(tmp), "%s.new", dst);
	in = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return -errno;
	out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0700);
	if (out < 0 || fstat(in, &st) != 0) {
		r = -errno;
		goto out;
	}
	while (off < st.st_size) {
		ssize_t n = sendfile(out, in, &off, (size_t)(st.st_size - off));

		if (n <= 0) {
			r = n < 0 ? -errno : -EIO;
			goto out;
		}
	}
	if (fsync(out) != 0 || rename(tmp, dst) != 0)
		r = -errno;
out:
	if (out >= 0)
		close(out);
	close(in);
	if (r < 0)
		unlink(tmp);
	return r;
}

int rs_state_save(const struct rs *rs)
{
	static struct rs_state s;
	int fd, r;

	mkdir(RS_STATE_PARENT, 0755);
	if (mkdir(RS_STATE_DIR, 0700) != 0 && errno != EEXIST)
		return -errno;
	chmod(RS_STATE_DIR, 0700);
	r = copy_self(RS_STATE_DIR "/netroot-init");
	if (r < 0)
		return r;
	memset(&s, 0, sizeof(s));
	s.magic = RS_STATE_MAGIC;
	s.size = sizeof(s);
	s.conf = *rs->conf;
	s.isid = rs->so.isid;
	s.first = rs->first;
	s.first.ctx = NULL;
	fd = open(RS_STATE_DIR "/rootstore.state.new", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		r = -errno;
		explicit_bzero(&s, sizeof(s));
		return r;
	}
	r = write_full(fd, &s, sizeof(s));
	explicit_bzero(&s, sizeof(s));
	if (r == 0 && fsync(fd) != 0)
		r = -errno;
	close(fd);
	if (r == 0 && rename(RS_STATE_DIR "/rootstore.state.new", RS_STATE_FILE) != 0)
		r = -errno;
	if (r < 0)
		unlink(RS_STATE_DIR "/rootstore.state.new");
	return r;
}

/* The state file into rs (its conf into c): 0, or -errno with a message
 * logged. */
static int state_load(const char *path, struct rs *rs, struct rootstore_conf *c)
{
	static struct rs_state s;
	struct stat st;
	int fd, r;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		r = -errno;
		log_err("rootstore: standby: cannot open %s: %s (is the root a netroot iSCSI root?)", path,
			strerror(-r));
		return r;
	}
	/* The file holds secrets: only root may have written or read it. */
	if (fstat(fd, &st) != 0 || st.st_uid != 0 || (st.st_mode & 077)) {
		log_err("rootstore: standby: %s is not a root-only file (mode %03o, owner %u); refusing it", path,
			(unsigned)(st.st_mode & 0777), (unsigned)st.st_uid);
		close(fd);
		return -EPERM;
	}
	r = read_full(fd, &s, sizeof(s));
	close(fd);
	if (r < 0 || s.magic != RS_STATE_MAGIC || s.size != sizeof(s) || s.conf.nbd_dev[0] != '/') {
		log_err("rootstore: standby: %s is not this binary's state (written by another version?)", path);
		explicit_bzero(&s, sizeof(s));
		return -EINVAL;
	}
	*c = s.conf;
	rs->conf = c;
	rs->so.isid = s.isid;
	rs->so.tcp_user_timeout_ms = RS_TCP_USER_TIMEOUT_MS;
	rs->first = s.first;
	rs->first.ctx = NULL;
	explicit_bzero(&s, sizeof(s));
	return 0;
}

/* argv: "@netroot-nbd" "--rootstore-standby" [STATE-FILE] */
int rootstore_standby_main(int argc, char **argv)
{
	static struct rootstore_conf c;
	static struct rs rs;
	const char *path = argc > 2 ? argv[2] : RS_STATE_FILE;
	char waiting[160];
	int fd;

	log_setup(LOG_TO_CONSOLE, 0, 0);
	log_set_console(2);
	/* Secrets in memory from here on: as the supervisor. */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	if (state_load(path, &rs, &c) < 0)
		return 1;
	log_setup(LOG_TO_CONSOLE | (c.kmsg ? LOG_TO_KMSG | LOG_KMSG_KEEP : 0), c.debug, 0);
	log_set_console(2);
	rs_harden();
	/* Until it is the supervisor, a standby may be stopped like any
	 * service; from then on it serves the root and ignores what it can. */
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	snprintf(waiting, sizeof(waiting), "standby for %s (pid %d): the supervisor is alive; taking over if it dies",
		 c.nbd_dev, (int)getpid());
	fd = rs_claim_wait("supervisor", c.nbd_dev, RS_STANDBY_POLL_S, waiting);
	if (fd < 0) {
		log_err("rootstore: standby: cannot claim the supervisor's name for %s: %s", c.nbd_dev, strerror(-fd));
		return 1;
	}
	rs_ignore_signals();
	rs_set_limits(&rs, rs_ram_bytes());
	log_warn("rootstore: the supervisor of %s is gone; this standby (pid %d) takes over, ISID 0x80%06x",
		 c.nbd_dev, (int)getpid(), rs.so.isid);
	return rs_supervise(&rs, fd, 1, -1);
}

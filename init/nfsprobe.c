/* Asking the NFS server before mounting (libnfs, user space): is it up,
 * does it export the path, which versions answer. The kernel's mount(2)
 * gives one errno and no detail; this gives the user the server's export
 * list and lets us skip versions that cannot work instead of waiting for the
 * kernel to time out on them. Every exchange is bounded by a deadline: the
 * async libnfs API runs in our own poll loop. */
#include "init.h"
#include "nfsprobe.h"

#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>     /* struct timeval, which libnfs.h uses without including */

#include <nfsc/libnfs.h>
#include <nfsc/libnfs-raw.h>
#include <nfsc/libnfs-raw-mount.h>

#include "log.h"
#include "text.h"

#define PROBE_POLL_MS 100   /* libnfs wants rpc_service() regularly for its timers */

struct probe_wait {
	bool done;
	int status;              /* 0 ok, -errno */
	char msg[160];
	struct nfs_probe *out;
};

/* Drive one rpc context until the callback fired or the deadline passed. */
static int rpc_run(struct rpc_context *rpc, struct probe_wait *w, double deadline)
{
	while (!w->done) {
		struct pollfd pfd = { rpc_get_fd(rpc), (short)rpc_which_events(rpc), 0 };
		double left = deadline - log_uptime();
		int r;

		if (left <= 0)
			return -ETIMEDOUT;
		r = poll(&pfd, 1, left * 1000 < PROBE_POLL_MS ? (int)(left * 1000) + 1 : PROBE_POLL_MS);
		if (r < 0 && errno != EINTR)
			return -errno;
		if (rpc_service(rpc, r > 0 ? pfd.revents : 0) < 0) {
			if (!w->done)
				text_copy(w->msg, sizeof(w->msg), rpc_get_error(rpc));
			return w->done ? 0 : -ECONNREFUSED;
		}
	}
	return 0;
}

static void append(char *dst, size_t n, const char *s)
{
	size_t l = strlen(dst);

	if (l < n - 1)
		text_copy(dst + l, n - l, s);
}

/* Is `path` an export or beneath one? */
static bool under(const char *path, const char *exp)
{
	size_t l = strlen(exp);

	if (l == 1 && exp[0] == '/')
		return true;
	return strncmp(path, exp, l) == 0 && (path[l] == '\0' || path[l] == '/');
}

static void exports_cb(struct rpc_context *rpc, int status, void *data, void *priv)
{
	struct probe_wait *w = priv;
	struct exportnode *e;
	char esc[PATH_LEN + 8];

	(void)rpc;
	w->done = true;
	if (status != RPC_STATUS_SUCCESS) {
		w->status = -EIO;
		text_copy(w->msg, sizeof(w->msg), data && status == RPC_STATUS_ERROR ? (const char *)data : "no answer");
		return;
	}
	w->status = 0;
	w->out->have_exports = true;
	w->out->exports[0] = '\0';
	for (e = *(struct exportnode **)data; e; e = e->ex_next) {
		struct groupnode *g;

		if (w->out->exports[0])
			append(w->out->exports, sizeof(w->out->exports), ", ");
		text_escape(esc, sizeof(esc), e->ex_dir, strlen(e->ex_dir));
		append(w->out->exports, sizeof(w->out->exports), esc);
		append(w->out->exports, sizeof(w->out->exports), " (");
		if (!e->ex_groups)
			append(w->out->exports, sizeof(w->out->exports), "everyone");
		for (g = e->ex_groups; g; g = g->gr_next) {
			text_escape(esc, sizeof(esc), g->gr_name, strlen(g->gr_name));
			append(w->out->exports, sizeof(w->out->exports), esc);
			if (g->gr_next)
				append(w->out->exports, sizeof(w->out->exports), " ");
		}
		append(w->out->exports, sizeof(w->out->exports), ")");
		if (under(w->out->path, e->ex_dir))
			w->out->path_exported = true;
	}
	if (!w->out->exports[0])
		snprintf(w->out->exports, sizeof(w->out->exports), "(none)");
}

static void mount_cb(int err, struct nfs_context *nfs, void *data, void *priv)
{
	struct probe_wait *w = priv;

	(void)nfs;
	w->done = true;
	w->status = err < 0 ? err : 0;
	if (err < 0)
		text_copy(w->msg, sizeof(w->msg), data ? (const char *)data : strerror(-err));
}

/* Mount with libnfs at `version` (NFS_V3/NFS_V4): proves the server speaks
 * it and that the path exists there. */
static int probe_version(const char *server, struct nfs_probe *out, int version, double deadline,
			 char *msg, size_t msglen)
{
	struct nfs_context *nfs = nfs_init_context();
	struct probe_wait w = { .out = out };
	int r;

	if (!nfs)
		return -ENOMEM;
	nfs_set_version(nfs, version);
	nfs_set_uid(nfs, 0);
	nfs_set_gid(nfs, 0);
	r = nfs_mount_async(nfs, server, out->path, mount_cb, &w);
	if (r == 0)
		r = rpc_run(nfs_get_rpc_context(nfs), &w, deadline);
	else
		text_copy(w.msg, sizeof(w.msg), nfs_get_error(nfs));
	if (r == 0)
		r = w.status;
	text_copy(msg, msglen, w.msg[0] ? w.msg : r == -ETIMEDOUT ? "no answer" : r ? strerror(-r) : "ok");
	nfs_destroy_context(nfs);
	return r;
}

int nfs_probe(in4_t server, const char *path, bool want_v3, bool want_v4, double timeout,
	      struct nfs_probe *out)
{
	char srv[16];
	double deadline;

	memset(out, 0, sizeof(*out));
	text_copy(out->path, sizeof(out->path), path);
	in4_str(server, srv);
	out->v3 = out->v4 = -ENOTCONN;

	if (want_v4) {
		deadline = log_uptime() + timeout;
		out->v4_probed = true;
		out->v4 = probe_version(srv, out, 4 /* NFS_V4 */, deadline, out->v4_msg, sizeof(out->v4_msg));
	}
	/* v3 only when needed: asked for, or v4 did not work. */
	if (want_v3 && !(want_v4 && out->v4 == 0)) {
		deadline = log_uptime() + timeout;
		out->v3_probed = true;
		out->v3 = probe_version(srv, out, 3 /* NFS_V3 */, deadline, out->v3_msg, sizeof(out->v3_msg));
	}
	/* The export list (MOUNT protocol) tells a user what the server has,
	 * when the path was wrong. Only asked when something failed. */
	if (out->v3 != 0 && out->v4 != 0) {
		struct rpc_context *rpc = rpc_init_context();
		struct probe_wait w = { .out = out };

		if (rpc) {
			deadline = log_uptime() + timeout;
			if (mount_getexports_async(rpc, srv, exports_cb, &w) == 0)
				rpc_run(rpc, &w, deadline);
			rpc_destroy_context(rpc);
		}
	}
	out->server_up = out->v3 == 0 || out->v4 == 0 || out->have_exports ||
			 (out->v3 != -ETIMEDOUT && out->v3 != -ENOTCONN && out->v3 != -ECONNREFUSED) ||
			 (out->v4 != -ETIMEDOUT && out->v4 != -ENOTCONN && out->v4 != -ECONNREFUSED);
	return out->v3 == 0 || out->v4 == 0 ? 0 : -EHOSTDOWN;
}

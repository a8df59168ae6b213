/* The NFS root: the kernel NFS client, mounted with mount(2) and text
 * options we build ourselves (the kernel does not resolve names or pick a
 * version: addr= is mandatory, and version fallback is userspace's job).
 * Retries are bounded by netroot.mount_timeout=; each failure is explained
 * in one line a user can act on. */
#include "init.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <time.h>

#include "log.h"

/* What a mount(2) errno means for an NFS root, and whether waiting helps. */
static const struct {
	int err;
	bool transient;
	const char *meaning, *check;
} nfs_errors[] = {
	{ ENOENT, false, "the server has no such export",
	  "compare the path in nfsroot= with the server's exports (showmount -e / exportfs -v on the server)" },
	{ EACCES, false, "the server refused access to that path",
	  "is the path in nfsroot= exported (some servers, nfs-ganesha among them, answer a wrong path this way)? "
	  "If it is, its client list must include this address, with no_root_squash" },
	{ EPERM, false, "the server refused this client",
	  "the export's client list must include this address, with no_root_squash" },
	{ EPROTONOSUPPORT, false, "this NFS version is not supported by the server or the kernel",
	  "try another vers= in nfsroot= (vers=3 works almost everywhere)" },
	{ ENODEV, false, "the kernel has no NFS client",
	  "the initramfs needs the nfs, nfsv3 and nfsv4 modules" },
	{ EINVAL, false, "the kernel rejected the mount options",
	  "check the options after the path in nfsroot=" },
	{ ETIMEDOUT, true, "the server does not answer",
	  "is the NFS server running and reachable from this address (firewall, rpcbind for v3)?" },
	{ ECONNREFUSED, true, "the server refused the connection",
	  "is the NFS server (and rpcbind, for v3) running on that address?" },
	{ EHOSTUNREACH, true, "the server is unreachable",
	  "check the server address and the netmask/gateway in ip=" },
	{ ENETUNREACH, true, "the server's network is unreachable",
	  "check the server address and the gateway in ip=" },
	{ EIO, true, "I/O error talking to the server", "check the server's logs" },
	{ EAGAIN, true, "the server is not ready", "" },
};

static int explain_index(int err)
{
	size_t i;

	for (i = 0; i < sizeof(nfs_errors) / sizeof(nfs_errors[0]); i++)
		if (nfs_errors[i].err == err)
			return (int)i;
	return -1;
}

static void sleep_s(double s)
{
	struct timespec ts = { (time_t)s, (long)((s - (double)(time_t)s) * 1e9) };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

int nfsroot_mount(const struct boot_config *cfg, const struct boot_plan *plan,
		  const struct net_result *net, const char *target)
{
	const struct nfs_plan *nfs = &plan->nfs;
	char path[PATH_LEN], source[PATH_LEN + 20], data[MOUNT_DATA_LEN], node[HOSTNAME_LEN], sa[16];
	in4_t server = nfs->server ? nfs->server : net->rootserver;
	int vmaj = nfs->vers_major ? nfs->vers_major : 3;
	int vmin = nfs->vers_major ? nfs->vers_minor : -1;
	unsigned long flags = plan->ro ? MS_RDONLY : 0;
	double deadline, delay = 1;
	int attempt = 0, idx, r, err;

	if (!server)
		return fail(EDESTADDRREQ, "give nfsroot=<server-ip>:<path>",
			    "no NFS server address: nfsroot= has none, and ip= field 2 is empty");
	snprintf(node, sizeof(node), "%s", net->hostname[0] ? net->hostname : in4_str(net->addr, sa));
	if (nfs_path_expand(nfs->path, node, path, sizeof(path)) < 0)
		return fail(ENAMETOOLONG, "shorten the path in nfsroot=", "NFS path too long after %%s expansion");
	r = snprintf(source, sizeof(source), "%s:%s", in4_str(server, sa), path);
	if (r < 0 || (size_t)r >= sizeof(source))
		return fail(ENAMETOOLONG, "shorten the path in nfsroot=", "NFS source too long");
	if (nfs_mount_data(nfs, vmaj, vmin, server, net->addr, data, sizeof(data)) < 0)
		return fail(ENOSPC, "shorten the options in nfsroot=", "NFS mount options too long");

	deadline = log_uptime() + cfg->nr.mount_timeout;
	for (;;) {
		attempt++;
		log_info("mount: nfs %s on %s (%s, %s)", source, target, data, plan->ro ? "ro" : "rw");
		if (mount(source, target, "nfs", flags, data) == 0) {
			log_info("mount: %s mounted on %s after %d attempt%s", source, target, attempt,
				 attempt > 1 ? "s" : "");
			return 0;
		}
		err = errno;
		idx = explain_index(err);
		log_warn("mount: attempt %d: %s: %s%s%s", attempt, source, strerror(err),
			 idx >= 0 ? " — " : "", idx >= 0 ? nfs_errors[idx].meaning : "");
		/* A permanent error gets one more try a second later (a server
		 * that is still starting can answer oddly); a transient one is
		 * retried with backoff until netroot.mount_timeout. */
		if ((idx >= 0 && !nfs_errors[idx].transient && attempt >= 2) ||
		    (cfg->nr.mount_timeout >= 0 && log_uptime() + delay > deadline))
			break;
		sleep_s(delay);
		delay = delay * 2 > 10 ? 10 : delay * 2;
	}
	return fail(err, idx >= 0 ? nfs_errors[idx].check : "check the NFS server's logs",
		    "cannot mount the NFS root %s (server %s, path %s, NFSv%s): %s%s%s",
		    source, sa, path, vmin >= 0 ? (vmin == 0 ? "4.0" : vmin == 1 ? "4.1" : "4.2") :
		    vmaj == 4 ? "4" : vmaj == 2 ? "2" : "3", strerror(err),
		    idx >= 0 ? " — " : "", idx >= 0 ? nfs_errors[idx].meaning : "");
}

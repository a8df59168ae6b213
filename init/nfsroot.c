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
#include "nfsprobe.h"
#include "text.h"

#define PROBE_TIMEOUT 5.0   /* seconds for each libnfs exchange */

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

struct nfs_version { int major, minor; const char *name; };

static const struct nfs_version v42 = { 4, 2, "4.2" }, v41 = { 4, 1, "4.1" }, v40 = { 4, 0, "4.0" },
			       v4any = { 4, -1, "4" }, v3 = { 3, -1, "3" }, v2 = { 2, -1, "2" };

/* The versions to try, best first: vers= decides alone; otherwise what the
 * probe found working, 4.2 -> 4.1 -> 4.0 -> 3 (the kernel will not fall back
 * by itself; mount.nfs would, but there is no mount.nfs here). */
static int version_order(const struct nfs_plan *nfs, const struct nfs_probe *pr, bool probed,
			 const struct nfs_version **out)
{
	int n = 0;

	if (nfs->vers_major == 4) {
		out[n++] = nfs->vers_minor == 2 ? &v42 : nfs->vers_minor == 1 ? &v41 :
			   nfs->vers_minor == 0 ? &v40 : &v4any;
		return n;
	}
	if (nfs->vers_major == 3 || nfs->vers_major == 2) {
		out[n++] = nfs->vers_major == 3 ? &v3 : &v2;
		return n;
	}
	if (!probed || pr->v4 == 0 || pr->v3 != 0) {
		out[n++] = &v42;
		out[n++] = &v41;
		out[n++] = &v40;
	}
	out[n++] = &v3;         /* last resort, e.g. a kernel without nfsv4 */
	return n;
}

/* The probe's verdict, for the failure message. */
static void probe_summary(const struct nfs_probe *pr, char *buf, size_t n)
{
	int o = 0;

	buf[0] = '\0';
	if (pr->v4_probed)
		o += snprintf(buf + o, n - (size_t)o, "; NFSv4: %s", pr->v4 ? pr->v4_msg : "ok");
	if (pr->v3_probed && (size_t)o < n)
		o += snprintf(buf + o, n - (size_t)o, "; NFSv3: %s", pr->v3 ? pr->v3_msg : "ok");
	if (pr->have_exports && (size_t)o < n)
		snprintf(buf + o, n - (size_t)o, "; the server exports: %s", pr->exports);
}

int nfsroot_mount(const struct boot_config *cfg, const struct boot_plan *plan,
		  const struct net_result *net, const char *target)
{
	struct nfs_plan nfsl = plan->nfs;
	const struct nfs_plan *nfs = &nfsl;
	const struct nfs_version *order[6];
	char path[PATH_LEN], source[PATH_LEN + 20], data[MOUNT_DATA_LEN], node[HOSTNAME_LEN];
	char sa[16], why[900];
	in4_t server;
	unsigned long flags = plan->ro ? MS_RDONLY : 0;
	bool want_v3, want_v4, server_down = false;
	struct nfs_probe pr;
	double deadline, delay = 1;
	int attempt = 0, idx = -1, r, err = 0, norder, i;

	/* DHCP option 17 gives the path (and maybe the server and options)
	 * when nfsroot= does not: initramfs-tools' nfsroot=auto. */
	if (!cfg->has_nfsroot && net->rootpath[0]) {
		text_escape(path, sizeof(path), net->rootpath, strlen(net->rootpath));
		if (nfs_plan_from_rootpath(&nfsl, net->rootpath) < 0)
			return fail(EINVAL, "the root-path must be [<server-ip>:]/<path>[,<options>] (no host names), "
				    "or give nfsroot= on the command line",
				    "the DHCP server's root-path (option 17) '%s' cannot be used", path);
		log_info("mount: root path from DHCP option 17: %s", path);
	}
	server = nfs->server ? nfs->server : net->rootserver;
	want_v3 = nfs->vers_major != 4;
	want_v4 = nfs->vers_major == 0 || nfs->vers_major == 4;
	if (!server)
		return fail(EDESTADDRREQ, "give nfsroot=<server-ip>:<path>, or a DHCP server that sends option 17 or next-server",
			    "no NFS server address: nfsroot= has none, ip= field 2 is empty and DHCP gave none");
	text_copy(node, sizeof(node), net->hostname[0] ? net->hostname : in4_str(net->addr, sa));
	if (nfs_path_expand(nfs->path, node, path, sizeof(path)) < 0)
		return fail(ENAMETOOLONG, "shorten the path in nfsroot=", "NFS path too long after %%s expansion");
	r = snprintf(source, sizeof(source), "%s:%s", in4_str(server, sa), path);
	if (r < 0 || (size_t)r >= sizeof(source))
		return fail(ENAMETOOLONG, "shorten the path in nfsroot=", "NFS source too long");

	deadline = log_uptime() + cfg->nr.mount_timeout;
	for (;;) {
		attempt++;
		r = nfs_probe(server, path, want_v3, want_v4, PROBE_TIMEOUT, &pr);
		probe_summary(&pr, why, sizeof(why));
		log_info("mount: probe of %s%s", source, why);
		server_down = !pr.server_up;
		if (r < 0 && pr.have_exports && !pr.path_exported) {
			/* The server answers and lists its exports, and ours is
			 * not among them: waiting will not help. */
			err = ENOENT;
			idx = explain_index(err);
			if (attempt >= 2)
				break;
			goto wait;
		}
		if (server_down)
			goto wait;

		norder = version_order(nfs, &pr, true, order);
		for (i = 0; i < norder; i++) {
			if (nfs_mount_data(nfs, order[i]->major, order[i]->minor, server, net->addr, data,
					   sizeof(data)) < 0)
				return fail(ENOSPC, "shorten the options in nfsroot=", "NFS mount options too long");
			log_info("mount: nfs %s on %s (%s, %s)", source, target, data, plan->ro ? "ro" : "rw");
			if (mount(source, target, "nfs", flags, data) == 0) {
				log_info("mount: %s mounted with NFSv%s after %d attempt%s", source, order[i]->name,
					 attempt, attempt > 1 ? "s" : "");
				return 0;
			}
			err = errno;
			idx = explain_index(err);
			log_warn("mount: NFSv%s: %s%s%s", order[i]->name, strerror(err), idx >= 0 ? " — " : "",
				 idx >= 0 ? nfs_errors[idx].meaning : "");
			if (idx >= 0 && nfs_errors[idx].transient)
				break;      /* the server, not the version: wait and retry */
		}
		/* A permanent error gets one more round a second later (a
		 * server still starting can answer oddly); a transient one is
		 * retried with backoff until netroot.mount_timeout. */
		if (idx >= 0 && !nfs_errors[idx].transient && attempt >= 2)
			break;
wait:
		if (cfg->nr.mount_timeout >= 0 && log_uptime() + delay > deadline)
			break;
		if (server_down)
			log_warn("mount: NFS server %s does not answer%s; retrying in %.0f s", sa, why, delay);
		sleep_s(delay);
		delay = delay * 2 > 10 ? 10 : delay * 2;
	}
	if (server_down && !err)
		return fail(ETIMEDOUT, "is the NFS server running and reachable from this address (check the address, "
			    "the netmask/gateway in ip=, firewalls, rpcbind for v3)?",
			    "NFS server %s did not answer within %d s (for %s)%s", sa, cfg->nr.mount_timeout, path, why);
	if (err == ENOENT && pr.have_exports && !pr.path_exported)
		return fail(ENOENT, "use one of the exported paths in nfsroot=, or export this one on the server",
			    "server %s does not export %s%s", sa, path, why);
	return fail(err, idx >= 0 ? nfs_errors[idx].check : "check the NFS server's logs",
		    "cannot mount the NFS root %s (server %s, path %s): %s%s%s%s", source, sa, path, strerror(err),
		    idx >= 0 ? " — " : "", idx >= 0 ? nfs_errors[idx].meaning : "", why);
}

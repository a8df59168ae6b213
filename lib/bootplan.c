#include "bootplan.h"
#include "text.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static void diag(struct boot_plan *p, enum diag_level lvl, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void diag(struct boot_plan *p, enum diag_level lvl, const char *fmt, ...)
{
	va_list ap;

	if (lvl == DIAG_ERROR)
		p->fatal = true;
	if (p->ndiag >= CMDLINE_MAX_DIAG)
		return;
	p->diag[p->ndiag].level = lvl;
	va_start(ap, fmt);
	vsnprintf(p->diag[p->ndiag].msg, sizeof(p->diag[0].msg), fmt, ap);
	va_end(ap);
	p->ndiag++;
}

int nfs_path_expand(const char *tmpl, const char *nodename, char *out, size_t n)
{
	size_t o = 0;

	for (; *tmpl; tmpl++) {
		const char *add = NULL;
		size_t len = 1;

		if (tmpl[0] == '%' && tmpl[1] == 's') {
			add = nodename;
			len = strlen(nodename);
			tmpl++;
		} else {
			add = tmpl;
		}
		if (len >= n - o)
			return -ENAMETOOLONG;
		memcpy(out + o, add, len);
		o += len;
	}
	if (o >= n)
		return -ENAMETOOLONG;
	out[o] = '\0';
	return 0;
}

/* Parse "3", "4", "4.1" as an NFS version. */
static int parse_vers(const char *v, size_t len, int *major, int *minor)
{
	if (len == 1 && v[0] >= '2' && v[0] <= '4') {
		*major = v[0] - '0';
		*minor = -1;
		return 0;
	}
	if (len == 3 && v[0] == '4' && v[1] == '.' && v[2] >= '0' && v[2] <= '2') {
		*major = 4;
		*minor = v[2] - '0';
		return 0;
	}
	return -EINVAL;
}

/* Split the user's nfsroot= options: the ones we own (vers, proto, ro/rw,
 * addr, lock) are taken out and decided here; everything else is passed to
 * the kernel unchanged, in order. */
static void plan_nfs_options(struct boot_plan *p, const char *opts)
{
	struct nfs_plan *nfs = &p->nfs;
	struct wb { char *s; size_t n, len; } out = { nfs->extra, sizeof(nfs->extra), 0 };
	const char *o = opts;

	nfs->extra[0] = '\0';
	while (*o) {
		const char *end = strchr(o, ',');
		size_t len = end ? (size_t)(end - o) : strlen(o);
		char word[96];

		if (len == 0)
			goto next;
		if (len >= sizeof(word)) {
			diag(p, DIAG_ERROR, "nfsroot=: option '%.40s...' is too long", o);
			goto next;
		}
		memcpy(word, o, len);
		word[len] = '\0';

		if (!strncmp(word, "vers=", 5) || !strncmp(word, "nfsvers=", 8)) {
			const char *v = strchr(word, '=') + 1;

			if (parse_vers(v, strlen(v), &nfs->vers_major, &nfs->vers_minor))
				diag(p, DIAG_ERROR, "nfsroot=: '%s' is not an NFS version (use vers=3, 4, 4.0, 4.1 or 4.2)", word);
		} else if (!strcmp(word, "v3") || !strcmp(word, "v4") || !strcmp(word, "v2")) {
			nfs->vers_major = word[1] - '0';
			nfs->vers_minor = -1;
		} else if (!strcmp(word, "minorversion=0") || !strcmp(word, "minorversion=1") ||
			   !strcmp(word, "minorversion=2")) {
			nfs->vers_minor = word[13] - '0';
		} else if (!strcmp(word, "tcp") || !strcmp(word, "proto=tcp")) {
			nfs->udp = false;
		} else if (!strcmp(word, "udp") || !strcmp(word, "proto=udp")) {
			nfs->udp = true;
		} else if (!strcmp(word, "ro") || !strcmp(word, "rw")) {
			nfs->ro_in_options = word[1] == 'o';
		} else if (!strncmp(word, "addr=", 5) || !strncmp(word, "clientaddr=", 11)) {
			diag(p, DIAG_WARN, "nfsroot=: '%s' ignored: netroot sets the addresses itself", word);
		} else if (!strcmp(word, "lock")) {
			diag(p, DIAG_WARN, "nfsroot=: 'lock' ignored: there is no lock daemon before the real init; NFSv3 roots are mounted nolock (v4 locks work)");
		} else if (!strcmp(word, "nolock")) {
			/* added for v2/v3 anyway */
		} else {
			bool bad = false;
			size_t i;

			for (i = 0; i < len; i++)
				if ((unsigned char)word[i] <= ' ' || (unsigned char)word[i] >= 0x7f)
					bad = true;
			if (bad) {
				diag(p, DIAG_ERROR, "nfsroot=: option with a control character");
			} else if (out.len + len + 2 > out.n) {
				diag(p, DIAG_ERROR, "nfsroot=: options too long (limit %zu bytes)", out.n - 1);
			} else {
				if (out.len)
					out.s[out.len++] = ',';
				memcpy(out.s + out.len, word, len + 1);
				out.len += len;
			}
		}
next:
		if (!end)
			break;
		o = end + 1;
	}
}

int nfs_mount_data(const struct nfs_plan *nfs, int vers_major, int vers_minor,
		   in4_t server, in4_t client, char *out, size_t n)
{
	char vers[16], sa[16], ca[16];
	int r;

	if (vers_major == 4 && vers_minor >= 0)
		snprintf(vers, sizeof(vers), "4.%d", vers_minor);
	else
		snprintf(vers, sizeof(vers), "%d", vers_major);
	r = snprintf(out, n, "vers=%s,proto=%s%s%s%s,addr=%s",
		     vers, nfs->udp && vers_major < 4 ? "udp" : "tcp",
		     vers_major < 4 ? ",nolock" : "",
		     nfs->extra[0] ? "," : "", nfs->extra, in4_str(server, sa));
	if (r < 0 || (size_t)r >= n)
		return -ENOSPC;
	if (vers_major == 4 && client) {
		int r2 = snprintf(out + r, n - (size_t)r, ",clientaddr=%s", in4_str(client, ca));

		if (r2 < 0 || (size_t)r2 >= n - (size_t)r)
			return -ENOSPC;
		r += r2;
	}
	return r;
}

static void plan_network(const struct boot_config *cfg, struct boot_plan *p, bool needs_net)
{
	char a[16];

	p->prefix = -1;
	if (cfg->nip > 0) {
		p->ip = cfg->ip[0];
		p->nip_ignored = cfg->nip - 1;
		if (p->nip_ignored)
			diag(p, DIAG_WARN, "ip=: %d more ip= argument(s) ignored: this build configures one interface (the first ip=)",
			     p->nip_ignored);
	} else {
		memset(&p->ip, 0, sizeof(p->ip));
		p->ip.arg = "ip";
	}

	if (cfg->ip_off || (cfg->nip == 0 && !needs_net)) {
		p->net = NET_NONE;
		if (needs_net)
			diag(p, DIAG_ERROR, "ip=off: the root is on the network, but networking is turned off");
		return;
	}
	if (cfg->nip == 0) {
		/* initramfs-tools: an empty IP means DHCP on the boot device. */
		p->net = NET_DHCP;
		p->ip.autoconf = AUTOCONF_DHCP;
		diag(p, DIAG_INFO, "no ip= given: the network root needs an address, so DHCP is used (as initramfs-tools does)");
		return;
	}

	switch (p->ip.autoconf) {
	case AUTOCONF_OFF:
		if (!p->ip.client) {
			p->net = NET_NONE;
			if (needs_net)
				diag(p, DIAG_ERROR, "%s=: autoconf is off but no client address is given (field 1)", p->ip.arg);
			return;
		}
		p->net = NET_STATIC;
		break;
	case AUTOCONF_DHCP6:
		diag(p, DIAG_ERROR, "%s=: IPv6 autoconfiguration is not supported yet; use dhcp or a static IPv4 address", p->ip.arg);
		p->net = NET_NONE;
		return;
	default:
		/* A static address with autoconf on: the kernel skips DHCP when
		 * the address and the NFS server are known; so do we. */
		if (p->ip.client && (cfg->nfs_server || p->ip.server || !needs_net) &&
		    p->ip.autoconf == AUTOCONF_UNSET) {
			p->net = NET_STATIC;
		} else {
			p->net = NET_DHCP;
			if (p->ip.client)
				diag(p, DIAG_INFO, "%s=: client address %s given with autoconf '%s': DHCP runs anyway",
				     p->ip.arg, in4_str(p->ip.client, a), autoconf_name(p->ip.autoconf));
		}
		if (p->ip.autoconf == AUTOCONF_BOOTP || p->ip.autoconf == AUTOCONF_RARP)
			diag(p, DIAG_WARN, "%s=: %s is not supported, DHCP is used instead", p->ip.arg,
			     autoconf_name(p->ip.autoconf));
	}

	if (p->net == NET_STATIC) {
		if (!p->ip.netmask) {
			p->ip.netmask = in4_classful_mask(p->ip.client);
			diag(p, DIAG_WARN, "%s=: no netmask (field 4), guessing %s from the address class",
			     p->ip.arg, in4_str(p->ip.netmask, a));
		}
		p->prefix = in4_prefix_len(p->ip.netmask);
		p->broadcast = p->ip.client | ~p->ip.netmask;
		if (p->ip.gateway && ((p->ip.gateway ^ p->ip.client) & p->ip.netmask))
			diag(p, DIAG_WARN, "%s=: gateway %s is not on the client's subnet; no default route will be set",
			     p->ip.arg, in4_str(p->ip.gateway, a));
	}
}

static void plan_nfs(const struct boot_config *cfg, struct boot_plan *p)
{
	struct nfs_plan *nfs = &p->nfs;
	char a[16], b[16];

	nfs->vers_major = 0;
	nfs->vers_minor = -1;
	nfs->ro_in_options = -1;
	nfs->server = cfg->nfs_server ? cfg->nfs_server : p->ip.server;
	if (text_copy(nfs->path, sizeof(nfs->path), cfg->nfs_path[0] ? cfg->nfs_path : "/tftpboot/%s"))
		diag(p, DIAG_ERROR, "nfsroot=: path too long");
	if (!cfg->has_nfsroot && cfg->root_kind == ROOT_NFS)
		diag(p, DIAG_INFO, "root=/dev/nfs without nfsroot=: %s",
		     p->net == NET_DHCP ? "the path comes from DHCP option 17 (root-path), else /tftpboot/%s"
					: "the path defaults to /tftpboot/%s (kernel default)");
	plan_nfs_options(p, cfg->nfs_options);

	if (!nfs->server && p->net == NET_STATIC)
		diag(p, DIAG_ERROR, "nfsroot=: no NFS server: give it as nfsroot=<server-ip>:<path> or in ip= field 2");
	if (nfs->udp && nfs->vers_major == 4)
		diag(p, DIAG_ERROR, "nfsroot=: NFSv4 does not run over UDP; drop 'udp' or use vers=3");
	if (cfg->nfs_server && p->ip.server && cfg->nfs_server != p->ip.server)
		diag(p, DIAG_INFO, "nfsroot= names server %s; ip= field 2 (%s) is only the boot server",
		     in4_str(cfg->nfs_server, a), in4_str(p->ip.server, b));

	if (cfg->rootfstype[0] && strcmp(cfg->rootfstype, "nfs") && strcmp(cfg->rootfstype, "nfs4"))
		diag(p, DIAG_WARN, "rootfstype=%s ignored: the root is NFS", cfg->rootfstype);
	if (cfg->rootflags[0])
		diag(p, DIAG_WARN, "rootflags= ignored for an NFS root: put NFS options in nfsroot=<path>,<options>");
	if (cfg->iscsi.any)
		diag(p, DIAG_WARN, "iSCSI arguments ignored: root=/dev/nfs selects an NFS root");

	/* ro/rw: the top-level word wins; inside nfsroot= it is the fallback. */
	if (cfg->ro >= 0) {
		p->ro = cfg->ro;
		if (nfs->ro_in_options >= 0 && nfs->ro_in_options != cfg->ro)
			diag(p, DIAG_WARN, "nfsroot=: '%s' in the options overridden by '%s' on the command line",
			     nfs->ro_in_options ? "ro" : "rw", cfg->ro ? "ro" : "rw");
	} else if (nfs->ro_in_options >= 0) {
		p->ro = nfs->ro_in_options;
	} else {
		p->ro = true;
	}
}

int bootplan_build(const struct boot_config *cfg, struct boot_plan *p)
{
	bool net_root;
	int i;

	memset(p, 0, sizeof(*p));
	for (i = 0; i < cfg->ndiag && i < CMDLINE_MAX_DIAG; i++) {
		p->diag[p->ndiag++] = cfg->diag[i];
		if (cfg->diag[i].level == DIAG_ERROR)
			p->fatal = true;
	}

	p->root_kind = cfg->root_kind;
	if (p->root_kind == ROOT_NFS_DIRECT)
		p->root_kind = ROOT_NFS;
	net_root = p->root_kind == ROOT_NFS || p->root_kind == ROOT_ISCSI || cfg->iscsi.any;
	plan_network(cfg, p, net_root);

	switch (p->root_kind) {
	case ROOT_NONE:
		diag(p, DIAG_ERROR, "no root= given: use root=/dev/nfs nfsroot=<server>:<path>, or root=UUID=... with iSCSI keys");
		break;
	case ROOT_NFS:
		plan_nfs(cfg, p);
		break;
	case ROOT_UUID:
	case ROOT_LABEL:
	case ROOT_PARTUUID:
	case ROOT_PARTLABEL:
		/* init attaches the iSCSI disk whenever iSCSI keys are given */
		p->iscsi_disk_first = cfg->iscsi.any;
		p->ro = cfg->ro != 0;
		break;
	default:
		p->ro = cfg->ro != 0;
		break;
	}

	if (text_copy(p->init, sizeof(p->init), cfg->init))
		diag(p, DIAG_ERROR, "init=: path too long");
	if (p->init[0] && p->init[0] != '/')
		diag(p, DIAG_ERROR, "init=%s: must be an absolute path", p->init);

	/* fsck policy (initramfs-tools _checkfs_once): NFS roots are not checked. */
	p->fsck_force = cfg->fsck_mode == FSCK_FORCE;
	if (cfg->fsck_mode == FSCK_SKIP || p->root_kind == ROOT_NFS)
		p->fsck_args = NULL;
	else if (cfg->fsck_repair == FSCK_YES)
		p->fsck_args = "-y";
	else if (cfg->fsck_repair == FSCK_NO)
		p->fsck_args = "-n";
	else
		p->fsck_args = "-a";

	return p->fatal ? -EINVAL : 0;
}

bool block_on_disk(const char *name, const char *disk)
{
	const char *base, *rest;
	size_t n;

	if (!disk || !disk[0])
		return false;
	base = strrchr(disk, '/');
	base = base ? base + 1 : disk;
	n = strlen(base);
	if (n == 0 || strncmp(name, base, n) != 0)
		return false;
	rest = name + n;
	if (*rest == '\0')
		return true;
	if (base[n - 1] >= '0' && base[n - 1] <= '9') {
		if (*rest != 'p')
			return false;
		rest++;
	}
	return *rest && strspn(rest, "0123456789") == strlen(rest);
}

int nfs_plan_from_rootpath(struct nfs_plan *nfs, const char *rootpath)
{
	struct boot_plan *tmp;
	static const char *const prefixes[] = { "nfs4:", "nfs:" };
	const char *p = rootpath, *colon, *comma;
	size_t i, len;
	int r;

	for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (!strncmp(p, prefixes[i], strlen(prefixes[i]))) {
			p += strlen(prefixes[i]);
			if (i == 0)
				nfs->vers_major = 4;
			break;
		}
	colon = strchr(p, ':');
	comma = strchr(p, ',');
	if (colon && (!comma || colon < comma)) {
		in4_t a;

		if (parse_in4(p, (size_t)(colon - p), &a) != 0)
			return -EINVAL;     /* a name: no resolver before the root is up */
		nfs->server = a;
		p = colon + 1;
	}
	len = comma ? (size_t)(comma - p) : strlen(p);
	if (len == 0 || len >= sizeof(nfs->path) || p[0] != '/')
		return -EINVAL;
	memcpy(nfs->path, p, len);
	nfs->path[len] = '\0';
	if (!comma)
		return 0;
	/* The options go through the same rules as nfsroot='s. */
	tmp = &(struct boot_plan){ 0 };
	tmp->nfs = *nfs;
	plan_nfs_options(tmp, comma + 1);
	r = tmp->fatal ? -EINVAL : 0;
	if (!r)
		*nfs = tmp->nfs;
	return r;
}

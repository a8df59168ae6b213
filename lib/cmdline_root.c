/* root= and nfsroot=, and how they settle against each other.
 *
 * root= is read where it stands (the last one wins, as in the kernel);
 * nfsroot= writes the NFS fields of boot_config directly; root=nfs:... is
 * kept in cl_state until cl_finish(), because the kernel takes root= over
 * nfsroot= whatever their order. */
#include <stdio.h>
#include <string.h>

#include "cmdline.h"
#include "cmdline_int.h"

/* ---- NFS: nfsroot= and root=nfs: ---------------------------------------- */

/* Length of a leading "a.b.c.d" followed by ':' or the end, as the kernel's
 * root_nfs_parse_addr() recognises it (1-3 digits per part), else 0. */
static size_t in4_prefix(const char *s)
{
	size_t i = 0;
	int part;

	for (part = 0; part < 4; part++) {
		size_t d = 0;

		if (part > 0) {
			if (s[i] != '.')
				return 0;
			i++;
		}
		while (s[i] >= '0' && s[i] <= '9' && d < 4) {
			i++;
			d++;
		}
		if (d == 0 || d > 3)
			return 0;
	}
	return (s[i] == ':' || s[i] == '\0') ? i : 0;
}

/* nfsroot=[<server-ip>:]<root-dir>[,<nfs-options>]  (fs/nfs/nfsroot.c) */
void cl_nfsroot(struct boot_config *cfg, const char *val)
{
	char e[CL_ESC_LEN];
	const char *p = val, *comma;
	size_t plen, n4;
	/* a value not starting with '/', ',' or a digit is a name under /tftpboot */
	bool tftp = !(val[0] == '/' || val[0] == ',' || (val[0] >= '0' && val[0] <= '9'));

	cfg->has_nfsroot = true;
	cfg->nfs_server = 0;
	cfg->nfs_path[0] = '\0';
	cfg->nfs_options[0] = '\0';
	if (strcmp(val, "default") == 0)
		return;
	n4 = tftp ? 0 : in4_prefix(val);
	if (n4) {
		if (parse_in4(val, n4, &cfg->nfs_server) < 0)
			cl_diag(cfg, DIAG_ERROR, "nfsroot=: server '%s' is not an IPv4 address",
				cl_esc(e, sizeof(e), val, n4));
		p = val + n4 + (val[n4] == ':');
	}
	comma = strchr(p, ',');
	plen = comma ? (size_t)(comma - p) : strlen(p);
	if (comma && cl_copy(cfg->nfs_options, sizeof(cfg->nfs_options), comma + 1, strlen(comma + 1)) < 0)
		cl_diag(cfg, DIAG_ERROR, "nfsroot=: options are %zu bytes, longer than the limit of %d; ignored",
			strlen(comma + 1), NFS_OPTIONS_LEN - 1);
	if (plen == 0 || cl_eq(p, plen, "default"))
		return;
	if (tftp) {
		const char *colon = memchr(p, ':', plen);

		if (colon)  /* "nfsroot=fileserver:/export": a name is not a server */
			cl_diag(cfg, DIAG_WARN, "nfsroot=: '%s' is not an IPv4 address, so the whole value is a path under /tftpboot (as in the kernel)",
				cl_esc(e, sizeof(e), p, (size_t)(colon - p)));
		if (plen + strlen("/tftpboot/") < sizeof(cfg->nfs_path))
			snprintf(cfg->nfs_path, sizeof(cfg->nfs_path), "/tftpboot/%.*s", (int)plen, p);
		else
			cl_diag(cfg, DIAG_ERROR, "nfsroot=: path is longer than %d bytes; using the default",
				PATH_LEN - 1);
		return;
	}
	if (cl_copy(cfg->nfs_path, sizeof(cfg->nfs_path), p, plen) < 0) {
		cl_diag(cfg, DIAG_ERROR, "nfsroot=: path is %zu bytes, longer than the limit of %d; using the default",
			plen, PATH_LEN - 1);
		return;
	}
	if (p[0] != '/')
		cl_diag(cfg, DIAG_WARN, "nfsroot=: path '%s' is not absolute",
			cl_esc(e, sizeof(e), p, plen));
}

bool cl_append(char *dst, size_t size, const char *s, size_t n)
{
	size_t have = strlen(dst), sep = (have && n) ? 1 : 0;

	if (have + sep + n >= size)
		return false;
	if (sep)
		dst[have++] = ',';
	memcpy(dst + have, s, n);
	dst[have + n] = '\0';
	return true;
}

static bool has_vers(const char *opts)
{
	const char *p = opts;

	while (*p) {
		if (cl_starts(p, "vers=") || cl_starts(p, "nfsvers=") || cl_starts(p, "v4") || cl_starts(p, "v3"))
			return true;
		p += strcspn(p, ",");
		p += (*p == ',');
	}
	return false;
}

/* dracut nfs-lib.sh nfsroot_to_var: [<server>:]<path>[:<options>], with the
 * kernel's "<path>,<options>" accepted too. Fills st->rootnfs. */
static bool nfs_direct(struct cl_state *st, const char *s, bool v4)
{
	struct boot_config *cfg = st->cfg;
	struct cl_nfs *n = &st->rootnfs;
	const char *sep = strstr(s, ":/"), *path = s, *pc, *pcomma;
	char e[CL_ESC_LEN];
	size_t plen, i;

	memset(n, 0, sizeof(*n));
	if (cl_starts(s, "//")) {
		cl_diag(cfg, DIAG_ERROR, "root=: nfs:// URLs are not supported; use root=nfs:<server>:<path>");
		return false;
	}
	if (sep) {
		if (s[0] == '[') {
			cl_diag(cfg, DIAG_ERROR, "root=: IPv6 NFS servers are not supported");
			return false;
		}
		if (sep > s && parse_in4(s, (size_t)(sep - s), &n->server) < 0) {
			cl_diag(cfg, DIAG_ERROR, "root=: NFS server '%s' is not an IPv4 address (netroot does not resolve names)",
				cl_esc(e, sizeof(e), s, (size_t)(sep - s)));
			return false;
		}
		path = sep + 1;
	}
	plen = strcspn(path, ":");
	pc = path[plen] == ':' ? path + plen + 1 : NULL;
	pcomma = memchr(path, ',', plen);
	if (pcomma) {
		if (!cl_append(n->options, sizeof(n->options), pcomma + 1, plen - (size_t)(pcomma + 1 - path)))
			goto toolong;
		plen = (size_t)(pcomma - path);
	}
	if (pc && !cl_append(n->options, sizeof(n->options), pc, strlen(pc)))
		goto toolong;
	for (i = 0; n->options[i]; i++)  /* dracut also separates options with ':' */
		if (n->options[i] == ':')
			n->options[i] = ',';
	if (plen == 0 || path[0] != '/') {
		cl_diag(cfg, DIAG_ERROR, "root=: NFS path '%s' is not absolute",
			cl_esc(e, sizeof(e), path, plen));
		return false;
	}
	if (cl_copy(n->path, sizeof(n->path), path, plen) < 0) {
		cl_diag(cfg, DIAG_ERROR, "root=: NFS path is %zu bytes, longer than the limit of %d",
			plen, PATH_LEN - 1);
		return false;
	}
	if (v4 && !has_vers(n->options)) {
		char tmp[NFS_OPTIONS_LEN];

		memcpy(tmp, n->options, sizeof(tmp));
		snprintf(n->options, sizeof(n->options), "vers=4");
		if (tmp[0] && !cl_append(n->options, sizeof(n->options), tmp, strlen(tmp)))
			goto toolong;
	}
	return true;
toolong:
	memset(n, 0, sizeof(*n));
	cl_diag(cfg, DIAG_ERROR, "root=: NFS options are longer than %d bytes", NFS_OPTIONS_LEN - 1);
	return false;
}

/* ---- root= --------------------------------------------------------------- */

static bool is_majmin(const char *s)
{
	size_t a = strspn(s, "0123456789"), b;

	if (a == 0 || a > 9 || s[a] != ':')
		return false;
	b = strspn(s + a + 1, "0123456789");
	return b > 0 && b <= 9 && s[a + 1 + b] == '\0';
}

/* Classify and read one root= value; ROOT_NONE after an error. The text
 * kept in cfg->root is written to *keep (never the iSCSI credentials). */
static enum root_kind root_parse(struct cl_state *st, const char *val, const char **keep)
{
	static const struct { const char *prefix; enum root_kind kind; } tagged[] = {
		{ "UUID=", ROOT_UUID }, { "LABEL=", ROOT_LABEL },
		{ "PARTUUID=", ROOT_PARTUUID }, { "PARTLABEL=", ROOT_PARTLABEL },
	};
	struct boot_config *cfg = st->cfg;
	char e[CL_ESC_LEN];
	const char *at;
	size_t i, n4;

	*keep = val;
	if (val[0] == '\0') {
		cl_diag(cfg, DIAG_ERROR, "root=: empty value");
		return ROOT_NONE;
	}
	if (strcmp(val, "/dev/nfs") == 0)
		return ROOT_NFS;
	for (i = 0; i < sizeof(tagged) / sizeof(tagged[0]); i++) {
		if (!cl_starts(val, tagged[i].prefix))
			continue;
		*keep = val + strlen(tagged[i].prefix);
		if (**keep)
			return tagged[i].kind;
		cl_diag(cfg, DIAG_ERROR, "root=: %s has no value", tagged[i].prefix);
		return ROOT_NONE;
	}
	if (cl_starts(val, "iscsi:")) {
		st->root_iscsi_seen = true;
		cl_root_iscsi(st, val + 6);
		at = strrchr(val + 6, '@');
		*keep = at ? at + 1 : val + 6;
		return ROOT_ISCSI;
	}
	if (cl_starts(val, "nfs:") || cl_starts(val, "nfs4:")) {
		bool v4 = val[3] == '4';

		*keep = val + (v4 ? 5 : 4);
		return nfs_direct(st, *keep, v4) ? ROOT_NFS_DIRECT : ROOT_NONE;
	}
	if (val[0] == '/')
		return ROOT_DEVPATH;
	if (is_majmin(val))
		return ROOT_MAJMIN;
	n4 = in4_prefix(val);
	if ((n4 && val[n4] == ':' && val[n4 + 1] == '/') || (val[0] == '[' && strstr(val, "]:/")))
		return nfs_direct(st, val, false) ? ROOT_NFS_DIRECT : ROOT_NONE;
	/* never echo what may be credentials: show only what follows an '@' */
	at = strrchr(val, '@');
	cl_diag(cfg, DIAG_ERROR, "root=: '%s%s' is not understood (expected /dev/..., UUID=, LABEL=, PARTUUID=, PARTLABEL=, maj:min, iscsi:, nfs:)",
		at ? "...@" : "", at ? cl_esc(e, sizeof(e), at + 1, strlen(at + 1))
				   : cl_esc(e, sizeof(e), val, strlen(val)));
	return ROOT_NONE;
}

static bool is_block(enum root_kind k)
{
	return k >= ROOT_UUID && k <= ROOT_MAJMIN;
}

void cl_root(struct cl_state *st, const char *val)
{
	struct boot_config *cfg = st->cfg;
	const char *keep;
	enum root_kind k = root_parse(st, val, &keep), old = cfg->root_kind;

	if (st->root_seen && k != ROOT_NONE && old != ROOT_NONE && k != old) {
		if (old == ROOT_ISCSI && is_block(k))
			cl_diag(cfg, DIAG_INFO, "root=: root=iscsi: names the iSCSI disk and this root= (%s) the filesystem on it",
				root_kind_name(k));
		else
			cl_diag(cfg, DIAG_WARN, "root=: this root= (%s) overrides an earlier root= (%s); the last one wins",
				root_kind_name(k), root_kind_name(old));
	}
	st->root_seen = true;
	cfg->root_kind = k;
	cfg->root[0] = '\0';
	if (k == ROOT_NONE)
		return;
	if (cl_copy(cfg->root, sizeof(cfg->root), keep, strlen(keep)) < 0 && k != ROOT_ISCSI &&
	    k != ROOT_NFS_DIRECT) {
		/* iSCSI and NFS keep their parts elsewhere; the others need the text */
		cl_diag(cfg, DIAG_ERROR, "root=: value is %zu bytes, longer than the limit of %d",
			strlen(keep), PATH_LEN - 1);
		cfg->root_kind = ROOT_NONE;
	}
}

/* The kernel takes root= over nfsroot= whatever their order. */
void cl_finish(struct cl_state *st)
{
	struct boot_config *cfg = st->cfg;

	if (cfg->root_kind == ROOT_NFS_DIRECT) {
		if (cfg->has_nfsroot)
			cl_diag(cfg, DIAG_WARN, "nfsroot=: ignored, root=nfs:... already names the NFS export");
		cfg->nfs_server = st->rootnfs.server;
		memcpy(cfg->nfs_path, st->rootnfs.path, sizeof(cfg->nfs_path));
		memcpy(cfg->nfs_options, st->rootnfs.options, sizeof(cfg->nfs_options));
	} else if (cfg->has_nfsroot) {
		if (cfg->root_kind == ROOT_NONE)
			cfg->root_kind = ROOT_NFS;
		else if (cfg->root_kind != ROOT_NFS)
			cl_diag(cfg, DIAG_WARN, "nfsroot=: ignored, root= selects a %s root",
				root_kind_name(cfg->root_kind));
	}
	cl_iscsi_finish(st);
}


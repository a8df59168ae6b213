/* iSCSI keys and root=iscsi: (RFC 4173).
 *
 * open-iscsi's initramfs script (research note a.4) reads UPPERCASE
 * variables from /etc/iscsi.initramfs (or, when they are on the command line,
 * from the environment the kernel gives /init) and then lets the lowercase
 * command-line keys and root=iscsi: override them. We keep that order
 * whatever the order on the line: an UPPERCASE key never replaces a value a
 * lowercase key or root=iscsi: set. Portals add up instead of replacing.
 * Passwords never appear in a diagnostic. */
#include <stdio.h>
#include <string.h>

#include "cmdline.h"
#include "cmdline_int.h"

enum ikind { K_STR, K_NAME, K_SECRET, K_PORTALS, K_PORT, K_GROUP, K_LUN, K_AUTO };

static const struct {
	const char *name;    /* lowercase; the UPPERCASE spelling is accepted too */
	unsigned flag;
	enum ikind kind;
} ikeys[] = {
	{ "iscsi_initiator", ISF_INITIATOR, K_NAME },
	{ "iscsi_target_name", ISF_TARGET, K_NAME },
	{ "iscsi_target_ip", 0, K_PORTALS },
	{ "iscsi_target_port", ISF_PORT, K_PORT },
	{ "iscsi_target_group", ISF_GROUP, K_GROUP },
	{ "iscsi_username", ISF_USER, K_STR },
	{ "iscsi_password", ISF_PASS, K_SECRET },
	{ "iscsi_in_username", ISF_INUSER, K_STR },
	{ "iscsi_in_password", ISF_INPASS, K_SECRET },
	{ "iscsi_root_lun", ISF_LUN, K_LUN },
	{ "iscsi_auto", ISF_AUTO, K_AUTO },
};

/* 1 = lowercase spelling, 2 = UPPERCASE spelling, 0 = neither. */
static int spelling(const char *key, size_t klen, const char *lower)
{
	size_t i;

	if (cl_eq(key, klen, lower))
		return 1;
	if (strlen(lower) != klen)
		return 0;
	for (i = 0; i < klen; i++) {
		char u = lower[i] >= 'a' && lower[i] <= 'z' ? (char)(lower[i] - 'a' + 'A') : lower[i];

		if (key[i] != u)
			return 0;
	}
	return 2;
}

static char *field(struct iscsi_conf *c, unsigned flag, size_t *size)
{
	*size = ISCSI_SECRET_LEN;
	switch (flag) {
	case ISF_INITIATOR: *size = sizeof(c->initiator); return c->initiator;
	case ISF_TARGET: *size = sizeof(c->target); return c->target;
	case ISF_USER: return c->username;
	case ISF_PASS: return c->password;
	case ISF_INUSER: return c->in_username;
	default: return c->in_password;
	}
}

/* Set a text setting unless a stronger spelling already did. */
static void set_text(struct cl_state *st, const char *what, unsigned flag, bool upper,
		     const char *v, size_t n, bool secret)
{
	struct boot_config *cfg = st->cfg;
	char e[CL_ESC_LEN], *dst;
	size_t size;

	if (upper && (st->iscsi_lower & flag))
		return;
	dst = field(&cfg->iscsi, flag, &size);
	if (cl_copy(dst, size, v, n) < 0) {
		if (secret)
			cl_diag(cfg, DIAG_ERROR, "%s: the value is longer than %zu bytes; ignored", what, size - 1);
		else
			cl_diag(cfg, DIAG_ERROR, "%s: '%s' is longer than %zu bytes; ignored",
				what, cl_esc(e, sizeof(e), v, n), size - 1);
		return;
	}
	if (!upper)
		st->iscsi_lower |= flag;
	if ((flag == ISF_INITIATOR || flag == ISF_TARGET) && n > 0 &&
	    !(n > 4 && (memcmp(v, "iqn.", 4) == 0 || memcmp(v, "eui.", 4) == 0 ||
			memcmp(v, "naa.", 4) == 0)))
		cl_diag(cfg, DIAG_WARN, "%s: '%s' does not look like an iSCSI name (iqn., eui. or naa.)",
			what, cl_esc(e, sizeof(e), v, n));
}

static bool v6_literal(const char *p, size_t n)
{
	return n >= 2 && n < ISCSI_ADDR_LEN && memchr(p, ':', n) &&
	       strspn(p, "0123456789abcdefABCDEF:.") >= n;
}

/* Add host (IPv4, or IPv6 without its brackets) and port, once. */
static void add_portal(struct cl_state *st, const char *what, const char *h, size_t hn,
		       unsigned port, bool v6)
{
	struct iscsi_conf *c = &st->cfg->iscsi;
	char e[CL_ESC_LEN];
	in4_t a;
	int i;

	if (!(v6 ? v6_literal(h, hn) : parse_in4(h, hn, &a) == 0)) {
		cl_diag(st->cfg, DIAG_ERROR, "%s: '%s' is not an IP address (netroot does not resolve names); ignored",
			what, cl_esc(e, sizeof(e), h, hn));
		return;
	}
	for (i = 0; i < c->nportals; i++)
		if (c->portal[i].port == port && cl_eq(h, hn, c->portal[i].host))
			return;
	if (c->nportals >= ISCSI_MAX_PORTALS) {
		cl_diag(st->cfg, DIAG_ERROR, "%s: more than %d iSCSI portals; '%s' is ignored",
			what, ISCSI_MAX_PORTALS, cl_esc(e, sizeof(e), h, hn));
		return;
	}
	cl_copy(c->portal[c->nportals].host, ISCSI_ADDR_LEN, h, hn);
	c->portal[c->nportals++].port = port;
}

static bool get_port(struct cl_state *st, const char *what, const char *p, size_t n, unsigned *port)
{
	char e[CL_ESC_LEN];
	long v;

	if (cl_num(p, n, 1, 65535, &v) == 0) {
		*port = (unsigned)v;
		return true;
	}
	cl_diag(st->cfg, DIAG_ERROR, "%s: port '%s' is not a number from 1 to 65535",
		what, cl_esc(e, sizeof(e), p, n));
	return false;
}

/* One portal of a list: a.b.c.d[:port], [v6][:port] or a bare v6 address. */
static void portal_item(struct cl_state *st, const char *what, const char *p, size_t n)
{
	const char *colon = memchr(p, ':', n);
	unsigned port = 0;

	if (p[0] == '[') {
		const char *rb = memchr(p, ']', n);
		size_t hn = rb ? (size_t)(rb - p - 1) : 0;

		if (rb && rb + 1 < p + n) {
			if (rb[1] != ':' || !get_port(st, what, rb + 2, (size_t)(p + n - rb - 2), &port))
				return;
		}
		if (rb)
			add_portal(st, what, p + 1, hn, port, true);
		else
			add_portal(st, what, p, n, port, true);  /* rejected, and named */
	} else if (colon && memchr(colon + 1, ':', (size_t)(p + n - colon - 1))) {
		add_portal(st, what, p, n, 0, true);
	} else if (colon) {
		if (get_port(st, what, colon + 1, (size_t)(p + n - colon - 1), &port))
			add_portal(st, what, p, (size_t)(colon - p), port, false);
	} else {
		add_portal(st, what, p, n, 0, false);
	}
}

bool cl_iscsi_key(struct cl_state *st, const char *key, size_t klen, const char *val)
{
	struct boot_config *cfg = st->cfg;
	char what[32], e[CL_ESC_LEN];
	size_t i, n;
	int sp = 0;
	long v;
	bool upper;

	if (klen < 6 || (memcmp(key, "iscsi_", 6) != 0 && memcmp(key, "ISCSI_", 6) != 0))
		return false;
	for (i = 0; i < sizeof(ikeys) / sizeof(ikeys[0]); i++)
		if ((sp = spelling(key, klen, ikeys[i].name)) != 0)
			break;
	if (!sp)
		return false;  /* other ISCSI_* words are not ours */
	upper = sp == 2;
	snprintf(what, sizeof(what), "%.*s=", (int)klen, key);
	if (!val && ikeys[i].kind != K_AUTO) {
		cl_diag(cfg, DIAG_WARN, "%.*s: needs a value (%s...); ignored", (int)klen, key, what);
		return true;
	}
	cfg->iscsi.any = true;
	if (ikeys[i].flag && upper && (st->iscsi_lower & ikeys[i].flag)) {
		cl_diag(cfg, DIAG_INFO, "%s ignored: the lowercase key or root=iscsi: takes precedence", what);
		return true;
	}
	if (ikeys[i].flag && !upper)
		st->iscsi_lower |= ikeys[i].flag;
	n = val ? strlen(val) : 0;
	switch (ikeys[i].kind) {
	case K_STR:
	case K_NAME:
	case K_SECRET:
		set_text(st, what, ikeys[i].flag, upper, val, n, ikeys[i].kind == K_SECRET);
		break;
	case K_PORTALS: {
		/* a list: commas, or spaces inside quotes (ISCSI_TARGET_IP="a b") */
		const char *p = val;

		while (*p) {
			size_t len = strcspn(p, ", \t\n");

			if (len)
				portal_item(st, what, p, len);
			p += len;
			p += strspn(p, ", \t\n");
		}
		break;
	}
	case K_PORT:
		get_port(st, what, val, n, &st->iscsi_port);
		break;
	case K_GROUP:
	case K_LUN:
		if (cl_num(val, n, ikeys[i].kind == K_LUN ? 0 : 1, 65535, &v) == 0) {
			if (ikeys[i].kind == K_LUN)
				cfg->iscsi.lun = (unsigned)v;
			else
				cfg->iscsi.group = (int)v;
		} else {
			cl_diag(cfg, DIAG_ERROR, "%s: '%s' is not a number from %d to 65535; ignored",
				what, cl_esc(e, sizeof(e), val, n), ikeys[i].kind == K_LUN ? 0 : 1);
		}
		break;
	case K_AUTO:
		/* iscsi_auto is a flag; ISCSI_AUTO=true comes from iscsi.initramfs */
		if (!val || strcmp(val, "true") == 0 || strcmp(val, "yes") == 0 || strcmp(val, "1") == 0)
			cfg->iscsi.auto_ibft = true;
		else if (strcmp(val, "false") == 0 || strcmp(val, "no") == 0 || strcmp(val, "0") == 0)
			cfg->iscsi.auto_ibft = false;
		else
			cl_diag(cfg, DIAG_ERROR, "%s: '%s' is not true or false; ignored",
				what, cl_esc(e, sizeof(e), val, n));
		break;
	}
	return true;
}

/* root=iscsi:[<user>:<pass>[:<in-user>:<in-pass>]@]<host>:<proto>:<port>:<lun>:<target>
 * The target name may contain ':'. Credentials end at the last '@' (iSCSI
 * names cannot contain one; a password may). */
void cl_root_iscsi(struct cl_state *st, const char *val)
{
	static const char what[] = "root=iscsi:";
	struct boot_config *cfg = st->cfg;
	const char *at = strrchr(val, '@'), *p = at ? at + 1 : val, *host, *f[3];
	size_t hn, fn[3], tn;
	char e[CL_ESC_LEN];
	unsigned port = 0;
	bool v6 = false;
	long lun = 0;
	int i;

	cfg->iscsi.any = true;
	if (p[0] == '[') {
		const char *rb = strchr(p, ']');

		if (!rb || rb[1] != ':')
			goto bad;
		host = p + 1;
		hn = (size_t)(rb - p - 1);
		p = rb + 2;
		v6 = true;
	} else {
		host = p;
		hn = strcspn(p, ":");
		if (p[hn] != ':')
			goto bad;
		p += hn + 1;
	}
	for (i = 0; i < 3; i++) {  /* protocol, port, LUN */
		f[i] = p;
		fn[i] = strcspn(p, ":");
		if (p[fn[i]] != ':')
			goto bad;
		p += fn[i] + 1;
	}
	tn = strlen(p);
	if (hn == 0 || tn == 0) {
		cl_diag(cfg, DIAG_ERROR, "%s the %s is empty; netroot needs both the address and the target name",
			what, hn == 0 ? "address" : "target name");
		return;
	}
	if (fn[0] && !cl_eq(f[0], fn[0], "6"))
		cl_diag(cfg, DIAG_WARN, "%s protocol '%s' is not 6 (TCP); using TCP",
			what, cl_esc(e, sizeof(e), f[0], fn[0]));
	if (fn[1] && !get_port(st, what, f[1], fn[1], &port))
		return;
	if (fn[2] && cl_num(f[2], fn[2], 0, 65535, &lun) < 0) {
		cl_diag(cfg, DIAG_ERROR, "%s LUN '%s' is not a decimal number from 0 to 65535",
			what, cl_esc(e, sizeof(e), f[2], fn[2]));
		return;
	}
	set_text(st, what, ISF_TARGET, false, p, tn, false);
	cfg->iscsi.lun = (unsigned)lun;
	st->iscsi_lower |= ISF_LUN;
	add_portal(st, what, host, hn, port, v6);

	if (at) {
		const char *c[4], *q = val;
		size_t cn[4];
		int nc = 0;

		while (nc < 4) {
			c[nc] = q;
			cn[nc] = 0;
			while (q + cn[nc] < at && q[cn[nc]] != ':')
				cn[nc]++;
			q += cn[nc++];
			if (q == at)
				break;
			q++;
		}
		if (q == at && nc == 1 && cn[0] == 0)
			return;  /* "iscsi:@host:...": no credentials */
		if (q != at || (nc != 2 && nc != 4)) {
			cl_diag(cfg, DIAG_ERROR, "%s the part before '@' must be <user>:<password> or <user>:<password>:<in-user>:<in-password>; credentials ignored",
				what);
			return;
		}
		/* The user names are kept out of messages too: a ':' in a
		 * password shifts the fields, so any of them may hold a part. */
		for (i = 0; i < nc; i += 2) {
			if (cn[i] == 0)
				continue;  /* open-iscsi: no user, no CHAP */
			set_text(st, what, i ? ISF_INUSER : ISF_USER, false, c[i], cn[i], true);
			set_text(st, what, i ? ISF_INPASS : ISF_PASS, false, c[i + 1], cn[i + 1], true);
		}
	}
	return;
bad:
	cl_diag(cfg, DIAG_ERROR, "%s expected [<user>:<password>@]<host>:<protocol>:<port>:<lun>:<target>", what);
}

void cl_iscsi_finish(struct cl_state *st)
{
	struct iscsi_conf *c = &st->cfg->iscsi;
	int i;

	for (i = 0; i < c->nportals; i++)
		if (c->portal[i].port == 0)
			c->portal[i].port = st->iscsi_port;  /* still 0 = 3260 if not given */
	if (!c->any || c->auto_ibft)
		return;
	if (!c->target[0])
		cl_diag(st->cfg, DIAG_WARN, "iSCSI: no target name (iscsi_target_name= or root=iscsi:)");
	if (c->nportals == 0)
		cl_diag(st->cfg, DIAG_WARN, "iSCSI: no target address (iscsi_target_ip= or root=iscsi:)");
}

/* Kernel command line -> struct boot_config.
 *
 * Words are split like the kernel's next_arg() (lib/cmdline.c in Linux), and
 * copied, unquoted, into cfg->storage: the copy is never longer than the
 * input, so CMDLINE_MAX_LEN + 1 bytes always suffice. Each word is handled
 * where it stands, then cl_finish() settles root= against nfsroot=.
 * ip= is in cmdline_ip.c, root=/nfsroot= in cmdline_root.c, the iSCSI keys
 * in cmdline_iscsi.c. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "cmdline.h"
#include "text.h"
#include "cmdline_int.h"

/* ---- shared helpers ---------------------------------------------------- */

void cl_diag(struct boot_config *cfg, enum diag_level lvl, const char *fmt, ...)
{
	struct cmdline_diag *d;
	va_list ap;
	size_t i;
	int n;

	if (cfg->ndiag >= CMDLINE_MAX_DIAG) {
		cfg->ndiag_dropped++;
		return;
	}
	d = &cfg->diag[cfg->ndiag++];
	d->level = lvl;
	va_start(ap, fmt);
	n = vsnprintf(d->msg, sizeof(d->msg), fmt, ap);
	va_end(ap);
	if (n < 0)
		snprintf(d->msg, sizeof(d->msg), "(unformattable message)");
	else if ((size_t)n >= sizeof(d->msg))
		memcpy(d->msg + sizeof(d->msg) - 4, "...", 4);
	/* Callers escape untrusted values; this keeps the promise regardless. */
	for (i = 0; d->msg[i]; i++)
		if ((unsigned char)d->msg[i] < 0x20 || (unsigned char)d->msg[i] > 0x7e)
			d->msg[i] = '?';
}

/* Printable copy of n untrusted bytes: \xNN for the rest, "..." when cut. */
const char *cl_esc(char *buf, size_t size, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, o = 0;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		char rep[4];
		size_t rl = 1;

		rep[0] = (char)c;
		if (c == '\\') {
			rep[1] = '\\';
			rl = 2;
		} else if (c < 0x20 || c > 0x7e) {
			rep[0] = '\\';
			rep[1] = 'x';
			rep[2] = hex[c >> 4];
			rep[3] = hex[c & 15];
			rl = 4;
		}
		/* keep room for "..." unless this is the last byte */
		if (o + rl + (i + 1 < n ? 3 : 0) > size - 1) {
			memcpy(buf + o, "...", 3);
			o += 3;
			break;
		}
		memcpy(buf + o, rep, rl);
		o += rl;
	}
	buf[o] = '\0';
	return buf;
}

/* Strict decimal: optional '-', digits only, within [min, max]. */
int cl_num(const char *s, size_t n, long min, long max, long *out)
{
	size_t i = 0;
	long v = 0;
	int neg = 0;

	if (n > 0 && s[0] == '-') {
		neg = 1;
		i = 1;
	}
	if (i == n)
		return -EINVAL;
	for (; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		if (v > 99999999)
			return -ERANGE;  /* more digits than any limit here needs */
		v = v * 10 + (s[i] - '0');
	}
	if (neg)
		v = -v;
	if (v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

/* Copy n bytes and a NUL, or leave dst alone if they do not fit. */
int cl_copy(char *dst, size_t size, const char *src, size_t n)
{
	if (n >= size)
		return -ENAMETOOLONG;
	memcpy(dst, src, n);
	dst[n] = '\0';
	return 0;
}

bool cl_eq(const char *s, size_t n, const char *lit)
{
	return strlen(lit) == n && memcmp(s, lit, n) == 0;
}

bool cl_starts(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

int parse_mac(const char *s, char sep, uint8_t mac[6])
{
	uint8_t m[6];
	int i;

	for (i = 0; i < 6; i++) {
		int hi = text_hexval(s[3 * i]), lo;

		if (hi < 0)
			return -EINVAL;
		lo = text_hexval(s[3 * i + 1]);
		if (lo < 0)
			return -EINVAL;
		if (s[3 * i + 2] != (i < 5 ? sep : '\0'))
			return -EINVAL;
		m[i] = (uint8_t)(hi << 4 | lo);
	}
	memcpy(mac, m, sizeof(m));
	return 0;
}

const char *autoconf_name(enum ip_autoconf a)
{
	static const char *const names[] = {
		"(default)", "off", "dhcp", "bootp", "rarp", "any", "dhcp6",
	};

	if ((unsigned)a >= sizeof(names) / sizeof(names[0]))
		return "?";
	return names[a];
}

const char *root_kind_name(enum root_kind k)
{
	static const char *const names[] = {
		"none", "nfs", "uuid", "label", "partuuid", "partlabel",
		"device", "majmin", "iscsi", "nfs",
	};

	if ((unsigned)k >= sizeof(names) / sizeof(names[0]))
		return "?";
	return names[k];
}

void cmdline_defaults(struct boot_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->ro = -1;
	cfg->nr.device_timeout = 180;
	cfg->nr.carrier_timeout = 120;
	cfg->nr.dhcp_timeout = 90;
	cfg->nr.mount_timeout = 120;
}

/* ---- small values ------------------------------------------------------ */

static void set_str(struct boot_config *cfg, const char *key, char *dst,
		    size_t size, const char *val)
{
	if (cl_copy(dst, size, val, strlen(val)) < 0)
		cl_diag(cfg, DIAG_ERROR, "%s=: value is %zu bytes, longer than the limit of %zu; ignored",
			key, strlen(val), size - 1);
}

static bool get_num(struct boot_config *cfg, const char *key, const char *val,
		    long min, long max, long *out)
{
	char e[CL_ESC_LEN];

	if (cl_num(val, strlen(val), min, max, out) == 0)
		return true;
	cl_diag(cfg, DIAG_ERROR, "%s=: '%s' is not a whole number from %ld to %ld; ignored",
		key, cl_esc(e, sizeof(e), val, strlen(val)), min, max);
	return false;
}

/* netroot.*_timeout=: seconds 0..3600, or forever / -1. */
static void set_timeout(struct boot_config *cfg, const char *key, const char *val, int *dst)
{
	char e[CL_ESC_LEN];
	long v;

	if (strcmp(val, "forever") == 0 || strcmp(val, "-1") == 0) {
		*dst = -1;
		return;
	}
	if (cl_num(val, strlen(val), 0, 3600, &v) == 0) {
		*dst = (int)v;
		return;
	}
	cl_diag(cfg, DIAG_ERROR, "%s=: '%s' is not a number of seconds (0-3600) or 'forever'; ignored",
		key, cl_esc(e, sizeof(e), val, strlen(val)));
}

/* 1/0, yes/no, true/false, on/off. */
static int get_bool(struct boot_config *cfg, const char *key, const char *val, bool *out)
{
	static const char *const yes[] = { "1", "yes", "true", "on" };
	static const char *const no[] = { "0", "no", "false", "off" };
	char e[CL_ESC_LEN];
	size_t i;

	for (i = 0; i < 4; i++) {
		if (strcmp(val, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcmp(val, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	cl_diag(cfg, DIAG_ERROR, "%s=: '%s' is not yes/no, true/false, on/off or 1/0; ignored",
		key, cl_esc(e, sizeof(e), val, strlen(val)));
	return -EINVAL;
}

/* Pick val among names[]: index, or -1 with an error naming the choices. */
static int get_word(struct boot_config *cfg, const char *key, const char *val,
		    const char *const *names, int n, const char *choices)
{
	char e[CL_ESC_LEN];
	int i;

	for (i = 0; i < n; i++)
		if (strcmp(val, names[i]) == 0)
			return i;
	cl_diag(cfg, DIAG_ERROR, "%s=: '%s' is not one of %s; ignored",
		key, cl_esc(e, sizeof(e), val, strlen(val)), choices);
	return -1;
}

/* ---- netroot.* ---------------------------------------------------------- */

/* netroot.report=off|on|IP[:PORT]: the fleet report's destination. An IPv4
 * address only: the report never waits for a DNS answer. */
static void report_opt(struct boot_config *cfg, const char *key, const char *val)
{
	struct netroot_opts *nr = &cfg->nr;
	const char *colon = val ? strchr(val, ':') : NULL;
	size_t alen = colon ? (size_t)(colon - val) : (val ? strlen(val) : 0);
	char e[CL_ESC_LEN];
	long port = 0;
	in4_t a;

	if (!val) {
		cl_diag(cfg, DIAG_ERROR, "%s: needs a value (off, on, or IP[:PORT]); ignored", key);
		return;
	}
	if (!strcmp(val, "off") || !strcmp(val, "on")) {
		nr->report_off = val[1] == 'f';
		nr->report_addr = 0;
		nr->report_port = 0;
		return;
	}
	if (parse_in4(val, alen, &a) < 0 || !a || (colon && cl_num(colon + 1, strlen(colon + 1), 1, 65535, &port) < 0)) {
		cl_diag(cfg, DIAG_ERROR, "%s=: '%s' is not off, on, or an IPv4 address with an optional :PORT; ignored",
			key, cl_esc(e, sizeof(e), val, strlen(val)));
		return;
	}
	nr->report_off = false;
	nr->report_addr = a;
	nr->report_port = (unsigned)port;
}

static void netroot_opt(struct boot_config *cfg, const char *key, const char *val)
{
	static const char *const rescue[] = { "shell", "reboot", "halt" };
	const char *name = key + strlen("netroot.");
	struct netroot_opts *nr = &cfg->nr;
	char e[CL_ESC_LEN];
	int *tmo = NULL;

	if (strcmp(name, "device_timeout") == 0)
		tmo = &nr->device_timeout;
	else if (strcmp(name, "carrier_timeout") == 0)
		tmo = &nr->carrier_timeout;
	else if (strcmp(name, "dhcp_timeout") == 0)
		tmo = &nr->dhcp_timeout;
	else if (strcmp(name, "mount_timeout") == 0)
		tmo = &nr->mount_timeout;

	if (strcmp(name, "dry_run") == 0) {
		if (!val)
			nr->dry_run = true;
		else
			get_bool(cfg, key, val, &nr->dry_run);
		return;
	}
	if (strcmp(name, "report") == 0) {
		report_opt(cfg, key, val);
		return;
	}
	if (!tmo && strcmp(name, "rescue") != 0 && strcmp(name, "modules") != 0) {
		cl_diag(cfg, DIAG_WARN, "%s: unknown netroot option; ignored",
			cl_esc(e, sizeof(e), key, strlen(key)));
		return;
	}
	if (!val) {
		cl_diag(cfg, DIAG_ERROR, "%s: needs a value (%s=...); ignored", key, key);
		return;
	}
	if (tmo) {
		set_timeout(cfg, key, val, tmo);
	} else if (strcmp(name, "rescue") == 0) {
		int i = get_word(cfg, key, val, rescue, 3, "shell, reboot, halt");

		if (i >= 0)
			nr->rescue = RESCUE_SHELL + i;
	} else {
		/* modules: accumulate, "a,b" lists from several arguments */
		size_t have = strlen(nr->modules), n = strlen(val), i;

		for (i = 0; i < n; i++) {
			char c = val[i];

			if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			      (c >= '0' && c <= '9') || c == '_' || c == '-' || c == ',')) {
				cl_diag(cfg, DIAG_ERROR, "%s=: '%s' is not a comma-separated list of module names; ignored",
					key, cl_esc(e, sizeof(e), val, n));
				return;
			}
		}
		if (n == 0)
			return;
		if (have + (have ? 1 : 0) + n >= sizeof(nr->modules)) {
			cl_diag(cfg, DIAG_ERROR, "%s=: the module list is longer than %zu bytes; '%s' ignored",
				key, sizeof(nr->modules) - 1, cl_esc(e, sizeof(e), val, n));
			return;
		}
		if (have)
			nr->modules[have++] = ',';
		memcpy(nr->modules + have, val, n + 1);
	}
}

/* ---- one word ------------------------------------------------------------ */

static void handle(struct cl_state *st, const char *key, const char *val)
{
	static const char *const fmode[] = { "auto", "force", "skip" };
	static const char *const frepair[] = { "preen", "yes", "no" };
	struct boot_config *cfg = st->cfg;
	long v;
	int i;

	/* flags: a value is ignored, as the kernel ignores "ro=..." */
	if (!val) {
		if (strcmp(key, "ro") == 0)
			cfg->ro = 1;
		else if (strcmp(key, "rw") == 0)
			cfg->ro = 0;
		else if (strcmp(key, "rootwait") == 0) {
			cfg->rootwait = true;
			cfg->rootwait_secs = -1;
		} else if (strcmp(key, "quiet") == 0)
			cfg->quiet = true;
		else if (strcmp(key, "debug") == 0)
			cfg->debug = true;
		else if (strcmp(key, "fastboot") == 0)
			cfg->fsck_mode = FSCK_SKIP;
		else if (strcmp(key, "forcefsck") == 0)
			cfg->fsck_mode = FSCK_FORCE;
		else if (strcmp(key, "fsckfix") == 0)
			cfg->fsck_repair = FSCK_YES;
		else if (cl_starts(key, "netroot."))
			netroot_opt(cfg, key, NULL);
		else
			cl_iscsi_key(st, key, strlen(key), NULL);
		return;
	}
	if (strcmp(key, "ip") == 0 || strcmp(key, "nfsaddrs") == 0)
		cl_ip(st, key, val);
	else if (strcmp(key, "BOOTIF") == 0 || strcmp(key, "hwaddr") == 0)
		cl_hwaddr(st, key, val);
	else if (strcmp(key, "dhcpclass") == 0)
		set_str(cfg, key, cfg->dhcpclass, sizeof(cfg->dhcpclass), val);
	else if (strcmp(key, "root") == 0)
		cl_root(st, val);
	else if (strcmp(key, "nfsroot") == 0)
		cl_nfsroot(cfg, val);
	else if (strcmp(key, "rootfstype") == 0)
		set_str(cfg, key, cfg->rootfstype, sizeof(cfg->rootfstype), val);
	else if (strcmp(key, "rootflags") == 0)
		set_str(cfg, key, cfg->rootflags, sizeof(cfg->rootflags), val);
	else if (strcmp(key, "init") == 0) {
		set_str(cfg, key, cfg->init, sizeof(cfg->init), val);
		if (val[0] && val[0] != '/')
			cl_diag(cfg, DIAG_WARN, "init=: path is not absolute");
	} else if (strcmp(key, "rootwait") == 0) {
		/* kernel rootwait_timeout_setup(): a bad value waits forever */
		cfg->rootwait = true;
		cfg->rootwait_secs = -1;
		if (get_num(cfg, key, val, 0, 86400, &v)) {
			cfg->rootwait_secs = (int)v;
			cfg->rootwait = v > 0;
		}
	} else if (strcmp(key, "rootdelay") == 0) {
		if (get_num(cfg, key, val, 0, 3600, &v))
			cfg->rootdelay = (int)v;
	} else if (strcmp(key, "panic") == 0) {
		if (get_num(cfg, key, val, -86400, 86400, &v)) {
			cfg->panic = (int)v;
			cfg->has_panic = true;
		}
	} else if (strcmp(key, "carrier_timeout") == 0) {
		set_timeout(cfg, key, val, &cfg->nr.carrier_timeout);
	} else if (strcmp(key, "fsck.mode") == 0) {
		if ((i = get_word(cfg, key, val, fmode, 3, "auto, force, skip")) >= 0)
			cfg->fsck_mode = (enum fsck_mode)i;
	} else if (strcmp(key, "fsck.repair") == 0) {
		if ((i = get_word(cfg, key, val, frepair, 3, "preen, yes, no")) >= 0)
			cfg->fsck_repair = (enum fsck_repair)i;
	} else if (strcmp(key, "quiet") == 0) {
		cfg->quiet = true;
	} else if (strcmp(key, "debug") == 0) {
		cfg->debug = true;
	} else if (cl_starts(key, "netroot.")) {
		netroot_opt(cfg, key, val);
	} else {
		/* iSCSI keys; anything else belongs to the kernel or the real init */
		cl_iscsi_key(st, key, strlen(key), val);
	}
}

/* ---- tokenising (kernel next_arg()) -------------------------------------- */

static bool is_space(unsigned char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

/* One word as the kernel's next_arg() splits it, as offsets into the text:
 * both the parser and cmdline_mask() read words through this, so what is
 * masked is exactly what the parser took as a value. */
struct cl_word {
	size_t begin;           /* the word as written, a leading quote included */
	size_t start, end;      /* after a leading quote .. the end (a closing quote included) */
	bool has_eq;            /* key=value */
	size_t klen;            /* the key (or the whole word), quotes removed */
	size_t vs, ve;          /* the value, quotes removed */
};

/* The next word at *pos, or false at the end. NUL bytes end a word. */
static bool scan_word(const char *t, size_t len, size_t *pos, struct cl_word *w)
{
	size_t p = *pos, eq = (size_t)-1;
	bool quoted = false, inq = false;

	while (p < len && (t[p] == '\0' || is_space((unsigned char)t[p])))
		p++;
	*pos = p;
	if (p >= len)
		return false;
	w->begin = p;
	if (t[p] == '"') {
		quoted = inq = true;
		p++;
	}
	for (w->start = p; p < len; p++) {
		unsigned char c = (unsigned char)t[p];

		if (c == '\0' || (!inq && is_space(c)))
			break;
		if (eq == (size_t)-1 && c == '=' && p > w->start)
			eq = p;
		if (c == '"')
			inq = !inq;
	}
	w->end = *pos = p;
	w->has_eq = eq != (size_t)-1;
	w->vs = w->ve = p;
	if (w->has_eq) {
		w->klen = eq - w->start;
		w->vs = eq + 1;
		if (w->vs < p && t[w->vs] == '"') {  /* key="value" */
			w->vs++;
			if (t[p - 1] == '"' && p - 1 >= w->vs)
				w->ve = p - 1;
		}
		if (quoted && w->ve == p && t[p - 1] == '"')  /* "key=value" */
			w->ve = p - 1;
		if (w->ve < w->vs)
			w->ve = w->vs;
	} else {
		w->klen = p - w->start;
		if (quoted && w->klen > 0 && t[p - 1] == '"')
			w->klen--;
	}
	return true;
}

/* The next word at *pos, unquoted, written to out (NUL-terminated). With
 * join, "key=value" stays one string (init arguments); else '=' becomes a
 * NUL and *val points after it. */
static char *next_word(const char *t, size_t len, size_t *pos, char *out,
		       size_t room, bool join, char **val)
{
	struct cl_word wd;
	size_t vlen;

	if (!scan_word(t, len, pos, &wd))
		return NULL;
	vlen = wd.ve - wd.vs;
	if (wd.klen + 1 + (wd.has_eq ? vlen + 1 : 0) > room)
		return NULL;  /* cannot happen: a copy is never longer than its input */
	memcpy(out, t + wd.start, wd.klen);
	*val = NULL;
	if (wd.has_eq) {
		out[wd.klen] = join ? '=' : '\0';
		*val = out + wd.klen + 1;
		memcpy(*val, t + wd.vs, vlen);
		(*val)[vlen] = '\0';
	} else {
		out[wd.klen] = '\0';
	}
	return out;
}

/* ---- the command line as shown (cmdline_mask) ----------------------------- */

bool cmdline_secret_key(const char *key, size_t klen)
{
	return klen >= 8 && strncasecmp(key + klen - 8, "password", 8) == 0;
}

struct mask_out {
	char *p;
	size_t size, len;
	bool full;
	unsigned quotes;        /* '"' written for the current word */
};

/* All of s or nothing: a cut line ends between pieces, so it can never
 * show the start of a secret. */
static void put(struct mask_out *o, const char *s, size_t n)
{
	size_t i;

	if (o->full || n >= o->size - o->len) {
		o->full = true;
		return;
	}
	memcpy(o->p + o->len, s, n);
	o->len += n;
	for (i = 0; i < n; i++)
		o->quotes += s[i] == '"';
}

/* The shown line must split into the same words as the original, or a
 * secret could move out of the word that is masked. A mask in the middle of
 * a word stands for the hidden text's quotes too (put_mask), and a masked
 * word ends with its quotes closed (close_quotes). */
static void put_mask(struct mask_out *o, const char *hidden, size_t n)
{
	size_t i, q = 0;

	put(o, CMDLINE_MASK, strlen(CMDLINE_MASK));
	for (i = 0; i < n; i++)
		q += hidden[i] == '"';
	if (q & 1)
		put(o, "\"", 1);
}

static void close_quotes(struct mask_out *o)
{
	if (o->quotes & 1)
		put(o, "\"", 1);
}

/* root=iscsi:<credentials>@... (RFC 4173; dracut's netroot= too): the
 * credentials end at the last '@', as cl_root_iscsi() reads them; they are
 * hidden whatever their form, and so is anything before an '@' in a root=
 * the parser does not understand (it may be mistyped credentials). */
static bool mask_creds(struct mask_out *o, const char *t, const struct cl_word *w)
{
	const char *k = t + w->start, *v = t + w->vs, *at = NULL, *q;
	size_t pre = 0;

	if (!w->has_eq || !(cl_eq(k, w->klen, "root") || cl_eq(k, w->klen, "netroot")))
		return false;
	for (q = v; q < t + w->ve; q++)
		if (*q == '@')
			at = q;
	if (!at)
		return false;
	if (at - v >= 6 && strncasecmp(v, "iscsi:", 6) == 0)
		pre = 6;
	if ((size_t)(at - v) == pre)
		return false;  /* "iscsi:@host...": nothing to hide */
	put(o, t + w->begin, w->vs + pre - w->begin);
	put_mask(o, v + pre, (size_t)(at - v) - pre);
	put(o, at, (size_t)(t + w->end - at));
	close_quotes(o);
	return true;
}

size_t cmdline_mask(const char *text, size_t len, char *out, size_t size)
{
	struct mask_out o = { out, size, 0, false, 0 };
	struct cl_word w;
	size_t pos = 0, gap = 0;

	if (size == 0)
		return 0;
	while (!o.full && scan_word(text, len, &pos, &w)) {
		put(&o, text + gap, w.begin - gap);  /* the separators, as they were */
		gap = w.end;
		o.quotes = 0;
		if (w.has_eq && w.ve > w.vs && cmdline_secret_key(text + w.start, w.klen)) {
			/* the key as written, then the mask inside the same quotes */
			put(&o, text + w.begin, w.vs - w.begin);
			put(&o, CMDLINE_MASK, strlen(CMDLINE_MASK));  /* to the word's end */
			close_quotes(&o);
		} else if (!mask_creds(&o, text, &w)) {
			put(&o, text + w.begin, w.end - w.begin);
		}
	}
	if (!o.full)
		put(&o, text + gap, pos - gap);      /* trailing separators */
	out[o.len] = '\0';
	return o.len;
}

int cmdline_parse(const char *text, size_t len, struct boot_config *cfg)
{
	struct cl_state st;
	size_t pos = 0, used = 0;
	bool dashes = false;
	int nwords = 0;

	cmdline_defaults(cfg);
	if (len > CMDLINE_MAX_LEN) {
		cl_diag(cfg, DIAG_ERROR, "command line is %zu bytes, longer than the limit of %d; not parsed",
			len, CMDLINE_MAX_LEN);
		return -E2BIG;
	}
	if (!text)
		len = 0;
	memset(&st, 0, sizeof(st));
	st.cfg = cfg;
	for (;;) {
		char *val, *w = next_word(text, len, &pos, cfg->storage + used,
					  sizeof(cfg->storage) - used, dashes, &val);

		if (!w)
			break;
		used += strlen(w) + 1 + (val && !dashes ? strlen(val) + 1 : 0);
		if (dashes) {
			if (cfg->init_argc < INIT_MAX_ARGS) {
				cfg->init_argv[cfg->init_argc++] = w;
			} else {
				cl_diag(cfg, DIAG_ERROR, "--: more than %d arguments for init; the rest are dropped",
					INIT_MAX_ARGS);
				break;
			}
			continue;
		}
		if (!val && strcmp(w, "--") == 0) {
			dashes = true;  /* the rest belongs to init (kernel parse_args) */
			continue;
		}
		if (++nwords > CMDLINE_MAX_ARGS) {
			cl_diag(cfg, DIAG_ERROR, "more than %d arguments on the command line; the rest are ignored",
				CMDLINE_MAX_ARGS);
			break;
		}
		handle(&st, w, val);
	}
	cfg->init_argv[cfg->init_argc] = NULL;
	cl_finish(&st);
	return 0;
}

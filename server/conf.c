/* netrootd's configuration files: a small INI dialect, parsed line by line
 * against a table of keys per section (docs/netrootd.md).
 *
 *   # comment              '#' at the start of a line or after a blank
 *   [section]              netrootd, dhcp, boot
 *   [pool eth1]            a section with an argument
 *   key = value            value: words, or "quoted text" (no escapes)
 *
 * Client files (clients.d/NAME.conf) are keys without sections. */
#include "conf.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmdline.h"            /* parse_mac */
#include "text.h"

/* ---- errors ---------------------------------------------------------------- */

static int err_at(struct conf_error *e, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int err_at(struct conf_error *e, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	text_copy(e->file, sizeof(e->file), file);
	e->line = line;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* ---- values ------------------------------------------------------------- */

/* A value as the line gave it: p[0..n), blanks trimmed. */
struct val {
	const char *p;
	size_t n;
};

/* The next blank-separated word of *v (consumed), or n = 0 at the end. */
static struct val next_word(struct val *v)
{
	struct val w;
	size_t i = 0;

	while (i < v->n && (v->p[i] == ' ' || v->p[i] == '\t'))
		i++;
	w.p = v->p + i;
	while (i < v->n && v->p[i] != ' ' && v->p[i] != '\t')
		i++;
	w.n = (size_t)(v->p + i - w.p);
	v->p += i;
	v->n -= i;
	return w;
}

static bool word_is(struct val w, const char *s)
{
	return strlen(s) == w.n && memcmp(w.p, s, w.n) == 0;
}

static int get_in4(struct val v, in4_t *out, const char **why)
{
	struct val w = next_word(&v), rest = next_word(&v);

	if (w.n == 0 || rest.n != 0 || parse_in4(w.p, w.n, out) < 0) {
		*why = "an IPv4 address (a.b.c.d)";
		return -1;
	}
	return 0;
}

static int get_in4_list(struct val v, in4_t *out, int *n, const char **why)
{
	struct val w;

	*n = 0;
	while ((w = next_word(&v)).n) {
		if (*n == NRD_MAX_ADDRS || parse_in4(w.p, w.n, &out[*n]) < 0) {
			*why = "1 to 4 IPv4 addresses separated by blanks";
			return -1;
		}
		(*n)++;
	}
	if (*n == 0) {
		*why = "1 to 4 IPv4 addresses separated by blanks";
		return -1;
	}
	return 0;
}

/* Text: one word, or "quoted text"; printable ASCII only. */
static int get_text(struct val v, char *out, size_t cap, const char **why)
{
	const char *p = v.p;
	size_t n = v.n;

	if (n >= 2 && p[0] == '"' && p[n - 1] == '"') {
		p++;
		n -= 2;
		if (memchr(p, '"', n)) {
			*why = "text without '\"' inside the quotes";
			return -1;
		}
	} else if (memchr(p, ' ', n) || memchr(p, '\t', n) || memchr(p, '"', n)) {
		*why = "one word, or \"text in double quotes\"";
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)p[i] < 0x20 || (unsigned char)p[i] > 0x7e) {
			*why = "printable ASCII text";
			return -1;
		}
	if (n >= cap) {
		*why = "shorter text (at most 255 bytes)";
		return -1;
	}
	memcpy(out, p, n);
	out[n] = '\0';
	return 0;
}

/* A number with an optional unit: s, m, h, d (durations) or none. */
static int get_number(struct val v, const char *units, uint64_t max, uint64_t *out, const char **why)
{
	struct val w = next_word(&v), rest = next_word(&v);
	uint64_t x = 0, mul = 1;
	size_t i = 0;

	*why = units[0] ? "a number with s, m, h or d (\"12h\")" : "a number";
	if (w.n == 0 || rest.n != 0)
		return -1;
	for (; i < w.n && w.p[i] >= '0' && w.p[i] <= '9'; i++) {
		x = x * 10 + (uint64_t)(w.p[i] - '0');
		if (x > max)
			return -1;
	}
	if (i == 0)
		return -1;
	if (i < w.n) {
		if (i + 1 != w.n || !units[0] || !strchr(units, w.p[i]))
			return -1;
		mul = w.p[i] == 'm' ? 60 : w.p[i] == 'h' ? 3600 : w.p[i] == 'd' ? 86400 : 1;
	}
	if (x * mul > max)
		return -1;
	*out = x * mul;
	return 0;
}

static int get_bool(struct val v, bool *out, const char **why)
{
	struct val w = next_word(&v), rest = next_word(&v);

	*why = "yes or no";
	if (rest.n)
		return -1;
	if (word_is(w, "yes") || word_is(w, "true") || word_is(w, "on") || word_is(w, "1"))
		*out = true;
	else if (word_is(w, "no") || word_is(w, "false") || word_is(w, "off") || word_is(w, "0"))
		*out = false;
	else
		return -1;
	return 0;
}

static bool name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
	       c == '_' || c == '.';
}

/* ---- keys ---------------------------------------------------------------- */

/* The keys of struct dhcp_params, in [dhcp], [pool IF] and client files. */
static int set_param(struct dhcp_params *p, struct val key, struct val v, const char **why, bool *known)
{
	uint64_t x;

	*known = true;
	if (word_is(key, "netmask")) {
		if (get_in4(v, &p->netmask, why) < 0)
			return -1;
		if (in4_prefix_len(p->netmask) < 1) {
			*why = "a contiguous netmask (255.255.255.0)";
			return -1;
		}
		return 0;
	}
	if (word_is(key, "router"))
		return get_in4_list(v, p->router, &p->nrouter, why);
	if (word_is(key, "dns"))
		return get_in4_list(v, p->dns, &p->ndns, why);
	if (word_is(key, "ntp"))
		return get_in4_list(v, p->ntp, &p->nntp, why);
	if (word_is(key, "domain"))
		return get_text(v, p->domain, sizeof(p->domain), why);
	if (word_is(key, "search")) {
		/* Names separated by single spaces, as option 119 encodes them. */
		struct val w;
		size_t o = 0;

		while ((w = next_word(&v)).n) {
			if (o + w.n + 1 >= sizeof(p->search)) {
				*why = "domain names, at most 255 bytes in all";
				return -1;
			}
			for (size_t i = 0; i < w.n; i++)
				if (!name_char(w.p[i]) || w.p[i] == '_') {
					*why = "domain names (letters, digits, '-' and '.')";
					return -1;
				}
			if (o)
				p->search[o++] = ' ';
			memcpy(p->search + o, w.p, w.n);
			o += w.n;
		}
		p->search[o] = '\0';
		return 0;
	}
	if (word_is(key, "root-path"))
		return get_text(v, p->root_path, sizeof(p->root_path), why);
	if (word_is(key, "boot-file"))
		return get_text(v, p->boot_file, sizeof(p->boot_file), why);
	if (word_is(key, "tftp-server"))
		return get_in4(v, &p->tftp_server, why);
	if (word_is(key, "mtu")) {
		if (get_number(v, "", 65535, &x, why) < 0 || x < 68) {
			*why = "an MTU from 68 to 65535";
			return -1;
		}
		p->mtu = (uint16_t)x;
		return 0;
	}
	if (word_is(key, "lease-time")) {
		if (get_number(v, "smhd", 0xfffffffeu, &x, why) < 0 || x < 60) {
			*why = "a lease time of at least 60 s, with s, m, h or d (\"12h\")";
			return -1;
		}
		p->lease_secs = (uint32_t)x;
		return 0;
	}
	*known = false;
	return -1;
}

/* ---- lines --------------------------------------------------------------- */

/* One line, split: section header (sec, arg) or key = value. */
struct line {
	int no;
	bool is_section;
	struct val sec, arg, key, value;
};

/* Splits the next line of text at *pos; 0 = a line (maybe blank: key.n and
 * sec.n both 0), 1 = end, -1 = malformed (why set). */
static int next_line(const char *text, size_t len, size_t *pos, struct line *l, const char **why)
{
	size_t start = *pos, end, i;
	const char *p;
	size_t n;

	if (start >= len)
		return 1;
	end = start;
	while (end < len && text[end] != '\n')
		end++;
	*pos = end < len ? end + 1 : end;
	l->no++;
	l->is_section = false;
	memset(&l->sec, 0, sizeof(l->sec) * 4);
	p = text + start;
	n = end - start;
	/* comment: '#' at the start or after a blank, outside quotes */
	{
		bool quoted = false;

		for (i = 0; i < n; i++) {
			if (p[i] == '"')
				quoted = !quoted;
			else if (p[i] == '#' && !quoted && (i == 0 || p[i - 1] == ' ' || p[i - 1] == '\t'))
				break;
			else if (p[i] == '\0' || p[i] == '\r') {
				if (p[i] == '\r' && i + 1 == n)
					break;  /* CRLF files are accepted */
				*why = "a control character in the line";
				return -1;
			}
		}
		n = i;
	}
	while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
		n--;
	while (n && (*p == ' ' || *p == '\t'))
		p++, n--;
	if (n == 0)
		return 0;
	if (p[0] == '[') {
		struct val v = { p + 1, n - 1 };

		if (p[n - 1] != ']') {
			*why = "a section header: [name] or [name argument]";
			return -1;
		}
		v.n--;
		l->is_section = true;
		l->sec = next_word(&v);
		l->arg = next_word(&v);
		if (l->sec.n == 0 || next_word(&v).n) {
			*why = "a section header: [name] or [name argument]";
			return -1;
		}
		return 0;
	}
	{
		const char *eq = memchr(p, '=', n);
		struct val k;

		if (!eq) {
			*why = "key = value";
			return -1;
		}
		k.p = p;
		k.n = (size_t)(eq - p);
		while (k.n && (k.p[k.n - 1] == ' ' || k.p[k.n - 1] == '\t'))
			k.n--;
		for (i = 0; i < k.n; i++)
			if (!((k.p[i] >= 'a' && k.p[i] <= 'z') || (k.p[i] >= '0' && k.p[i] <= '9') || k.p[i] == '-')) {
				*why = "key = value, the key in lowercase letters, digits and '-'";
				return -1;
			}
		if (k.n == 0) {
			*why = "key = value";
			return -1;
		}
		l->key = k;
		l->value.p = eq + 1;
		l->value.n = n - (size_t)(eq + 1 - p);
		while (l->value.n && (*l->value.p == ' ' || *l->value.p == '\t'))
			l->value.p++, l->value.n--;
		if (l->value.n == 0) {
			*why = "a value after '='";
			return -1;
		}
	}
	return 0;
}

/* ---- netrootd.conf ------------------------------------------------------- */

void nrd_conf_defaults(struct nrd_conf *c)
{
	memset(c, 0, sizeof(*c));
	text_copy(c->state_dir, sizeof(c->state_dir), "/var/lib/netroot");
	text_copy(c->clients_dir, sizeof(c->clients_dir), "/etc/netroot/clients.d");
	c->dhcp_mode = DHCP_MODE_FULL;
	c->rapid_commit = true;
	c->dhcp.lease_secs = 12 * 3600;
	text_copy(c->boot.pi_menu, sizeof(c->boot.pi_menu), "Raspberry Pi Boot");
	c->tftp.fallback = true;
	c->tftp.max_sessions = 256;
	c->tftp.retries = 6;
	c->tftp.retransmit_ms = 1000;
	c->tftp.max_blksize = 65464;
	c->tftp.max_window = 64;
	c->tftp.max_write_mib = 64;
}

enum section { SEC_NONE, SEC_NETROOTD, SEC_DHCP, SEC_POOL, SEC_BOOT, SEC_TFTP };

static int set_netrootd(struct nrd_conf *c, struct val key, struct val v, const char **why, bool *known)
{
	*known = true;
	if (word_is(key, "interface")) {
		struct val w;

		while ((w = next_word(&v)).n) {
			if (c->nifaces == NRD_MAX_IFACES || w.n >= IFNAME_LEN) {
				*why = "interface names (at most 8 interfaces, 15 characters each)";
				return -1;
			}
			for (size_t i = 0; i < w.n; i++)
				if (!name_char(w.p[i])) {
					*why = "interface names (letters, digits, '-', '_', '.')";
					return -1;
				}
			for (int i = 0; i < c->nifaces; i++)
				if (word_is(w, c->ifaces[i])) {
					*why = "each interface once";
					return -1;
				}
			memcpy(c->ifaces[c->nifaces], w.p, w.n);
			c->ifaces[c->nifaces++][w.n] = '\0';
		}
		return 0;
	}
	if (word_is(key, "user"))
		return get_text(v, c->user, sizeof(c->user), why);
	if (word_is(key, "state-dir"))
		return get_text(v, c->state_dir, sizeof(c->state_dir), why);
	if (word_is(key, "clients-dir"))
		return get_text(v, c->clients_dir, sizeof(c->clients_dir), why);
	*known = false;
	return -1;
}

static int set_dhcp(struct nrd_conf *c, struct val key, struct val v, const char **why, bool *known)
{
	*known = true;
	if (word_is(key, "mode")) {
		struct val w = next_word(&v);

		*why = "full, proxy or off";
		if (next_word(&v).n)
			return -1;
		if (word_is(w, "full"))
			c->dhcp_mode = DHCP_MODE_FULL;
		else if (word_is(w, "proxy"))
			c->dhcp_mode = DHCP_MODE_PROXY;
		else if (word_is(w, "off"))
			c->dhcp_mode = DHCP_MODE_OFF;
		else
			return -1;
		return 0;
	}
	if (word_is(key, "rapid-commit"))
		return get_bool(v, &c->rapid_commit, why);
	if (word_is(key, "arp-probe")) {
		uint64_t x;

		if (get_number(v, "", 2000, &x, why) < 0) {
			*why = "milliseconds to wait for an answer, 0 (off) to 2000";
			return -1;
		}
		c->arp_probe_ms = (uint32_t)x;
		return 0;
	}
	return set_param(&c->dhcp, key, v, why, known);
}

static int set_pool(struct dhcp_pool *pool, struct val key, struct val v, const char **why, bool *known)
{
	*known = true;
	if (word_is(key, "range")) {
		struct val a = next_word(&v), b = next_word(&v);

		*why = "two IPv4 addresses, the first and the last of the range";
		if (!a.n || !b.n || next_word(&v).n || parse_in4(a.p, a.n, &pool->start) < 0 ||
		    parse_in4(b.p, b.n, &pool->end) < 0)
			return -1;
		if (ntohl(pool->start) > ntohl(pool->end)) {
			*why = "a range whose first address is not after its last";
			return -1;
		}
		return 0;
	}
	return set_param(&pool->p, key, v, why, known);
}

static int set_boot(struct boot_conf *b, struct val key, struct val v, const char **why, bool *known)
{
	uint64_t x;

	*known = true;
	if (word_is(key, "pi-menu"))
		return get_text(v, b->pi_menu, sizeof(b->pi_menu), why);
	if (word_is(key, "pi-reply-delay")) {
		if (get_number(v, "", 5000, &x, why) < 0) {
			*why = "milliseconds, 0 to 5000";
			return -1;
		}
		b->pi_reply_delay_ms = (uint32_t)x;
		return 0;
	}
	if (word_is(key, "pxe-bios"))
		return get_text(v, b->pxe_bios, sizeof(b->pxe_bios), why);
	if (word_is(key, "efi-x64"))
		return get_text(v, b->efi_x64, sizeof(b->efi_x64), why);
	if (word_is(key, "efi-arm64"))
		return get_text(v, b->efi_arm64, sizeof(b->efi_arm64), why);
	if (word_is(key, "uboot"))
		return get_text(v, b->uboot, sizeof(b->uboot), why);
	if (word_is(key, "pxelinux-config"))
		return get_text(v, b->pxelinux_config, sizeof(b->pxelinux_config), why);
	if (word_is(key, "pxelinux-prefix"))
		return get_text(v, b->pxelinux_prefix, sizeof(b->pxelinux_prefix), why);
	*known = false;
	return -1;
}

/* A number key of [tftp] from lo to hi. */
static int tftp_number(struct val v, uint64_t lo, uint64_t hi, uint32_t *out, const char **why, const char *what)
{
	uint64_t x;

	if (get_number(v, "", hi, &x, why) < 0 || x < lo) {
		*why = what;
		return -1;
	}
	*out = (uint32_t)x;
	return 0;
}

static int set_tftp(struct tftp_conf *t, struct val key, struct val v, const char **why, bool *known)
{
	*known = true;
	if (word_is(key, "root"))
		return get_text(v, t->root, sizeof(t->root), why);
	if (word_is(key, "single-port"))
		return get_bool(v, &t->single_port, why);
	if (word_is(key, "fallback"))
		return get_bool(v, &t->fallback, why);
	if (word_is(key, "unique-root")) {
		struct val w = next_word(&v);

		*why = "off, mac or ip";
		if (next_word(&v).n)
			return -1;
		if (word_is(w, "off"))
			t->unique_root = TFTP_UR_OFF;
		else if (word_is(w, "mac"))
			t->unique_root = TFTP_UR_MAC;
		else if (word_is(w, "ip"))
			t->unique_root = TFTP_UR_IP;
		else
			return -1;
		return 0;
	}
	if (word_is(key, "max-sessions"))
		return tftp_number(v, 1, 65536, &t->max_sessions, why, "a number of transfers, 1 to 65536");
	if (word_is(key, "retries"))
		return tftp_number(v, 1, 100, &t->retries, why, "a number of resends, 1 to 100");
	if (word_is(key, "retransmit"))
		return tftp_number(v, 10, 60000, &t->retransmit_ms, why, "milliseconds, 10 to 60000");
	if (word_is(key, "max-blksize"))
		return tftp_number(v, 512, 65464, &t->max_blksize, why, "bytes, 512 to 65464");
	if (word_is(key, "max-window"))
		return tftp_number(v, 1, 64, &t->max_window, why, "blocks, 1 to 64");
	if (word_is(key, "write"))
		return get_bool(v, &t->write, why);
	if (word_is(key, "max-write-mib"))
		return tftp_number(v, 1, 65536, &t->max_write_mib, why, "MiB, 1 to 65536");
	*known = false;
	return -1;
}

#define PARAM_KEYS "netmask, router, dns, ntp, domain, search, root-path, boot-file, tftp-server, mtu, lease-time"

static const char *const section_keys[] = {
	[SEC_NONE] = "",
	[SEC_NETROOTD] = "interface, user, state-dir, clients-dir",
	[SEC_DHCP] = "mode, rapid-commit, arp-probe, " PARAM_KEYS,
	[SEC_POOL] = "range, " PARAM_KEYS,
	[SEC_BOOT] = "pi-menu, pi-reply-delay, pxe-bios, efi-x64, efi-arm64, uboot, pxelinux-config, "
		     "pxelinux-prefix",
	[SEC_TFTP] = "root, single-port, unique-root, fallback, max-sessions, retries, retransmit, max-blksize, "
		     "max-window, write, max-write-mib",
};

int nrd_conf_parse(struct nrd_conf *c, const char *file, const char *text, size_t len, struct conf_error *err)
{
	struct line l;
	size_t pos = 0;
	enum section sec = SEC_NONE;
	struct dhcp_pool *pool = NULL;
	const char *why = "";
	int r;

	memset(&l, 0, sizeof(l));
	if (len > NRD_CONF_MAX)
		return err_at(err, file, 0, "larger than %u bytes", NRD_CONF_MAX);
	while ((r = next_line(text, len, &pos, &l, &why)) != 1) {
		bool known = false;

		if (r < 0)
			return err_at(err, file, l.no, "expected %s", why);
		if (l.is_section) {
			pool = NULL;
			if (word_is(l.sec, "netrootd") && !l.arg.n)
				sec = SEC_NETROOTD;
			else if (word_is(l.sec, "dhcp") && !l.arg.n)
				sec = SEC_DHCP;
			else if (word_is(l.sec, "boot") && !l.arg.n)
				sec = SEC_BOOT;
			else if (word_is(l.sec, "tftp") && !l.arg.n)
				sec = SEC_TFTP;
			else if (word_is(l.sec, "pool") && l.arg.n && l.arg.n < IFNAME_LEN) {
				sec = SEC_POOL;
				for (int i = 0; i < c->npools; i++)
					if (word_is(l.arg, c->pools[i].name))
						return err_at(err, file, l.no, "a second [pool %s] (the first is at line %d)",
							      c->pools[i].name, c->pools[i].line);
				if (c->npools == NRD_MAX_IFACES)
					return err_at(err, file, l.no, "more than %d pools", NRD_MAX_IFACES);
				pool = &c->pools[c->npools++];
				memset(pool, 0, sizeof(*pool));
				memcpy(pool->name, l.arg.p, l.arg.n);
				pool->line = l.no;
			} else {
				return err_at(err, file, l.no, "unknown section [%.*s%s%.*s]: expected [netrootd], [dhcp], "
					      "[pool NAME], [boot] or [tftp]", (int)l.sec.n, l.sec.p, l.arg.n ? " " : "",
					      (int)l.arg.n, l.arg.p);
			}
			continue;
		}
		if (!l.key.n)
			continue;
		switch (sec) {
		case SEC_NONE:
			return err_at(err, file, l.no, "\"%.*s\" before any section: start with [netrootd]",
				      (int)l.key.n, l.key.p);
		case SEC_NETROOTD:
			r = set_netrootd(c, l.key, l.value, &why, &known);
			break;
		case SEC_DHCP:
			r = set_dhcp(c, l.key, l.value, &why, &known);
			break;
		case SEC_POOL:
			r = set_pool(pool, l.key, l.value, &why, &known);
			break;
		case SEC_BOOT:
			r = set_boot(&c->boot, l.key, l.value, &why, &known);
			break;
		case SEC_TFTP:
			r = set_tftp(&c->tftp, l.key, l.value, &why, &known);
			break;
		}
		if (!known)
			return err_at(err, file, l.no, "unknown key \"%.*s\" in this section; its keys are: %s",
				      (int)l.key.n, l.key.p, section_keys[sec]);
		if (r < 0)
			return err_at(err, file, l.no, "%.*s: expected %s", (int)l.key.n, l.key.p, why);
	}
	/* The whole. */
	if (c->nifaces == 0)
		return err_at(err, file, 0, "no interface to serve: give [netrootd] interface = NAME (netrootd never "
			      "serves every interface by default)");
	for (int i = 0; i < c->npools; i++) {
		struct dhcp_pool *p = &c->pools[i];
		bool served = false;

		for (int k = 0; k < c->nifaces; k++)
			served |= !strcmp(c->ifaces[k], p->name);
		p->relayed = !served;
		if (!served && !p->p.netmask)
			return err_at(err, file, p->line, "[pool %s]: %s is not in [netrootd] interface; a pool for boards "
				      "behind a DHCP relay needs netmask = (its subnet is where the relays are)", p->name,
				      p->name);
		if (!p->start)
			return err_at(err, file, p->line, "[pool %s]: no range = FIRST LAST", p->name);
		if (p->p.netmask && !in4_same_net(p->start, p->end, p->p.netmask))
			return err_at(err, file, p->line, "[pool %s]: the range is not inside one subnet of netmask %s",
				      p->name, in4_str(p->p.netmask, (char[IN4_STRLEN]){ 0 }));
	}
	if (c->tftp.root[0] && c->tftp.root[0] != '/')
		return err_at(err, file, 0, "[tftp] root = %s: give an absolute path", c->tftp.root);
	if (c->dhcp_mode == DHCP_MODE_FULL && c->npools == 0)
		return err_at(err, file, 0, "[dhcp] mode = full needs a [pool INTERFACE] with a range (or mode = proxy "
			      "beside another DHCP server)");
	return 0;
}

/* ---- clients.d/NAME.conf ------------------------------------------------- */

int nrd_client_parse(struct nrd_client *cl, const char *name, const char *file, const char *text, size_t len,
		     struct conf_error *err)
{
	struct line l;
	size_t pos = 0, nlen = strlen(name);
	const char *why = "";
	int r;

	memset(cl, 0, sizeof(*cl));
	memset(&l, 0, sizeof(l));
	if (nlen == 0 || nlen >= sizeof(cl->name))
		return err_at(err, file, 0, "the file name must be NAME.conf with a NAME of 1 to %zu characters",
			      sizeof(cl->name) - 1);
	for (size_t i = 0; i < nlen; i++)
		if (!name_char(name[i]))
			return err_at(err, file, 0, "the client's name \"%s\" (the file name) may hold only letters, "
				      "digits, '-', '_' and '.'", name);
	memcpy(cl->name, name, nlen + 1);
	if (len > NRD_CONF_MAX)
		return err_at(err, file, 0, "larger than %u bytes", NRD_CONF_MAX);
	while ((r = next_line(text, len, &pos, &l, &why)) != 1) {
		bool known = true;

		if (r < 0)
			return err_at(err, file, l.no, "expected %s", why);
		if (l.is_section)
			return err_at(err, file, l.no, "a client file has no sections, only key = value lines");
		if (!l.key.n)
			continue;
		if (word_is(l.key, "mac")) {
			char m[18];

			why = "a MAC address (dc:a6:32:01:02:03 or dc-a6-32-01-02-03)";
			r = -1;
			if (l.value.n == 17) {
				memcpy(m, l.value.p, 17);
				m[17] = '\0';
				r = parse_mac(m, m[2] == '-' ? '-' : ':', cl->mac);
			}
			cl->has_mac = r == 0;
		} else if (word_is(l.key, "serial")) {
			/* The Pi's serial as its TFTP prefix shows it: the low 8
			 * hex digits ("1000000012345678" is accepted too). */
			struct val v = l.value, w = next_word(&v);
			uint32_t s = 0;

			why = "a Raspberry Pi serial number: 8 hex digits (as /proc/cpuinfo's last 8)";
			r = -1;
			if (!next_word(&v).n && (w.n == 8 || w.n == 16)) {
				r = 0;
				for (size_t i = 0; i < w.n; i++) {
					char ch = w.p[i];
					int d = ch >= '0' && ch <= '9' ? ch - '0' : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 :
						ch >= 'A' && ch <= 'F' ? ch - 'A' + 10 : -1;

					if (d < 0)
						r = -1;
					s = s << 4 | (uint32_t)(d & 15);
				}
			}
			cl->serial = s;
			cl->has_serial = r == 0;
		} else if (word_is(l.key, "address")) {
			r = get_in4(l.value, &cl->address, &why);
		} else if (word_is(l.key, "hostname")) {
			r = get_text(l.value, cl->hostname, sizeof(cl->hostname), &why);
			for (size_t i = 0; r == 0 && cl->hostname[i]; i++)
				if (!name_char(cl->hostname[i]) || cl->hostname[i] == '_') {
					why = "a host name (letters, digits, '-' and '.')";
					r = -1;
				}
		} else {
			r = set_param(&cl->p, l.key, l.value, &why, &known);
		}
		if (!known)
			return err_at(err, file, l.no, "unknown key \"%.*s\"; a client's keys are: mac, serial, address, "
				      "hostname, " PARAM_KEYS, (int)l.key.n, l.key.p);
		if (r < 0)
			return err_at(err, file, l.no, "%.*s: expected %s", (int)l.key.n, l.key.p, why);
	}
	if (!cl->has_mac && !cl->has_serial)
		return err_at(err, file, 0, "no mac = or serial = : netrootd cannot recognise this board");
	if (!cl->hostname[0] && nlen < sizeof(cl->hostname))
		memcpy(cl->hostname, name, nlen + 1);
	return 0;
}

int nrd_clients_check(const struct nrd_conf *c, const struct nrd_client *cl, int n, struct conf_error *err)
{
	(void)c;
	for (int i = 0; i < n; i++)
		for (int j = 0; j < i; j++) {
			const char *what = NULL;

			if (cl[i].has_mac && cl[j].has_mac && !memcmp(cl[i].mac, cl[j].mac, 6))
				what = "MAC address";
			else if (cl[i].has_serial && cl[j].has_serial && cl[i].serial == cl[j].serial)
				what = "serial number";
			else if (cl[i].address && cl[i].address == cl[j].address)
				what = "address";
			if (what) {
				char f[PATH_LEN];

				snprintf(f, sizeof(f), "%s.conf", cl[i].name);
				return err_at(err, f, 0, "has the same %s as %s.conf: each board once", what, cl[j].name);
			}
		}
	return 0;
}

/* netrootd's configuration files: a small INI dialect, read line by line
 * (docs/netrootd.md):
 *
 *   # comment              '#' at the start of a line or after a blank
 *   [section]              netrootd, dhcp, boot, tftp
 *   [pool eth1]            a section with an argument
 *   key = value            value: words, or "quoted text" (no escapes)
 *
 * Client files (clients.d/NAME.conf) are keys without sections. This file
 * reads lines and values; conf.c and conf_client.c give them meaning. */
#include "conf_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"

/* ---- errors ---------------------------------------------------------------- */

int conf_err_at(struct conf_error *e, const char *file, int line, const char *fmt, ...)
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

/* The next blank-separated word of *v (consumed), or n = 0 at the end. */
struct val conf_next_word(struct val *v)
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

bool conf_word_is(struct val w, const char *s)
{
	return strlen(s) == w.n && memcmp(w.p, s, w.n) == 0;
}

int conf_get_in4(struct val v, in4_t *out, const char **why)
{
	struct val w = conf_next_word(&v), rest = conf_next_word(&v);

	if (w.n == 0 || rest.n != 0 || parse_in4(w.p, w.n, out) < 0) {
		*why = "an IPv4 address (a.b.c.d)";
		return -1;
	}
	return 0;
}

int conf_get_in4_list(struct val v, in4_t *out, int *n, const char **why)
{
	struct val w;

	*n = 0;
	while ((w = conf_next_word(&v)).n) {
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
int conf_get_text(struct val v, char *out, size_t cap, const char **why)
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
int conf_get_number(struct val v, const char *units, uint64_t max, uint64_t *out, const char **why)
{
	struct val w = conf_next_word(&v), rest = conf_next_word(&v);
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

int conf_get_bool(struct val v, bool *out, const char **why)
{
	struct val w = conf_next_word(&v), rest = conf_next_word(&v);

	*why = "yes or no";
	if (rest.n)
		return -1;
	if (conf_word_is(w, "yes") || conf_word_is(w, "true") || conf_word_is(w, "on") || conf_word_is(w, "1"))
		*out = true;
	else if (conf_word_is(w, "no") || conf_word_is(w, "false") || conf_word_is(w, "off") || conf_word_is(w, "0"))
		*out = false;
	else
		return -1;
	return 0;
}

bool conf_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
	       c == '_' || c == '.';
}

/* ---- keys ---------------------------------------------------------------- */

/* The keys of struct dhcp_params, in [dhcp], [pool IF] and client files. */
int conf_set_param(struct dhcp_params *p, struct val key, struct val v, const char **why, bool *known)
{
	uint64_t x;

	*known = true;
	if (conf_word_is(key, "netmask")) {
		if (conf_get_in4(v, &p->netmask, why) < 0)
			return -1;
		if (in4_prefix_len(p->netmask) < 1) {
			*why = "a contiguous netmask (255.255.255.0)";
			return -1;
		}
		return 0;
	}
	if (conf_word_is(key, "router"))
		return conf_get_in4_list(v, p->router, &p->nrouter, why);
	if (conf_word_is(key, "dns"))
		return conf_get_in4_list(v, p->dns, &p->ndns, why);
	if (conf_word_is(key, "ntp"))
		return conf_get_in4_list(v, p->ntp, &p->nntp, why);
	if (conf_word_is(key, "domain"))
		return conf_get_text(v, p->domain, sizeof(p->domain), why);
	if (conf_word_is(key, "search")) {
		/* Names separated by single spaces, as option 119 encodes them. */
		struct val w;
		size_t o = 0;

		while ((w = conf_next_word(&v)).n) {
			if (o + w.n + 1 >= sizeof(p->search)) {
				*why = "domain names, at most 255 bytes in all";
				return -1;
			}
			for (size_t i = 0; i < w.n; i++)
				if (!conf_name_char(w.p[i]) || w.p[i] == '_') {
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
	if (conf_word_is(key, "root-path"))
		return conf_get_text(v, p->root_path, sizeof(p->root_path), why);
	if (conf_word_is(key, "boot-file"))
		return conf_get_text(v, p->boot_file, sizeof(p->boot_file), why);
	if (conf_word_is(key, "tftp-server"))
		return conf_get_in4(v, &p->tftp_server, why);
	if (conf_word_is(key, "mtu")) {
		if (conf_get_number(v, "", 65535, &x, why) < 0 || x < 68) {
			*why = "an MTU from 68 to 65535";
			return -1;
		}
		p->mtu = (uint16_t)x;
		return 0;
	}
	if (conf_word_is(key, "lease-time")) {
		if (conf_get_number(v, "smhd", 0xfffffffeu, &x, why) < 0 || x < 60) {
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

/* Splits the next line of text at *pos; 0 = a line (maybe blank: key.n and
 * sec.n both 0), 1 = end, -1 = malformed (why set). */
int conf_next_line(const char *text, size_t len, size_t *pos, struct line *l, const char **why)
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
		l->sec = conf_next_word(&v);
		l->arg = conf_next_word(&v);
		if (l->sec.n == 0 || conf_next_word(&v).n) {
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

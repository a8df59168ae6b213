/* The fleet report datagram: builder and parser (see report.h). */
#include "report.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "text.h"

static const char *const event_names[] = { [REPORT_PHASE] = "phase", [REPORT_FAILED] = "failed",
					   [REPORT_UP] = "up" };

const char *report_event_name(enum report_event e)
{
	return e >= REPORT_PHASE && e <= REPORT_UP ? event_names[e] : "?";
}

/* ---- the rules of each value, shared by builder and parser ----------------- */

static bool is_word_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

static bool word_ok(const char *s, size_t n, size_t cap)
{
	if (n == 0 || n >= cap)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!is_word_char(s[i]))
			return false;
	return true;
}

static bool host_ok(const char *s, size_t n)
{
	if (n >= HOSTNAME_LEN)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
		      c == '-' || c == '_'))
			return false;
	}
	return true;
}

/* printable ASCII; blanks allowed only when `blanks` */
static bool text_ok(const char *s, size_t n, size_t cap, bool blanks)
{
	if (n >= cap)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] < (blanks ? 0x20 : 0x21) || s[i] > 0x7e)
			return false;
	return true;
}

static bool boot_ok(const char *s, size_t n)
{
	if (n != REPORT_BOOT_LEN - 1)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

/* ---- builder ------------------------------------------------------------------ */

static void put(struct wbuf *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(struct wbuf *w, const char *fmt, ...)
{
	char line[REPORT_MAX_LEN + 1];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(line))
		w->err = -ENOSPC;
	else
		wb_bytes(w, line, (size_t)n);
}

int report_build(const struct report *r, uint8_t *out, size_t cap)
{
	struct wbuf w = wb_init(out, cap < REPORT_MAX_LEN ? cap : REPORT_MAX_LEN);
	const uint8_t *m = r->mac;

	if (r->event < REPORT_PHASE || r->event > REPORT_UP || r->nphases < 0 || r->nphases > REPORT_MAX_PHASES ||
	    (r->boot[0] && !boot_ok(r->boot, strlen(r->boot))) || !host_ok(r->host, strlen(r->host)) ||
	    !text_ok(r->kernel, strlen(r->kernel), sizeof(r->kernel), false) ||
	    (r->root[0] && !word_ok(r->root, strlen(r->root), sizeof(r->root))) ||
	    (r->event == REPORT_FAILED) != (r->failed[0] != 0) ||
	    !text_ok(r->failed, strlen(r->failed), sizeof(r->failed), true))
		return -EINVAL;
	for (int i = 0; i < r->nphases; i++)
		if (!word_ok(r->phase[i].name, strlen(r->phase[i].name), sizeof(r->phase[i].name)) ||
		    r->phase[i].dur_ms < -1 || r->phase[i].start_ms > REPORT_MAX_MS ||
		    r->phase[i].dur_ms > (int64_t)REPORT_MAX_MS)
			return -EINVAL;
	if (r->uptime_ms > REPORT_MAX_MS)
		return -EINVAL;

	put(&w, "%s %d\n", REPORT_MAGIC, REPORT_VERSION);
	put(&w, "mac %02x:%02x:%02x:%02x:%02x:%02x\n", m[0], m[1], m[2], m[3], m[4], m[5]);
	put(&w, "seq %" PRIu32 "\n", r->seq);
	put(&w, "event %s\n", report_event_name(r->event));
	put(&w, "uptime %" PRIu64 "\n", r->uptime_ms);
	if (r->boot[0])
		put(&w, "boot %s\n", r->boot);
	if (r->host[0])
		put(&w, "host %s\n", r->host);
	if (r->kernel[0])
		put(&w, "kernel %s\n", r->kernel);
	if (r->root[0])
		put(&w, "root %s\n", r->root);
	for (int i = 0; i < r->nphases; i++) {
		if (r->phase[i].dur_ms < 0)
			put(&w, "phase %s %" PRIu64 " -\n", r->phase[i].name, r->phase[i].start_ms);
		else
			put(&w, "phase %s %" PRIu64 " %" PRId64 "\n", r->phase[i].name, r->phase[i].start_ms,
			    r->phase[i].dur_ms);
	}
	if (r->failed[0])
		put(&w, "failed %s\n", r->failed);
	return w.err ? w.err : (int)w.len;
}

/* ---- parser ------------------------------------------------------------------- */

/* A decimal number of 1 to 15 digits, no sign, no leading zero. */
static int get_num(const char *s, size_t n, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (n == 0 || n > 15 || (n > 1 && s[0] == '0'))
		return -EBADMSG;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EBADMSG;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v > max)
		return -EBADMSG;
	*out = v;
	return 0;
}

/* "aa:bb:cc:dd:ee:ff", lowercase, as the builder writes it */
static int get_mac(const char *s, size_t n, uint8_t mac[6])
{
	if (n != 17)
		return -EBADMSG;
	for (int i = 0; i < 6; i++) {
		int hi = text_hexval(s[3 * i]), lo = text_hexval(s[3 * i + 1]);

		/* lowercase only: one spelling of each MAC */
		if (hi < 0 || lo < 0 || (s[3 * i] >= 'A' && s[3 * i] <= 'F') ||
		    (s[3 * i + 1] >= 'A' && s[3 * i + 1] <= 'F') || (i < 5 && s[3 * i + 2] != ':'))
			return -EBADMSG;
		mac[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

static void set_str(char *dst, const char *s, size_t n)
{
	memcpy(dst, s, n);
	dst[n] = '\0';
}

/* The next blank-separated word of [*s, end): its start and length. */
static size_t next_word(const char **s, const char *end, const char **w)
{
	const char *p = *s;

	*w = p;
	while (p < end && *p != ' ')
		p++;
	*s = p < end ? p + 1 : p;
	return (size_t)(p - *w);
}

static int get_phase(const char *v, size_t n, struct report_phase *ph)
{
	const char *end = v + n, *w;
	uint64_t x;
	size_t l;

	l = next_word(&v, end, &w);
	if (!word_ok(w, l, sizeof(ph->name)))
		return -EBADMSG;
	set_str(ph->name, w, l);
	l = next_word(&v, end, &w);
	if (get_num(w, l, REPORT_MAX_MS, &ph->start_ms) < 0)
		return -EBADMSG;
	l = next_word(&v, end, &w);
	if (l == 1 && w[0] == '-')
		ph->dur_ms = -1;
	else if (get_num(w, l, REPORT_MAX_MS, &x) == 0)
		ph->dur_ms = (int64_t)x;
	else
		return -EBADMSG;
	return v == end && w + l == end ? 0 : -EBADMSG;
}

enum { K_MAC = 1, K_SEQ = 2, K_EVENT = 4, K_UPTIME = 8, K_BOOT = 16, K_HOST = 32, K_KERNEL = 64, K_ROOT = 128,
       K_FAILED = 256 };

static int get_line(struct report *r, const char *k, size_t kl, const char *v, size_t vl, unsigned *seen)
{
	static const struct { const char *name; unsigned bit; } keys[] = {
		{ "mac", K_MAC }, { "seq", K_SEQ }, { "event", K_EVENT }, { "uptime", K_UPTIME }, { "boot", K_BOOT },
		{ "host", K_HOST }, { "kernel", K_KERNEL }, { "root", K_ROOT }, { "failed", K_FAILED },
	};
	unsigned bit = 0;
	uint64_t x;

	if (kl == 5 && !memcmp(k, "phase", 5)) {
		if (r->nphases == REPORT_MAX_PHASES)
			return -EBADMSG;
		return get_phase(v, vl, &r->phase[r->nphases++]);
	}
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strlen(keys[i].name) == kl && !memcmp(keys[i].name, k, kl))
			bit = keys[i].bit;
	if (!bit)
		return 0;       /* a key of a later version 1: skipped */
	if (*seen & bit)
		return -EBADMSG;
	*seen |= bit;
	switch (bit) {
	case K_MAC:
		return get_mac(v, vl, r->mac);
	case K_SEQ:
		if (get_num(v, vl, UINT32_MAX, &x) < 0)
			return -EBADMSG;
		r->seq = (uint32_t)x;
		return 0;
	case K_EVENT:
		for (int e = REPORT_PHASE; e <= REPORT_UP; e++)
			if (strlen(event_names[e]) == vl && !memcmp(event_names[e], v, vl)) {
				r->event = (enum report_event)e;
				return 0;
			}
		return -EBADMSG;
	case K_UPTIME:
		return get_num(v, vl, REPORT_MAX_MS, &r->uptime_ms);
	case K_BOOT:
		if (!boot_ok(v, vl))
			return -EBADMSG;
		set_str(r->boot, v, vl);
		return 0;
	case K_HOST:
		if (vl == 0 || !host_ok(v, vl))
			return -EBADMSG;
		set_str(r->host, v, vl);
		return 0;
	case K_KERNEL:
		if (vl == 0 || !text_ok(v, vl, sizeof(r->kernel), false))
			return -EBADMSG;
		set_str(r->kernel, v, vl);
		return 0;
	case K_ROOT:
		if (!word_ok(v, vl, sizeof(r->root)))
			return -EBADMSG;
		set_str(r->root, v, vl);
		return 0;
	default:        /* K_FAILED */
		if (vl == 0 || vl >= sizeof(r->failed))
			return -EBADMSG;
		set_str(r->failed, v, vl);
		return 0;
	}
}

int report_parse(const uint8_t *p, size_t len, struct report *r)
{
	struct rbuf b = rb_init(p, len);
	char line[REPORT_MAX_LEN + 1];
	unsigned seen = 0;
	bool first = true;

	memset(r, 0, sizeof(*r));
	if (len > REPORT_MAX_LEN)
		return -EBADMSG;
	while (rb_left(&b) > 0) {
		const char *k, *v, *end;
		size_t n = 0, kl;
		uint8_t c = 0;

		/* one line: printable bytes up to its "\n" */
		while (rb_u8(&b, &c) == 0 && c != '\n') {
			if (c < 0x20 || c > 0x7e)
				return -EBADMSG;
			line[n++] = (char)c;
		}
		if (c != '\n')
			return -EBADMSG;
		end = line + n;
		v = line;
		kl = next_word(&v, end, &k);
		if (first) {
			uint64_t ver;

			if (kl != strlen(REPORT_MAGIC) || memcmp(k, REPORT_MAGIC, kl) ||
			    get_num(v, (size_t)(end - v), UINT32_MAX, &ver) < 0)
				return -EBADMSG;
			if (ver != REPORT_VERSION)
				return -EPROTONOSUPPORT;
			first = false;
			continue;
		}
		if (kl == 0 || get_line(r, k, kl, v, (size_t)(end - v), &seen) < 0)
			return -EBADMSG;
	}
	if (first || (seen & (K_MAC | K_SEQ | K_EVENT | K_UPTIME)) != (K_MAC | K_SEQ | K_EVENT | K_UPTIME) ||
	    (r->event == REPORT_FAILED) != !!(seen & K_FAILED))
		return -EBADMSG;
	return 0;
}

/* ---- text the sender prepares ------------------------------------------------- */

void report_clean_text(char *dst, size_t n, const char *src)
{
	size_t i;

	for (i = 0; i + 1 < n && src[i]; i++)
		dst[i] = src[i] >= 0x20 && src[i] <= 0x7e ? src[i] : '?';
	dst[i] = '\0';
}

int report_redact(char *text, size_t size, const char *secret)
{
	size_t sl = strlen(secret), ml = strlen(REPORT_REDACTED);
	char *at = text;
	int n = 0;

	if (!sl)
		return 0;
	while ((at = strstr(at, secret)) != NULL) {
		size_t tail = strlen(at + sl), off = (size_t)(at - text);

		/* the rest moves to after the mask, cut to fit */
		if (off + ml >= size) {
			*at = '\0';
			return n + 1;
		}
		if (off + ml + tail >= size)
			tail = size - 1 - off - ml;
		memmove(at + ml, at + sl, tail);
		at[ml + tail] = '\0';
		memcpy(at, REPORT_REDACTED, ml);
		at += ml;
		n++;
	}
	return n;
}

#include "iscsi_chap.h"

#include <nettle/md5.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "text.h"

#define CHAP_MD5 "5"                    /* CHAP_A: the algorithm number of MD5 (RFC 1994) */
#define CHAP_CHAL_MAX 1024              /* RFC 7143 12.1.3 */

static bool set(const char *s)
{
	return s && *s;
}

static int b64val(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

int iscsi_chap_decode(const char *v, uint8_t *out, size_t max)
{
	size_t n = 0, len;

	if (v[0] != '0' || !v[1] || !v[2])
		return -1;
	len = strlen(v + 2);
	if (v[1] == 'x' || v[1] == 'X') {
		const char *p = v + 2;

		if (len % 2) {          /* an odd count: the first byte has one digit */
			if (text_hexval(*p) < 0 || max < 1)
				return -1;
			out[n++] = (uint8_t)text_hexval(*p++);
		}
		for (; *p; p += 2) {
			int hi = text_hexval(p[0]), lo = text_hexval(p[1]);

			if (hi < 0 || lo < 0 || n >= max)
				return -1;
			out[n++] = (uint8_t)(hi << 4 | lo);
		}
		return (int)n;
	}
	if (v[1] == 'b' || v[1] == 'B') {
		uint32_t acc = 0;
		int bits = 0, pad = 0;

		if (len % 4)
			return -1;
		for (const char *p = v + 2; *p; p++) {
			int x = b64val(*p);

			if (*p == '=') {
				if (strlen(p) > 2 || (p[1] && p[1] != '='))
					return -1;
				pad++;
				continue;
			}
			if (x < 0)
				return -1;
			acc = acc << 6 | (uint32_t)x;
			bits += 6;
			if (bits >= 8) {
				bits -= 8;
				if (n >= max)
					return -1;
				out[n++] = (uint8_t)(acc >> bits);
				acc &= (1u << bits) - 1;
			}
		}
		(void)pad;
		return n ? (int)n : -1;
	}
	return -1;
}

void iscsi_chap_response(uint8_t id, const char *secret, const uint8_t *chal, size_t clen, uint8_t resp[16])
{
	struct md5_ctx m;

	md5_init(&m);
	md5_update(&m, 1, &id);
	md5_update(&m, strlen(secret), (const uint8_t *)secret);
	md5_update(&m, clen, chal);
	md5_digest(&m, MD5_DIGEST_SIZE, resp);
}

static void put_hex(struct wbuf *out, const char *key, const uint8_t *b, size_t n)
{
	char v[2 + 2 * 16 + 1];
	static const char d[] = "0123456789abcdef";

	v[0] = '0';
	v[1] = 'x';
	for (size_t i = 0; i < n && i < 16; i++) {
		v[2 + 2 * i] = d[b[i] >> 4];
		v[3 + 2 * i] = d[b[i] & 15];
	}
	v[2 + 2 * (n < 16 ? n : 16)] = '\0';
	iscsi_put_key(out, key, v);
}

/* Equal without an early exit (the time taken tells nothing of where a
 * guess went wrong). */
static bool same(const uint8_t *a, const uint8_t *b, size_t n)
{
	uint8_t d = 0;

	for (size_t i = 0; i < n; i++)
		d |= a[i] ^ b[i];
	return d == 0;
}

/* CHAP_I: a number 0-255, decimal or 0x hex. -1 when not. */
static int chap_id(const char *v)
{
	unsigned x = 0;
	const char *p = v;
	int base = 10;

	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
	}
	if (!*p || strlen(p) > 3)
		return -1;
	for (; *p; p++) {
		int d = base == 16 ? text_hexval(*p) : (*p >= '0' && *p <= '9' ? *p - '0' : -1);

		if (d < 0)
			return -1;
		x = x * (unsigned)base + (unsigned)d;
	}
	return x <= 255 ? (int)x : -1;
}

__attribute__((format(printf, 4, 5))) static int fail(char *why, size_t whylen, int r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
	return r;
}

/* CHAP_N and CHAP_R (and CHAP_I, CHAP_C for mutual CHAP). */
static int check_response(struct iscsi_nego *n, const struct iscsi_chap_acct *a, struct wbuf *out, char *why,
			  size_t whylen)
{
	struct iscsi_auth_keys *k = &n->ak;
	uint8_t r[64], want[16], c[CHAP_CHAL_MAX];
	int rl, cl, id;
	char esc[96];

	if (!a || !set(a->secret))
		return fail(why, whylen, ISCSI_AUTH_BAD, "a CHAP response where no CHAP was agreed");
	if ((k->got & (AUTH_K_N | AUTH_K_R)) != (AUTH_K_N | AUTH_K_R))
		return fail(why, whylen, ISCSI_AUTH_BAD, "CHAP: CHAP_N and CHAP_R come together");
	rl = iscsi_chap_decode(k->r, r, sizeof(r));
	if (rl < 0)
		return fail(why, whylen, ISCSI_AUTH_BAD, "CHAP_R=%s is not 0x-hex or 0b-base64",
			    text_escape(esc, sizeof(esc), k->r, strlen(k->r)));
	iscsi_chap_response(n->chap_id, a->secret, n->chap_chal, sizeof(n->chap_chal), want);
	/* The name and the response both checked, whichever is wrong. */
	if ((strcmp(k->n, a->user) != 0) | (rl != 16) | !same(r, want, 16)) {
		snprintf(why, whylen, "CHAP: wrong user name or secret (the initiator says CHAP_N=%s; check the "
			 "client file's iscsi-chap-user and iscsi-chap-secret against the initiator's)",
			 text_escape(esc, sizeof(esc), k->n, strlen(k->n)));
		return ISCSI_AUTH_FAIL;
	}
	if (!(k->got & (AUTH_K_I | AUTH_K_C))) {
		n->auth = AUTH_DONE;
		return ISCSI_AUTH_OK;
	}
	/* Mutual CHAP: the initiator challenges us. */
	if ((k->got & (AUTH_K_I | AUTH_K_C)) != (AUTH_K_I | AUTH_K_C))
		return fail(why, whylen, ISCSI_AUTH_BAD, "mutual CHAP: CHAP_I and CHAP_C come together");
	if (!set(a->tsecret))
		return fail(why, whylen, ISCSI_AUTH_FAIL,
			    "the initiator asks the target to prove itself (mutual CHAP), and this target has no "
			    "account of its own: set iscsi-chap-target-user and iscsi-chap-target-secret in the "
			    "client file, or stop asking for mutual CHAP in the initiator");
	id = chap_id(k->i);
	cl = iscsi_chap_decode(k->c, c, sizeof(c));
	if (id < 0 || cl < 1)
		return fail(why, whylen, ISCSI_AUTH_BAD, "mutual CHAP: CHAP_I or CHAP_C malformed");
	if (cl == (int)sizeof(n->chap_chal) && same(c, n->chap_chal, (size_t)cl))
		return fail(why, whylen, ISCSI_AUTH_FAIL,
			    "mutual CHAP: the initiator sent back our own challenge (a reflection attack)");
	iscsi_chap_response((uint8_t)id, a->tsecret, c, (size_t)cl, want);
	iscsi_put_key(out, "CHAP_N", a->tuser);
	put_hex(out, "CHAP_R", want, 16);
	n->auth = AUTH_DONE;
	return ISCSI_AUTH_OK;
}

int iscsi_auth_step(struct iscsi_nego *n, const struct iscsi_chap_acct *a, const uint8_t *rnd, struct wbuf *out,
		    char *why, size_t whylen)
{
	struct iscsi_auth_keys *k = &n->ak;
	bool chap = a && set(a->secret);
	char esc[96];

	if (!k->got)
		return ISCSI_AUTH_OK;
	if (n->auth == AUTH_DONE)
		return fail(why, whylen, ISCSI_AUTH_BAD, "security keys after the authentication was done");
	if (k->got & AUTH_K_METHOD) {
		if (n->auth != AUTH_START)
			return fail(why, whylen, ISCSI_AUTH_BAD, "AuthMethod offered a second time");
		text_escape(esc, sizeof(esc), k->method, strlen(k->method));
		if (chap && iscsi_list_has(k->method, "CHAP")) {
			iscsi_put_key(out, "AuthMethod", "CHAP");
			n->auth = AUTH_WANT_A;
		} else if (!chap && iscsi_list_has(k->method, "None")) {
			iscsi_put_key(out, "AuthMethod", "None");
			n->auth = AUTH_DONE;
		} else {
			iscsi_put_key(out, "AuthMethod", "Reject");
			return fail(why, whylen, ISCSI_AUTH_FAIL,
				    chap ? "this target requires CHAP (its client file sets iscsi-chap-secret) and the "
					   "initiator offers AuthMethod=%s: give the initiator its CHAP user and secret"
					 : "the initiator offers AuthMethod=%s and this target takes None (its client "
					   "file sets no iscsi-chap-secret)", esc);
		}
	}
	if (k->got & AUTH_K_A) {
		if (n->auth != AUTH_WANT_A)
			return fail(why, whylen, ISCSI_AUTH_BAD, "CHAP_A before AuthMethod=CHAP was agreed");
		if (!iscsi_list_has(k->a, CHAP_MD5)) {
			iscsi_put_key(out, "CHAP_A", "Reject");
			return fail(why, whylen, ISCSI_AUTH_FAIL, "CHAP_A=%s: this target does CHAP with MD5 (5) only",
				    text_escape(esc, sizeof(esc), k->a, strlen(k->a)));
		}
		n->chap_id = rnd[0];
		memcpy(n->chap_chal, rnd + 1, sizeof(n->chap_chal));
		{
			char id[8];

			snprintf(id, sizeof(id), "%u", n->chap_id);
			iscsi_put_key(out, "CHAP_A", CHAP_MD5);
			iscsi_put_key(out, "CHAP_I", id);
			put_hex(out, "CHAP_C", n->chap_chal, sizeof(n->chap_chal));
		}
		n->auth = AUTH_WANT_R;
		if (k->got & (AUTH_K_N | AUTH_K_R | AUTH_K_I | AUTH_K_C))
			return fail(why, whylen, ISCSI_AUTH_BAD, "CHAP_R with CHAP_A, before our challenge");
		return ISCSI_AUTH_OK;
	}
	if (k->got & (AUTH_K_N | AUTH_K_R | AUTH_K_I | AUTH_K_C)) {
		if (n->auth != AUTH_WANT_R)
			return fail(why, whylen, ISCSI_AUTH_BAD, "CHAP_N/CHAP_R before our challenge");
		return check_response(n, a, out, why, whylen);
	}
	return ISCSI_AUTH_OK;
}

int iscsi_auth_may_leave(struct iscsi_nego *n, const struct iscsi_chap_acct *a, char *why, size_t whylen)
{
	if (n->auth == AUTH_DONE)
		return 1;
	if (n->auth != AUTH_START)
		return 0;               /* CHAP under way */
	if (a && set(a->secret))
		return fail(why, whylen, ISCSI_AUTH_FAIL,
			    "this target requires CHAP (its client file sets iscsi-chap-secret) and the initiator "
			    "offered no AuthMethod: give the initiator its CHAP user and secret");
	n->auth = AUTH_DONE;            /* no AuthMethod: nothing to prove */
	return 1;
}

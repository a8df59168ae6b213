#include "iscsi_nego.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iscsi_pdu.h"
#include "text.h"

void iscsi_nego_init(struct iscsi_nego *n)
{
	memset(n, 0, sizeof(*n));
	n->p.send_seg_max = 8192;       /* RFC 7143 defaults */
	n->p.max_burst = 262144;
	n->p.first_burst = 65536;
	n->p.initial_r2t = true;
	n->p.immediate_data = true;
	n->p.time2wait = 2;
	n->p.time2retain = 20;
}

void iscsi_put_key(struct wbuf *out, const char *key, const char *value)
{
	wb_bytes(out, key, strlen(key));
	wb_u8(out, '=');
	wb_bytes(out, value, strlen(value));
	wb_u8(out, 0);
}

static void put_num(struct wbuf *out, const char *key, uint32_t v)
{
	char s[16];

	snprintf(s, sizeof(s), "%u", v);
	iscsi_put_key(out, key, s);
}

/* value, a decimal number in [lo, hi] (RFC 7143 6.2: numerical values).
 * -1 when not. */
static int num(const char *v, uint32_t lo, uint32_t hi, uint32_t *out)
{
	uint64_t x = 0;

	if (!*v || strlen(v) > 10)
		return -1;
	for (const char *p = v; *p; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		x = x * 10 + (uint64_t)(*p - '0');
	}
	if (x < lo || x > hi)
		return -1;
	*out = (uint32_t)x;
	return 0;
}

static int yesno(const char *v, bool *out)
{
	if (!strcmp(v, "Yes"))
		*out = true;
	else if (!strcmp(v, "No"))
		*out = false;
	else
		return -1;
	return 0;
}

bool iscsi_list_has(const char *v, const char *item)
{
	size_t n = strlen(item);

	for (const char *p = v; *p;) {
		const char *c = strchr(p, ',');
		size_t l = c ? (size_t)(c - p) : strlen(p);

		if (l == n && !strncmp(p, item, n))
			return true;
		if (!c)
			break;
		p = c + 1;
	}
	return false;
}

/* A digest list's first item we do (CRC32C, and None unless crc_only);
 * NULL: none. */
static const char *first_digest(const char *v, bool crc_only)
{
	for (const char *p = v; *p;) {
		const char *c = strchr(p, ',');
		size_t l = c ? (size_t)(c - p) : strlen(p);

		if (l == 6 && !strncmp(p, "CRC32C", 6))
			return "CRC32C";
		if (l == 4 && !strncmp(p, "None", 4) && !crc_only)
			return "None";
		if (!c)
			break;
		p = c + 1;
	}
	return NULL;
}

/* A security key kept for iscsi_auth_step. 1: not one of them; -1: its
 * value too long for its field. */
static int auth_key(struct iscsi_auth_keys *a, const char *k, const char *v)
{
	static const struct {
		const char *key;
		unsigned bit;
		size_t off, size;
	} keys[] = {
		{ "AuthMethod", AUTH_K_METHOD, offsetof(struct iscsi_auth_keys, method), sizeof(a->method) },
		{ "CHAP_A", AUTH_K_A, offsetof(struct iscsi_auth_keys, a), sizeof(a->a) },
		{ "CHAP_N", AUTH_K_N, offsetof(struct iscsi_auth_keys, n), sizeof(a->n) },
		{ "CHAP_R", AUTH_K_R, offsetof(struct iscsi_auth_keys, r), sizeof(a->r) },
		{ "CHAP_I", AUTH_K_I, offsetof(struct iscsi_auth_keys, i), sizeof(a->i) },
		{ "CHAP_C", AUTH_K_C, offsetof(struct iscsi_auth_keys, c), sizeof(a->c) },
	};

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if (strcmp(k, keys[i].key))
			continue;
		if (strlen(v) >= keys[i].size)
			return -1;
		text_copy((char *)a + keys[i].off, keys[i].size, v);
		a->got |= keys[i].bit;
		return 0;
	}
	return 1;
}

int iscsi_negotiate(struct iscsi_nego *n, const uint8_t *keys, size_t len, struct wbuf *out, char *why, size_t whylen)
{
	size_t pos = 0;

	while (pos < len) {
		const uint8_t *z = memchr(keys + pos, 0, len - pos);
		size_t plen = z ? (size_t)(z - (keys + pos)) : len - pos;
		char pair[16 + ISCSI_CHAP_VAL_MAX], *eq, *k, *v;
		uint32_t x;
		bool b;

		if (plen == 0) {        /* padding NULs */
			pos++;
			continue;
		}
		if (plen >= sizeof(pair)) {
			snprintf(why, whylen, "a key=value pair of %zu bytes", plen);
			return -1;
		}
		memcpy(pair, keys + pos, plen);
		pair[plen] = '\0';
		pos += plen + 1;
		eq = strchr(pair, '=');
		if (!eq || eq == pair) {
			char esc[64];

			snprintf(why, whylen, "not key=value: \"%s\"", text_escape(esc, sizeof(esc), pair, plen));
			return -1;
		}
		*eq = '\0';
		k = pair;
		v = eq + 1;
		if (!strcmp(k, "InitiatorName") || !strcmp(k, "TargetName")) {
			char *name = k[0] == 'I' ? n->initiator : n->target;

			if (strlen(v) > ISCSI_NAME_MAX || !*v)
				goto bad;
			/* once said, a login's names stay (a CHAP proof for one
			 * target must not carry over to another) */
			if (name[0] && strcmp(name, v)) {
				snprintf(why, whylen, "%s changed during the login", k);
				return -1;
			}
			text_copy(name, ISCSI_NAME_MAX + 1, v);
		} else if (!strcmp(k, "SessionType")) {
			bool disc = !strcmp(v, "Discovery");

			if (!disc && strcmp(v, "Normal"))
				goto bad;
			if (n->type_said && disc != n->discovery) {
				snprintf(why, whylen, "SessionType changed during the login");
				return -1;
			}
			n->discovery = disc;
			n->type_said = true;
		} else if (!strcmp(k, "InitiatorAlias")) {
			/* nothing to answer */
		} else if (!strncmp(k, "AuthMethod", 10) || !strncmp(k, "CHAP_", 5)) {
			int r = auth_key(&n->ak, k, v);

			if (r < 0)
				goto bad;
			if (r > 0)
				iscsi_put_key(out, k, "NotUnderstood");
		} else if (!strcmp(k, "HeaderDigest") || !strcmp(k, "DataDigest")) {
			/* the initiator's first choice that we have (RFC 7143 6.2.1) */
			const char *c = first_digest(v, n->require_digests & (k[0] == 'H' ? ISCSI_DIG_HEADER : ISCSI_DIG_DATA));

			*(k[0] == 'H' ? &n->p.hdig : &n->p.ddig) = c && !strcmp(c, "CRC32C");
			iscsi_put_key(out, k, c ? c : "Reject");
		} else if (!strcmp(k, "MaxRecvDataSegmentLength")) {
			if (num(v, 512, 16777215, &x) < 0)
				goto bad;
			n->p.send_seg_max = x;
			put_num(out, k, ISCSI_RECV_SEG_MAX);    /* declarative: ours */
			n->declared_mrdsl = true;
		} else if (!strcmp(k, "MaxBurstLength")) {
			if (num(v, 512, 16777215, &x) < 0)
				goto bad;
			n->p.max_burst = x < ISCSI_OUR_MAX_BURST ? x : ISCSI_OUR_MAX_BURST;
			put_num(out, k, n->p.max_burst);
		} else if (!strcmp(k, "FirstBurstLength")) {
			if (num(v, 512, 16777215, &x) < 0)
				goto bad;
			n->p.first_burst = x < ISCSI_OUR_FIRST_BURST ? x : ISCSI_OUR_FIRST_BURST;
			put_num(out, k, n->p.first_burst);
		} else if (!strcmp(k, "InitialR2T")) {
			if (yesno(v, &b) < 0)
				goto bad;
			n->p.initial_r2t = b;   /* OR with ours (No): unsolicited Data-Out if the initiator wants it */
			iscsi_put_key(out, k, b ? "Yes" : "No");
		} else if (!strcmp(k, "ImmediateData")) {
			if (yesno(v, &b) < 0)
				goto bad;
			n->p.immediate_data = b;        /* AND with ours (Yes) */
			iscsi_put_key(out, k, b ? "Yes" : "No");
		} else if (!strcmp(k, "MaxOutstandingR2T") || !strcmp(k, "MaxConnections")) {
			if (num(v, 1, 65535, &x) < 0)
				goto bad;
			iscsi_put_key(out, k, "1");
		} else if (!strcmp(k, "DataPDUInOrder") || !strcmp(k, "DataSequenceInOrder")) {
			if (yesno(v, &b) < 0)
				goto bad;
			iscsi_put_key(out, k, "Yes");   /* OR with ours (Yes) */
		} else if (!strcmp(k, "DefaultTime2Wait")) {
			if (num(v, 0, 3600, &x) < 0)
				goto bad;
			n->p.time2wait = x > 2 ? x : 2;
			put_num(out, k, n->p.time2wait);
		} else if (!strcmp(k, "DefaultTime2Retain")) {
			if (num(v, 0, 3600, &x) < 0)
				goto bad;
			n->p.time2retain = x < 20 ? x : 20;
			put_num(out, k, n->p.time2retain);
		} else if (!strcmp(k, "ErrorRecoveryLevel")) {
			if (num(v, 0, 2, &x) < 0)
				goto bad;
			iscsi_put_key(out, k, "0");
		} else if (!strcmp(k, "SendTargets")) {
			n->send_targets = true;
			text_copy(n->send_targets_name, sizeof(n->send_targets_name), strcmp(v, "All") ? v : "");
		} else if (!strcmp(k, "TargetAlias") || !strcmp(k, "TargetAddress") || !strcmp(k, "TargetPortalGroupTag")) {
			iscsi_put_key(out, k, "Irrelevant");
		} else {
			iscsi_put_key(out, k, "NotUnderstood");
		}
		continue;
bad:
		{
			char esc[96];

			snprintf(why, whylen, "%s: value \"%s\" out of its range", k, text_escape(esc, sizeof(esc), v, strlen(v)));
		}
		return -1;
	}
	return 0;
}

void iscsi_nego_finish(struct iscsi_nego *n, struct wbuf *out)
{
	if (!n->declared_mrdsl) {
		put_num(out, "MaxRecvDataSegmentLength", ISCSI_RECV_SEG_MAX);
		n->declared_mrdsl = true;
	}
}

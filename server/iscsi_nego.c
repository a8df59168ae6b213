#include "iscsi_nego.h"

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

/* A list value ("CRC32C,None") holds item. */
static bool list_has(const char *v, const char *item)
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

enum key_kind { K_NAME, K_LIST, K_NUM_MIN, K_NUM_MAX, K_OR, K_AND, K_DECL, K_IGNORE };

int iscsi_negotiate(struct iscsi_nego *n, const uint8_t *keys, size_t len, struct wbuf *out, char *why, size_t whylen)
{
	size_t pos = 0;

	while (pos < len) {
		const uint8_t *z = memchr(keys + pos, 0, len - pos);
		size_t plen = z ? (size_t)(z - (keys + pos)) : len - pos;
		char pair[ISCSI_NAME_MAX + 64], *eq, *k, *v;
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
		if (!strcmp(k, "InitiatorName")) {
			if (strlen(v) > ISCSI_NAME_MAX || !*v)
				goto bad;
			text_copy(n->initiator, sizeof(n->initiator), v);
		} else if (!strcmp(k, "TargetName")) {
			if (strlen(v) > ISCSI_NAME_MAX || !*v)
				goto bad;
			text_copy(n->target, sizeof(n->target), v);
		} else if (!strcmp(k, "SessionType")) {
			if (!strcmp(v, "Discovery"))
				n->discovery = true;
			else if (strcmp(v, "Normal"))
				goto bad;
		} else if (!strcmp(k, "InitiatorAlias")) {
			/* nothing to answer */
		} else if (!strcmp(k, "AuthMethod")) {
			n->auth_asked = true;
			n->auth_none = list_has(v, "None");
			iscsi_put_key(out, k, n->auth_none ? "None" : "Reject");
		} else if (!strcmp(k, "HeaderDigest") || !strcmp(k, "DataDigest")) {
			iscsi_put_key(out, k, list_has(v, "None") ? "None" : "Reject");
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
			n->p.initial_r2t = true;        /* OR with ours (Yes) */
			iscsi_put_key(out, k, "Yes");
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

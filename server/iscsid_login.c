#include "iscsid_int.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>

#include "iscsi_chap.h"
#include "log.h"
#include "text.h"

/* ---- login ------------------------------------------------------------------- */

bool iscsid_allowed(const struct iscsi_target *t, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = t->initiators; *p;) {
		const char *e = strchr(p, ' ');
		size_t l = e ? (size_t)(e - p) : strlen(p);

		if (l == n && !strncmp(p, name, n))
			return true;
		if (!e)
			break;
		p = e + 1;
		while (*p == ' ')
			p++;
	}
	return false;
}

/* Registers the session; an older one of the same initiator and ISID is
 * ended at once (a rebooted board logging in again). */
static void register_session(struct conn *c)
{
	struct iscsid *d = c->d;
	int slot = -1;

	pthread_mutex_lock(&d->mu);
	for (int i = 0; i < ISCSID_MAX_SESSIONS; i++) {
		struct iscsid_sess *s = &d->sess[i];

		if (!s->used) {
			if (slot < 0)
				slot = i;
			continue;
		}
		if (!strcmp(s->initiator, c->n.initiator) && !memcmp(s->isid, c->isid, 6)) {
			shutdown(s->fd, SHUT_RDWR);
			s->used = false;
			d->nreinstated++;
			log_info("iSCSI %s: %s logged in again with the same ISID: its old session ended", c->who,
				 c->n.initiator);
			if (slot < 0)
				slot = i;
		}
	}
	if (slot >= 0) {
		d->sess[slot].used = true;
		text_copy(d->sess[slot].initiator, sizeof(d->sess[slot].initiator), c->n.initiator);
		memcpy(d->sess[slot].isid, c->isid, 6);
		d->sess[slot].fd = c->fd;
		d->sess[slot].conn = c;
	}
	snprintf(c->nexus, sizeof(c->nexus), "%s,i,0x%02x%02x%02x%02x%02x%02x", c->n.initiator, c->isid[0], c->isid[1],
		 c->isid[2], c->isid[3], c->isid[4], c->isid[5]);
	if (++d->next_tsih == 0)
		d->next_tsih = 1;
	c->tsih = d->next_tsih;
	d->nlogins++;
	pthread_mutex_unlock(&d->mu);
}

void iscsid_unregister_session(struct conn *c)
{
	pthread_mutex_lock(&c->d->mu);
	for (int i = 0; i < ISCSID_MAX_SESSIONS; i++)
		if (c->d->sess[i].used && c->d->sess[i].conn == c)
			c->d->sess[i].used = false;
	pthread_mutex_unlock(&c->d->mu);
}

/* The target's CHAP accounts; NULL for discovery (None only). */
static const struct iscsi_chap_acct *account(const struct conn *c, struct iscsi_chap_acct *a)
{
	if (!c->tgt)
		return NULL;
	a->user = c->tgt->chap_user;
	a->secret = c->tgt->chap_secret;
	a->tuser = c->tgt->chap_tuser;
	a->tsecret = c->tgt->chap_tsecret;
	return a;
}

/* The login's security part: AuthMethod and CHAP in the security stage,
 * the stage itself required when the target has CHAP. The login status
 * (0: go on); *transit cleared while CHAP is under way. */
static uint16_t security(struct conn *c, uint8_t csg, bool *transit, struct wbuf *kv, char *why, size_t whylen)
{
	struct iscsi_chap_acct acct;
	const struct iscsi_chap_acct *a = account(c, &acct);
	uint8_t rnd[ISCSI_CHAP_RANDOM] = { 0 };
	int r;

	if (csg != 0) {
		if (c->n.auth != AUTH_DONE && iscsi_auth_may_leave(&c->n, a, why, whylen) < 0)
			return 0x0201;  /* CHAP required, the security stage skipped */
		if (c->n.ak.got & ~(unsigned)AUTH_K_METHOD) {
			snprintf(why, whylen, "CHAP keys outside the security stage");
			return 0x0207;
		}
		/* AuthMethod=None in the operational stage (some initiators):
		 * answered, not fatal, when nothing is to be proved */
		if (c->n.ak.got) {
			c->n.auth = AUTH_START;
			if (iscsi_auth_step(&c->n, a, rnd, kv, why, whylen) != ISCSI_AUTH_OK)
				return 0x0201;
		}
		return 0;
	}
	if ((c->n.ak.got & AUTH_K_A) && getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd)) {
		snprintf(why, whylen, "no random bytes for a CHAP challenge: %s", strerror(errno));
		return 0x0300;
	}
	r = iscsi_auth_step(&c->n, a, rnd, kv, why, whylen);
	if (r == ISCSI_AUTH_OK && *transit) {
		r = iscsi_auth_may_leave(&c->n, a, why, whylen);
		if (r == 0)
			*transit = false;       /* the exchange goes on: answer without T */
		r = r < 0 ? r : ISCSI_AUTH_OK;
	}
	if (r == ISCSI_AUTH_FAIL) {
		/* An online guesser waits for each answer. */
		struct timespec ts = { 1, 0 };

		nanosleep(&ts, NULL);
		return 0x0201;
	}
	return r == ISCSI_AUTH_BAD ? 0x0207 : 0;
}

/* A login request. 0 to go on, -1 to close (after the response). */
int iscsid_login(struct conn *c, const struct iscsi_bhs *h)
{
	uint8_t b[ISCSI_BHS_LEN], csg = (h->flags >> 2) & 3, nsg = h->flags & 3;
	bool transit = h->flags & 0x80;
	uint16_t status = 0;
	char why[1400] = "";
	struct wbuf kv = wb_init(c->kvbuf, sizeof(c->kvbuf));

	if (c->stage == 0xff) {         /* the first login PDU */
		memcpy(c->isid, h->lun, 6);
		c->statsn = h->w28;
		c->expcmdsn = h->w24;
		c->stage = csg;
		if ((uint16_t)(h->lun[6] << 8 | h->lun[7])) {
			status = 0x020a;        /* a TSIH: adding a connection; sessions have one */
			snprintf(why, sizeof(why), "a second connection to a session (MaxConnections=1)");
		}
	}
	if (!status && (h->flags & 0x40)) {
		status = 0x020b;
		snprintf(why, sizeof(why), "a login split over several PDUs (C bit)");
	}
	if (!status && (csg == 2 || csg != c->stage)) {
		status = 0x020b;
		snprintf(why, sizeof(why), "login stage %u where %u was expected", csg, c->stage);
	}
	c->n.ak.got = 0;
	if (!status && iscsi_negotiate(&c->n, c->data, h->data_len, &kv, why, sizeof(why)) < 0)
		status = 0x0207;
	if (!status && !c->n.initiator[0]) {
		status = 0x0207;
		snprintf(why, sizeof(why), "no InitiatorName");
	}
	if (!status && !c->n.discovery) {
		if (!c->tgt || strcmp(c->tgt->name, c->n.target)) {
			if (c->tgt)
				iscsid_target_put(c->d, c->tgt);
			c->tgt = c->n.target[0] ? iscsid_target_get(c->d, c->n.target) : NULL;
		}
		if (!c->tgt) {
			status = 0x0203;
			snprintf(why, sizeof(why), "no target \"%s\" here", c->n.target);
		} else if (!iscsid_allowed(c->tgt, c->n.initiator)) {
			status = 0x0202;
			snprintf(why, sizeof(why), "%s may not log into %s (its client file %s.conf allows %s)",
				 c->n.initiator, c->tgt->name, c->tgt->client, c->tgt->initiators);
		}
	}
	if (!status)
		status = security(c, csg, &transit, &kv, why, sizeof(why));
	if (!status && transit && (nsg == 2 || nsg <= csg)) {
		status = 0x020b;
		snprintf(why, sizeof(why), "a transit from stage %u to %u", csg, nsg);
	}
	if (!status && transit && nsg == 3 && ((c->d->require_digests & ISCSI_DIG_HEADER && !c->n.p.hdig) ||
						(c->d->require_digests & ISCSI_DIG_DATA && !c->n.p.ddig))) {
		status = 0x0207;
		snprintf(why, sizeof(why), "this target requires CRC32C %s digests ([iscsi] require-digests) and the "
			 "initiator did not agree to them", c->d->require_digests == ISCSI_DIG_HEADER ? "header" :
			 c->d->require_digests == ISCSI_DIG_DATA ? "data" : "header and data");
	}
	if (!status && transit && nsg == 3)
		iscsi_nego_finish(&c->n, &kv);
	if (kv.err) {
		status = 0x0300;
		snprintf(why, sizeof(why), "the login answer does not fit");
	}
	iscsi_bhs_init(b, ISCSI_OP_LOGIN_RSP, (uint8_t)(status ? 0 : (transit ? 0x80 | csg << 2 | nsg : csg << 2)),
		       status ? 0 : (uint32_t)kv.len, h->itt);
	memcpy(b + 8, c->isid, 6);
	if (!status && transit && nsg == 3) {
		register_session(c);
		b[14] = (uint8_t)(c->tsih >> 8);
		b[15] = (uint8_t)c->tsih;
	}
	iscsi_put32(b + 24, c->statsn++);
	iscsi_put32(b + 28, c->expcmdsn);
	iscsi_put32(b + 32, c->expcmdsn + QUEUE - 1);
	b[36] = (uint8_t)(status >> 8);
	b[37] = (uint8_t)status;
	if (iscsid_send_pdu(c, b, c->kvbuf, status ? 0 : (uint32_t)kv.len) < 0)
		return -1;
	if (status) {
		pthread_mutex_lock(&c->d->mu);
		c->d->nrefused++;
		pthread_mutex_unlock(&c->d->mu);
		log_warn("iSCSI %s: login refused (status %04x): %s", c->who, status, why);
		if (c->d->on_login && c->tgt)
			c->d->on_login(c->d->ev_ctx, c->tgt->client, c->peer, false, why);
		return -1;
	}
	if (transit) {
		c->stage = nsg;
		if (nsg == 3) {
			c->ffp = true;
			c->hdig = c->n.p.hdig;
			c->ddig = c->n.p.ddig;
			if (c->n.discovery)
				log_debug("iSCSI %s: discovery session of %s", c->who, c->n.initiator);
			else
				log_info("iSCSI %s: %s logged into %s (%s.conf, %llu MiB%s%s%s%s)", c->who,
					 c->n.initiator, c->tgt->name, c->tgt->client,
					 (unsigned long long)(c->tgt->bs.size >> 20), c->tgt->lu.readonly ? ", read-only" : "",
					 c->tgt->chap_secret[0] ? ", CHAP" : "",
					 c->hdig ? ", header digest" : "", c->ddig ? ", data digest" : "");
			if (c->d->on_login && !c->n.discovery)
				c->d->on_login(c->d->ev_ctx, c->tgt->client, c->peer, true, "");
		}
	}
	return 0;
}

/* ---- text: SendTargets ----------------------------------------------------------- */

int iscsid_text(struct conn *c, const struct iscsi_bhs *h)
{
	uint8_t b[ISCSI_BHS_LEN];
	struct wbuf kv = wb_init(c->kvbuf, sizeof(c->kvbuf));
	char why[160], addr[64], ip[IN4_STRLEN];

	if (!iscsid_cmdsn(c, h))
		return 0;
	c->n.send_targets = false;
	c->n.ak.got = 0;
	if ((h->flags & 0x40) || iscsi_negotiate(&c->n, c->data, h->data_len, &kv, why, sizeof(why)) < 0 ||
	    c->n.ak.got)    /* AuthMethod, CHAP_*: login keys only */
		return iscsid_reject(c, 0x09);
	if (c->n.send_targets) {
		snprintf(addr, sizeof(addr), "%s:%u,1", in4_str(c->local, ip), c->d->port);
		/* an initiator sees only the targets it may log into */
		pthread_mutex_lock(&c->d->mu);
		for (int i = 0; i < c->d->nt; i++) {
			const struct iscsi_target *t = c->d->t[i];

			if (!iscsid_allowed(t, c->n.initiator) ||
			    (c->n.send_targets_name[0] && strcmp(c->n.send_targets_name, t->name)))
				continue;
			iscsi_put_key(&kv, "TargetName", t->name);
			iscsi_put_key(&kv, "TargetAddress", addr);
		}
		pthread_mutex_unlock(&c->d->mu);
	}
	if (kv.err || kv.len > c->n.p.send_seg_max)
		return iscsid_reject(c, 0x09);
	iscsi_bhs_init(b, ISCSI_OP_TEXT_RSP, 0x80, (uint32_t)kv.len, h->itt);
	iscsi_put32(b + 20, ISCSI_RSVD_TAG);
	iscsid_sns(c, b, true);
	return iscsid_send_pdu(c, b, c->kvbuf, (uint32_t)kv.len);
}

/* The fleet table: events in, boot records kept (see status.h). */
#include "status.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dhcp_msg.h"
#include "text.h"

int status_init(struct status *s)
{
	memset(s, 0, sizeof(*s));
	return -pthread_mutex_init(&s->mu, NULL);
}

void status_free(struct status *s)
{
	free(s->c);
	free(s->by_mac);
	s->c = NULL;
	s->by_mac = NULL;
	s->n = 0;
	pthread_mutex_destroy(&s->mu);
}

/* ---- finding a board ----------------------------------------------------------- */

static uint32_t mac_hash(const uint8_t mac[6])
{
	uint32_t h = 2166136261u;

	for (int i = 0; i < 6; i++)
		h = (h ^ mac[i]) * 16777619u;
	return h;
}

static void index_mac(struct status *s, int i)
{
	uint32_t b = mac_hash(s->c[i].mac) & (s->nbuckets - 1);

	while (s->by_mac[b] >= 0 && s->by_mac[b] != i)
		b = (b + 1) & (s->nbuckets - 1);
	s->by_mac[b] = i;
}

static struct st_client *by_mac(struct status *s, const uint8_t mac[6])
{
	uint32_t b;

	if (!s->nbuckets)
		return NULL;
	for (b = mac_hash(mac) & (s->nbuckets - 1); s->by_mac[b] >= 0; b = (b + 1) & (s->nbuckets - 1))
		if (!memcmp(s->c[s->by_mac[b]].mac, mac, 6))
			return &s->c[s->by_mac[b]];
	return NULL;
}

static struct st_client *by_addr(struct status *s, in4_t ip)
{
	for (int i = 0; ip && i < s->n; i++)
		if (s->c[i].reserved == ip)
			return &s->c[i];
	for (int i = 0; ip && i < s->n; i++)
		if (s->c[i].addr == ip)
			return &s->c[i];
	return NULL;
}

static struct st_client *by_name(struct status *s, const char *name)
{
	for (int i = 0; i < s->n; i++)
		if (!strcmp(s->c[i].name, name))
			return &s->c[i];
	return NULL;
}

void status_reindex(struct status *s)
{
	s->nserial_only = 0;
	for (int i = 0; i < s->n; i++)
		s->nserial_only += !s->c[i].has_mac;
	if (!s->nbuckets)
		return;
	memset(s->by_mac, 0xff, s->nbuckets * sizeof(s->by_mac[0]));
	for (int i = 0; i < s->n; i++)
		if (s->c[i].has_mac)
			index_mac(s, i);
}

int status_set_clients(struct status *s, const struct nrd_client *cl, int n)
{
	struct st_client *c = calloc((size_t)(n > 0 ? n : 1), sizeof(*c));
	uint32_t nb = 16;
	int32_t *idx;

	while (nb < 2 * (uint32_t)n)
		nb *= 2;
	idx = malloc(nb * sizeof(*idx));
	if (!c || !idx) {
		free(c);
		free(idx);
		return -ENOMEM;
	}
	memset(idx, 0xff, nb * sizeof(*idx));
	pthread_mutex_lock(&s->mu);
	for (int i = 0; i < n; i++) {
		struct st_client *old = by_name(s, cl[i].name);

		if (old)
			c[i] = *old;
		text_copy(c[i].name, sizeof(c[i].name), cl[i].name);
		if (cl[i].has_mac) {
			memcpy(c[i].mac, cl[i].mac, 6);
			c[i].has_mac = true;
		} else if (!old || cl[i].serial != old->serial) {
			c[i].has_mac = false;   /* learned again from its DHCP */
		}
		c[i].serial = cl[i].serial;
		c[i].has_serial = cl[i].has_serial;
		c[i].reserved = cl[i].address;
		if (!old) {
			c[i].tokens = STATUS_REPORT_BURST;
			c[i].bucket_ms = 0;
		}
	}
	free(s->c);
	free(s->by_mac);
	s->c = c;
	s->n = n;
	s->by_mac = idx;
	s->nbuckets = nb;
	status_reindex(s);
	s->dirty = true;
	pthread_mutex_unlock(&s->mu);
	return 0;
}

/* ---- boot records ----------------------------------------------------------------- */

static void new_boot(struct st_client *c, struct st_time now)
{
	memset(&c->boot, 0, sizeof(c->boot));
	c->boot.state = ST_BOOTING;
	c->boot.start = now;
	c->boot.last = now;
}

static bool finished(const struct st_client *c)
{
	return c->boot.state == ST_UP || c->boot.state == ST_FAILED;
}

/* News for a finished boot long after it ended (or a board never seen):
 * a boot of its own. */
static void maybe_new_boot(struct st_client *c, struct st_time now)
{
	if (c->boot.state == ST_NEVER ||
	    (finished(c) && now.mono_ms - c->boot.last.mono_ms > STATUS_NEW_BOOT_GAP_S * 1000))
		new_boot(c, now);
}

static struct st_stage *add_stage(struct st_client *c, enum st_kind kind, const char *name, struct st_time now)
{
	struct st_stage *st;

	c->boot.last = now;
	if (c->boot.nstages == STATUS_MAX_STAGES) {
		c->boot.ndropped++;
		return NULL;
	}
	st = &c->boot.stage[c->boot.nstages++];
	memset(st, 0, sizeof(*st));
	st->kind = (uint8_t)kind;
	st->count = 1;
	st->ok = true;
	st->dur_ms = -1;
	st->at_ms = now.mono_ms - c->boot.start.mono_ms;
	text_copy(st->name, sizeof(st->name), name);
	return st;
}

/* A boot that has seen nothing but DHCP, lately: a firmware's DISCOVER
 * again is the same boot asking again. */
static bool dhcp_only(const struct st_client *c, struct st_time now)
{
	if (c->boot.reported || now.mono_ms - c->boot.last.mono_ms > STATUS_NEW_BOOT_GAP_S * 1000)
		return false;
	for (int i = 0; i < c->boot.nstages; i++)
		if (c->boot.stage[i].kind != STK_DHCP)
			return false;
	return true;
}

bool status_wants(struct status *s, const uint8_t mac[6])
{
	bool w;

	pthread_mutex_lock(&s->mu);
	w = s->nserial_only > 0 || by_mac(s, mac) != NULL;
	pthread_mutex_unlock(&s->mu);
	return w;
}

void status_dhcp(struct status *s, const uint8_t mac[6], const uint32_t *serial, bool firmware, uint8_t type,
		 in4_t addr, struct st_time now)
{
	const char *name = dhcp_type_name(type);
	struct st_client *c;
	struct st_stage *last;

	pthread_mutex_lock(&s->mu);
	c = by_mac(s, mac);
	if (!c && serial) {
		for (int i = 0; i < s->n && !c; i++)
			if (s->c[i].has_serial && s->c[i].serial == *serial)
				c = &s->c[i];
		if (c && !c->has_mac) {
			/* a board known by its serial: its MAC from now on,
			 * so its reports find it */
			memcpy(c->mac, mac, 6);
			c->has_mac = true;
			index_mac(s, (int)(c - s->c));
			s->nserial_only--;
		}
	}
	if (!c || !type)
		goto out;
	if (type == DHCPACK && addr)
		c->addr = addr;
	if (type == DHCPDISCOVER && (c->boot.state != ST_BOOTING || (firmware && !dhcp_only(c, now))))
		new_boot(c, now);
	else if (c->boot.state == ST_NEVER)
		new_boot(c, now);
	else if (finished(c))
		goto out;       /* a renewal of the running system: not part of the boot */
	last = c->boot.nstages ? &c->boot.stage[c->boot.nstages - 1] : NULL;
	if (last && last->kind == STK_DHCP && !strcmp(last->name, name) && last->addr == addr) {
		last->count++;  /* the same message again */
		c->boot.last = now;
	} else if ((last = add_stage(c, STK_DHCP, name, now)) != NULL) {
		last->addr = addr;
		last->ok = type != DHCPNAK;
	}
	s->dirty = true;
out:
	pthread_mutex_unlock(&s->mu);
}

void status_tftp(struct status *s, in4_t ip, const char *name, uint64_t bytes, int64_t ms, bool ok,
		 struct st_time now)
{
	struct st_client *c;
	struct st_stage *st;

	pthread_mutex_lock(&s->mu);
	c = by_addr(s, ip);
	if (c) {
		struct st_time t0 = { now.wall_ms - ms, now.mono_ms - ms };

		maybe_new_boot(c, t0);
		st = add_stage(c, STK_TFTP, name, now);
		if (st) {
			st->at_ms = t0.mono_ms - c->boot.start.mono_ms;     /* when it started */
			st->dur_ms = ms;
			st->bytes = bytes;
			st->ok = ok;
		}
		s->dirty = true;
	}
	pthread_mutex_unlock(&s->mu);
}

void status_iscsi(struct status *s, const char *client, in4_t ip, bool ok, const char *why, struct st_time now)
{
	struct st_client *c;
	struct st_stage *st, *last;

	pthread_mutex_lock(&s->mu);
	c = client ? by_name(s, client) : by_addr(s, ip);
	if (c) {
		maybe_new_boot(c, now);
		last = c->boot.nstages ? &c->boot.stage[c->boot.nstages - 1] : NULL;
		if (last && last->kind == STK_ISCSI && last->ok == ok) {
			last->count++;  /* logged in again (a reconnect), or refused again */
			c->boot.last = now;
		} else if ((st = add_stage(c, STK_ISCSI, "login", now)) != NULL) {
			st->ok = ok;
		}
		if (!ok)
			text_copy(c->boot.iscsi_why, sizeof(c->boot.iscsi_why), why ? why : "");
		if (ip && !c->addr)
			c->addr = ip;
		s->dirty = true;
	}
	pthread_mutex_unlock(&s->mu);
}

/* ---- the board's own reports ------------------------------------------------------- */

static bool take_token(struct st_client *c, int64_t now_ms)
{
	if (now_ms - c->bucket_ms >= STATUS_REPORT_REFILL_MS) {
		int64_t add = (now_ms - c->bucket_ms) / STATUS_REPORT_REFILL_MS;

		c->tokens = add >= STATUS_REPORT_BURST - (int64_t)c->tokens ? STATUS_REPORT_BURST :
			    c->tokens + (uint32_t)add;
		c->bucket_ms = now_ms;
	}
	if (!c->tokens)
		return false;
	c->tokens--;
	return true;
}

enum st_verdict status_report(struct status *s, const struct report *r, in4_t from, in4_t lease_addr,
			      struct st_time now, char *name)
{
	enum st_verdict v = ST_ACCEPTED;
	struct st_client *c;
	struct st_boot *b;

	pthread_mutex_lock(&s->mu);
	c = by_mac(s, r->mac);
	if (!c) {
		v = ST_UNKNOWN_MAC;
		s->nunknown++;
		s->dirty = true;
		goto out;
	}
	text_copy(name, NRD_NAME_LEN, c->name);
	if (!from || (from != c->reserved && from != lease_addr && from != c->addr)) {
		v = ST_WRONG_ADDR;
		s->nwrong_addr++;
		s->dirty = true;
		goto out;
	}
	if (!take_token(c, now.mono_ms)) {
		v = ST_RATE_LIMITED;
		s->nrate++;
		s->dirty = true;
		goto out;
	}
	b = &c->boot;
	if (b->reported && !strcmp(b->boot_id, r->boot)) {
		if (r->seq <= b->seq) {
			v = ST_STALE;   /* an older one, arrived late or twice */
			s->nstale++;
			s->dirty = true;
			goto out;
		}
	} else if (!(b->state == ST_BOOTING && !b->reported)) {
		/* another boot attempt than the one recorded, with no DHCP
		 * through us (a static address, a retry after a rescue): it
		 * started with its first phase */
		int64_t ago = (int64_t)r->uptime_ms - (r->nphases ? (int64_t)r->phase[0].start_ms : (int64_t)r->uptime_ms);
		struct st_time t0;

		if (ago < 0 || ago > 86400000)
			ago = 0;
		t0.wall_ms = now.wall_ms - ago;
		t0.mono_ms = now.mono_ms - ago;
		new_boot(c, t0);
	}
	b->reported = true;
	text_copy(b->boot_id, sizeof(b->boot_id), r->boot);
	b->seq = r->seq;
	b->event = r->event;
	b->uptime_ms = r->uptime_ms;
	b->kstart_ms = now.mono_ms - (int64_t)r->uptime_ms - b->start.mono_ms;
	b->from = from;
	text_copy(b->host, sizeof(b->host), r->host);
	text_copy(b->kernel, sizeof(b->kernel), r->kernel);
	text_copy(b->root, sizeof(b->root), r->root);
	memcpy(b->phase, r->phase, sizeof(b->phase));
	b->nphases = r->nphases;
	text_copy(b->failed, sizeof(b->failed), r->event == REPORT_FAILED ? r->failed : "");
	b->state = r->event == REPORT_UP ? ST_UP : r->event == REPORT_FAILED ? ST_FAILED : ST_BOOTING;
	b->last = now;
	c->addr = from;
	s->naccepted++;
	s->dirty = true;
out:
	pthread_mutex_unlock(&s->mu);
	return v;
}

void status_malformed(struct status *s)
{
	pthread_mutex_lock(&s->mu);
	s->nmalformed++;
	s->dirty = true;
	pthread_mutex_unlock(&s->mu);
}

bool status_tell(struct status *s, in4_t from, int64_t now_s)
{
	int oldest = 0;
	bool tell = true;

	pthread_mutex_lock(&s->mu);
	for (int i = 0; i < STATUS_TOLD_SLOTS; i++) {
		if (s->told[i].addr == from) {
			tell = now_s - s->told[i].s >= STATUS_TOLD_EVERY_S;
			if (tell)
				s->told[i].s = now_s;
			goto out;
		}
		if (s->told[i].s < s->told[oldest].s)
			oldest = i;
	}
	s->told[oldest].addr = from;
	s->told[oldest].s = now_s;
out:
	pthread_mutex_unlock(&s->mu);
	return tell;
}

bool status_dirty(struct status *s)
{
	bool d;

	pthread_mutex_lock(&s->mu);
	d = s->dirty;
	pthread_mutex_unlock(&s->mu);
	return d;
}

const char *status_state_name(const struct st_client *c, struct st_time now, int64_t *silent_s)
{
	*silent_s = 0;
	switch (c->boot.state) {
	case ST_BOOTING:
		*silent_s = (now.wall_ms - c->boot.last.wall_ms) / 1000;
		if (*silent_s >= STATUS_SILENT_S)
			return "silent";
		*silent_s = 0;
		return "booting";
	case ST_UP:
		return "up";
	case ST_FAILED:
		return "failed";
	default:
		return "never seen";
	}
}

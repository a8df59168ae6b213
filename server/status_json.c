/* The fleet table as JSON: written to STATE/status.json by the daemon and
 * by `netrootd status --json`, read back by `netrootd status` and by the
 * daemon at start (the last boots survive a restart). The schema is in
 * docs/netrootd.md ("Fleet status"). */
#include "status.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "dhcp_msg.h"
#include "cmdline.h"
#include "ipv4.h"
#include "json.h"
#include "text.h"

#define STATUS_JSON_VERSION 1

static const char *const kind_names[] = { [STK_DHCP] = "dhcp", [STK_TFTP] = "tftp", [STK_ISCSI] = "iscsi" };
static const char *const raw_states[] = { [ST_NEVER] = "never seen", [ST_BOOTING] = "booting", [ST_UP] = "up",
					  [ST_FAILED] = "failed" };

static void put_addr(FILE *f, const char *key, in4_t a)
{
	char s[IN4_STRLEN];

	if (a)
		fprintf(f, ", \"%s\": \"%s\"", key, in4_str(a, s));
	else
		fprintf(f, ", \"%s\": null", key);
}

static void put_key_str(FILE *f, const char *key, const char *v)
{
	fprintf(f, ", \"%s\": ", key);
	json_put_str(f, v);
}

static void put_stage(FILE *f, const struct st_stage *st)
{
	fprintf(f, "{\"kind\": \"%s\"", kind_names[st->kind]);
	put_key_str(f, "name", st->name);
	fprintf(f, ", \"at_ms\": %" PRId64 ", \"ok\": %s", st->at_ms, st->ok ? "true" : "false");
	if (st->kind == STK_TFTP)
		fprintf(f, ", \"dur_ms\": %" PRId64 ", \"bytes\": %" PRIu64, st->dur_ms, st->bytes);
	else
		fprintf(f, ", \"count\": %u", st->count);
	if (st->kind == STK_DHCP)
		put_addr(f, "address", st->addr);
	fputc('}', f);
}

static void put_report(FILE *f, const struct st_boot *b)
{
	fprintf(f, ",\n     \"report\": {\"boot_id\": ");
	json_put_str(f, b->boot_id);
	fprintf(f, ", \"seq\": %" PRIu32 ", \"event\": \"%s\", \"uptime_ms\": %" PRIu64 ", \"kernel_start_at_ms\": %" PRId64,
		b->seq, report_event_name(b->event), b->uptime_ms, b->kstart_ms);
	put_addr(f, "from", b->from);
	put_key_str(f, "host", b->host);
	put_key_str(f, "kernel", b->kernel);
	put_key_str(f, "root", b->root);
	fprintf(f, ",\n      \"phases\": [");
	for (int i = 0; i < b->nphases; i++) {
		const struct report_phase *p = &b->phase[i];

		fprintf(f, "%s{\"name\": ", i ? ", " : "");
		json_put_str(f, p->name);
		fprintf(f, ", \"start_ms\": %" PRIu64 ", \"at_ms\": %" PRId64, p->start_ms, b->kstart_ms + (int64_t)p->start_ms);
		if (p->dur_ms >= 0)
			fprintf(f, ", \"dur_ms\": %" PRId64 "}", p->dur_ms);
		else
			fprintf(f, ", \"dur_ms\": null}");
	}
	fputc(']', f);
	if (b->failed[0])
		put_key_str(f, "failed", b->failed);
	fputc('}', f);
}

static void put_client(FILE *f, const struct st_client *c, struct st_time now)
{
	const struct st_boot *b = &c->boot;
	int64_t silent;
	const char *state = status_state_name(c, now, &silent);

	fprintf(f, "    {\"name\": ");
	json_put_str(f, c->name);
	put_addr(f, "address", c->reserved ? c->reserved : c->addr);
	if (c->has_mac)
		fprintf(f, ", \"mac\": \"%02x:%02x:%02x:%02x:%02x:%02x\"", c->mac[0], c->mac[1], c->mac[2], c->mac[3],
			c->mac[4], c->mac[5]);
	else
		fprintf(f, ", \"mac\": null");
	if (c->has_serial)
		fprintf(f, ", \"serial\": \"%08" PRIx32 "\"", c->serial);
	else
		fprintf(f, ", \"serial\": null");
	fprintf(f, ", \"state\": \"%s\"", state);
	if (silent)
		fprintf(f, ", \"silent_s\": %" PRId64, silent);
	if (b->state == ST_NEVER) {
		fprintf(f, ", \"boot\": null}");
		return;
	}
	fprintf(f, ",\n     \"boot\": {\"state\": \"%s\", \"started_unix_ms\": %" PRId64 ", \"started_mono_ms\": %" PRId64
		", \"last_unix_ms\": %" PRId64 ", \"last_mono_ms\": %" PRId64 ", \"stages_dropped\": %" PRIu32,
		raw_states[b->state], b->start.wall_ms, b->start.mono_ms, b->last.wall_ms, b->last.mono_ms, b->ndropped);
	if (b->iscsi_why[0])
		put_key_str(f, "iscsi_refused", b->iscsi_why);
	fprintf(f, ",\n     \"stages\": [");
	for (int i = 0; i < b->nstages; i++) {
		fprintf(f, "%s\n      ", i ? "," : "");
		put_stage(f, &b->stage[i]);
	}
	fprintf(f, "]");
	if (b->reported)
		put_report(f, b);
	fprintf(f, "}}");
}

int status_write_json(struct status *s, FILE *f, const struct st_view *v)
{
	pthread_mutex_lock(&s->mu);
	fprintf(f, "{\"version\": %d, \"written_unix_ms\": %" PRId64, STATUS_JSON_VERSION, v->now.wall_ms);
	if (v->daemon >= 0)
		fprintf(f, ", \"daemon_running\": %s", v->daemon ? "true" : "false");
	if (v->pid > 0)
		fprintf(f, ", \"pid\": %d", v->pid);
	fprintf(f, ",\n  \"reports\": {\"accepted\": %" PRIu64 ", \"unknown_mac\": %" PRIu64 ", \"wrong_address\": %" PRIu64
		", \"rate_limited\": %" PRIu64 ", \"stale\": %" PRIu64 ", \"malformed\": %" PRIu64 "},\n  \"clients\": [",
		s->naccepted, s->nunknown, s->nwrong_addr, s->nrate, s->nstale, s->nmalformed);
	for (int i = 0, k = 0; i < s->n; i++) {
		if (v->only && strcmp(v->only, s->c[i].name))
			continue;
		fprintf(f, "%s\n", k++ ? "," : "");
		put_client(f, &s->c[i], v->now);
	}
	fprintf(f, "\n  ]\n}\n");
	s->dirty = false;
	pthread_mutex_unlock(&s->mu);
	return ferror(f) ? -EIO : 0;
}

/* ---- reading it back ------------------------------------------------------------ */

static int64_t get_int(const struct json *j, int obj, const char *key)
{
	int64_t v = 0;

	json_int(j, json_get(j, obj, key), &v);
	return v;
}

static in4_t get_addr(const struct json *j, int obj, const char *key)
{
	char s[IN4_STRLEN];
	in4_t a = 0;

	if (json_str(j, json_get(j, obj, key), s, sizeof(s)) == 0)
		parse_in4(s, strlen(s), &a);
	return a;
}

static void get_text(const struct json *j, int obj, const char *key, char *out, size_t n)
{
	if (json_str(j, json_get(j, obj, key), out, n) < 0)
		out[0] = '\0';
}

static int word_index(const char *w, const char *const *names, int n)
{
	for (int i = 0; i < n; i++)
		if (names[i] && !strcmp(names[i], w))
			return i;
	return -1;
}

static void read_stage(const struct json *j, int o, struct st_stage *st)
{
	char w[16];
	int k;

	memset(st, 0, sizeof(*st));
	get_text(j, o, "kind", w, sizeof(w));
	k = word_index(w, kind_names, 4);
	st->kind = (uint8_t)(k > 0 ? k : STK_DHCP);
	get_text(j, o, "name", st->name, sizeof(st->name));
	st->at_ms = get_int(j, o, "at_ms");
	st->ok = json_true(j, json_get(j, o, "ok"));
	st->dur_ms = st->kind == STK_TFTP ? get_int(j, o, "dur_ms") : -1;
	st->bytes = (uint64_t)get_int(j, o, "bytes");
	k = (int)get_int(j, o, "count");
	st->count = (uint16_t)(k > 0 && k < 65536 ? k : 1);
	st->addr = get_addr(j, o, "address");
}

static void read_report(const struct json *j, int o, struct st_boot *b)
{
	int ph = json_get(j, o, "phases");
	char w[16];
	int k;

	b->reported = true;
	get_text(j, o, "boot_id", b->boot_id, sizeof(b->boot_id));
	b->seq = (uint32_t)get_int(j, o, "seq");
	get_text(j, o, "event", w, sizeof(w));
	b->event = !strcmp(w, "up") ? REPORT_UP : !strcmp(w, "failed") ? REPORT_FAILED : REPORT_PHASE;
	b->uptime_ms = (uint64_t)get_int(j, o, "uptime_ms");
	b->kstart_ms = get_int(j, o, "kernel_start_at_ms");
	b->from = get_addr(j, o, "from");
	get_text(j, o, "host", b->host, sizeof(b->host));
	get_text(j, o, "kernel", b->kernel, sizeof(b->kernel));
	get_text(j, o, "root", b->root, sizeof(b->root));
	get_text(j, o, "failed", b->failed, sizeof(b->failed));
	for (k = 0; k < REPORT_MAX_PHASES && (o = json_at(j, ph, k)) >= 0; k++) {
		struct report_phase *p = &b->phase[k];
		int d = json_get(j, o, "dur_ms");

		get_text(j, o, "name", p->name, sizeof(p->name));
		p->start_ms = (uint64_t)get_int(j, o, "start_ms");
		p->dur_ms = -1;
		json_int(j, d, &p->dur_ms);
	}
	b->nphases = k;
}

static void read_boot(const struct json *j, int o, struct st_boot *b)
{
	int st = json_get(j, o, "stages"), r, k;
	char w[16];

	memset(b, 0, sizeof(*b));
	get_text(j, o, "state", w, sizeof(w));
	k = word_index(w, raw_states, 4);
	b->state = k > 0 ? (enum st_state)k : ST_BOOTING;
	b->start.wall_ms = get_int(j, o, "started_unix_ms");
	b->start.mono_ms = get_int(j, o, "started_mono_ms");
	b->last.wall_ms = get_int(j, o, "last_unix_ms");
	b->last.mono_ms = get_int(j, o, "last_mono_ms");
	b->ndropped = (uint32_t)get_int(j, o, "stages_dropped");
	get_text(j, o, "iscsi_refused", b->iscsi_why, sizeof(b->iscsi_why));
	for (k = 0; k < STATUS_MAX_STAGES && (r = json_at(j, st, k)) >= 0; k++)
		read_stage(j, r, &b->stage[k]);
	b->nstages = k;
	r = json_get(j, o, "report");
	if (r >= 0 && j->t[r].type == JSON_OBJ)
		read_report(j, r, b);
}

static struct st_client *add_client(struct status *s, const char *name)
{
	struct st_client *c = realloc(s->c, (size_t)(s->n + 1) * sizeof(*c));

	if (!c)
		return NULL;
	s->c = c;
	c = &s->c[s->n++];
	memset(c, 0, sizeof(*c));
	text_copy(c->name, sizeof(c->name), name);
	c->tokens = STATUS_REPORT_BURST;
	return c;
}

int status_read_json(struct status *s, const char *text, size_t len, bool add)
{
	struct json j;
	int cl, o, rp, r;
	int64_t ver = 0;

	r = json_parse(&j, text, len);
	if (r < 0)
		return r;
	if (json_int(&j, json_get(&j, 0, "version"), &ver) < 0 || ver != STATUS_JSON_VERSION ||
	    (cl = json_get(&j, 0, "clients")) < 0) {
		json_free(&j);
		return -EBADMSG;
	}
	pthread_mutex_lock(&s->mu);
	rp = json_get(&j, 0, "reports");
	s->naccepted = (uint64_t)get_int(&j, rp, "accepted");
	s->nunknown = (uint64_t)get_int(&j, rp, "unknown_mac");
	s->nwrong_addr = (uint64_t)get_int(&j, rp, "wrong_address");
	s->nrate = (uint64_t)get_int(&j, rp, "rate_limited");
	s->nstale = (uint64_t)get_int(&j, rp, "stale");
	s->nmalformed = (uint64_t)get_int(&j, rp, "malformed");
	for (int k = 0; (o = json_at(&j, cl, k)) >= 0; k++) {
		char name[NRD_NAME_LEN], mac[24];
		struct st_client *c = NULL;
		int b = json_get(&j, o, "boot");

		if (json_str(&j, json_get(&j, o, "name"), name, sizeof(name)) < 0)
			continue;
		for (int i = 0; i < s->n && !c; i++)
			if (!strcmp(s->c[i].name, name))
				c = &s->c[i];
		if (!c && add && (c = add_client(s, name)) != NULL)
			c->reserved = get_addr(&j, o, "address");
		if (!c)
			continue;
		if (!c->has_mac && json_str(&j, json_get(&j, o, "mac"), mac, sizeof(mac)) == 0 &&
		    parse_mac(mac, ':', c->mac) == 0)
			c->has_mac = true;      /* learned from its DHCP (a board known by serial) */
		if (!c->reserved && !c->addr)
			c->addr = get_addr(&j, o, "address");
		if (b >= 0 && j.t[b].type == JSON_OBJ)
			read_boot(&j, b, &c->boot);
	}
	status_reindex(s);
	pthread_mutex_unlock(&s->mu);
	json_free(&j);
	return 0;
}

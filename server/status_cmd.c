/* `netrootd status [-c FILE] [--json] [NAME]`: every board's last boot as
 * the running netrootd saw it (STATE/status.json), the boards of the
 * configuration that never booted too. A separate process: it reads the
 * files, never talks to the daemon. */
#include "status_cmd.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conf_load.h"
#include "dhcp_msg.h"
#include "status_net.h"
#include "text.h"

#define DEFAULT_CONF "/etc/netroot/netrootd.conf"
#define WRAP 100                /* columns of a timeline line */

static int usage(void)
{
	fprintf(stderr, "usage: netrootd status [-c FILE] [--json] [NAME]\n"
		"  Every board's last boot as netrootd saw it: DHCP, each TFTP file, the iSCSI login,\n"
		"  and the phases and FAILED line the board's netroot-init reported; times from\n"
		"  its first DHCP packet. NAME: that board only. --json: the same as JSON.\n"
		"  -c FILE: the daemon's configuration (default " DEFAULT_CONF ").\n");
	return 2;
}

static int64_t now_ms(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- the timeline ------------------------------------------------------------- */

struct item {
	int64_t at_ms;
	int order;                      /* ties: server stages before the board's phases */
	bool phase;                     /* the board's own: a run of them gets "init: " */
	char text[4 * (STATUS_STAGE_NAME + STATUS_WHY_LEN) + 128];
};

/* ms as seconds with two decimals, rounded ("-0.00" never) */
static const char *secs(int64_t ms, char out[24])
{
	int64_t cs = (ms >= 0 ? ms + 5 : ms - 5) / 10;

	snprintf(out, 24, "%s%" PRId64 ".%02d", cs < 0 ? "-" : "", (cs < 0 ? -cs : cs) / 100, (int)((cs < 0 ? -cs : cs) % 100));
	return out;
}

static void size_str(uint64_t b, char *out, size_t n)
{
	if (b < 1000)
		snprintf(out, n, "%" PRIu64 " B", b);
	else if (b < 1000000)
		snprintf(out, n, "%.1f kB", (double)b / 1e3);
	else
		snprintf(out, n, "%.1f MB", (double)b / 1e6);
}

static int by_time(const void *a, const void *b)
{
	const struct item *x = a, *y = b;

	if (x->at_ms != y->at_ms)
		return x->at_ms < y->at_ms ? -1 : 1;
	return x->order - y->order;
}

static int timeline(const struct st_boot *b, struct item *it)
{
	char esc[STATUS_STAGE_NAME * 4], why[STATUS_WHY_LEN * 4], sz[32], t1[24], t2[24];
	int n = 0;

	for (int i = 0; i < b->nstages; i++) {
		const struct st_stage *st = &b->stage[i];
		struct item *x = &it[n];
		size_t o;

		x->at_ms = st->at_ms;
		x->order = n;
		x->phase = false;
		text_escape(esc, sizeof(esc), st->name, strlen(st->name));
		if (st->kind == STK_DHCP) {
			/* one item for a run of DHCP messages: "dhcp 0.00 s (DISCOVER, OFFER, ...)" */
			x->phase = false;
			o = (size_t)snprintf(x->text, sizeof(x->text), "dhcp %s s (", secs(st->at_ms, t1));
			for (int k = i; k < b->nstages && b->stage[k].kind == STK_DHCP; i = k++) {
				const struct st_stage *d = &b->stage[k];
				char a[IN4_STRLEN];

				o += (size_t)snprintf(x->text + o, o < sizeof(x->text) ? sizeof(x->text) - o : 0, "%s%s",
						      k > i ? ", " : "", d->name);
				if (d->count > 1 && o < sizeof(x->text))
					o += (size_t)snprintf(x->text + o, sizeof(x->text) - o, " x%u", d->count);
				if (!strcmp(d->name, "ACK") && d->addr && o < sizeof(x->text))
					o += (size_t)snprintf(x->text + o, sizeof(x->text) - o, " %s", in4_str(d->addr, a));
			}
			if (o + 1 < sizeof(x->text))
				strcat(x->text, ")");
		} else if (st->kind == STK_TFTP) {
			size_str(st->bytes, sz, sizeof(sz));
			snprintf(x->text, sizeof(x->text), "tftp %s %s s (%s, %s s%s)", esc, secs(st->at_ms, t1), sz,
				 secs(st->dur_ms, t2), st->ok ? "" : ", not completed");
		} else {
			text_escape(why, sizeof(why), b->iscsi_why, strlen(b->iscsi_why));
			snprintf(x->text, sizeof(x->text), "iscsi login%s %s s%s%s%s", st->ok ? "" : " refused",
				 secs(st->at_ms, t1), st->count > 1 ? " (again later)" : "",
				 !st->ok && why[0] ? ": " : "", !st->ok ? why : "");
		}
		n++;
	}
	for (int i = 0; b->reported && i < b->nphases; i++) {
		const struct report_phase *p = &b->phase[i];
		struct item *x = &it[n];
		char d[32];

		x->at_ms = b->kstart_ms + (int64_t)p->start_ms;
		x->order = 1000 + n;
		x->phase = true;
		if (p->dur_ms >= 0)
			snprintf(d, sizeof(d), "%s s", secs(p->dur_ms, t2));
		else
			snprintf(d, sizeof(d), "%s", b->state == ST_FAILED ? "failed" : "running");
		snprintf(x->text, sizeof(x->text), "%s %s s (%s)", p->name, secs(x->at_ms, t1), d);
		n++;
	}
	if (b->reported && b->event == REPORT_UP) {
		it[n].at_ms = b->kstart_ms + (int64_t)b->uptime_ms;
		it[n].order = 2000;
		it[n].phase = false;
		snprintf(it[n].text, sizeof(it[n].text), "real init %s s", secs(it[n].at_ms, t1));
		n++;
	}
	qsort(it, (size_t)n, sizeof(it[0]), by_time);
	return n;
}

static void print_wrapped(const struct item *it, int n)
{
	size_t col = 0;

	for (int i = 0; i < n; i++) {
		const char *pre = it[i].phase && (i == 0 || !it[i - 1].phase) ? "init: " : "";
		size_t l = strlen(pre) + strlen(it[i].text);

		if (col == 0) {
			printf("  %s%s", pre, it[i].text);
			col = 2 + l;
		} else if (col + 2 + l > WRAP) {
			printf(",\n  %s%s", pre, it[i].text);
			col = 2 + l;
		} else {
			printf(", %s%s", pre, it[i].text);
			col += 2 + l;
		}
	}
	if (col)
		printf("\n");
}

static void print_client(const struct st_client *c, struct st_time now)
{
	static struct item it[STATUS_MAX_STAGES + REPORT_MAX_PHASES + 1];
	const struct st_boot *b = &c->boot;
	char a[IN4_STRLEN], state[64], when[32], esc[REPORT_FAILED_LEN * 4], h[HOSTNAME_LEN * 4], k[REPORT_KERNEL_LEN * 4];
	int64_t silent;
	const char *s = status_state_name(c, now, &silent);
	in4_t addr = c->reserved ? c->reserved : c->addr;

	if (silent)
		snprintf(state, sizeof(state), "silent for %" PRId64 " min", silent / 60);
	else
		text_copy(state, sizeof(state), !strcmp(s, "failed") ? "FAILED" : s);
	printf("%-20s %-15s %s", text_escape(h, sizeof(h), c->name, strlen(c->name)), addr ? in4_str(addr, a) : "-", state);
	if (b->state == ST_NEVER) {
		printf("\n");
		return;
	}
	{
		time_t t = (time_t)(b->start.wall_ms / 1000);
		struct tm tm;

		localtime_r(&t, &tm);
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
		printf("  (boot at %s", when);
		if (b->reported && (b->host[0] || b->kernel[0]))
			printf("; %s%s%s%s", text_escape(h, sizeof(h), b->host, strlen(b->host)),
			       b->host[0] && b->kernel[0] ? ", " : "", b->kernel[0] ? "kernel " : "",
			       text_escape(k, sizeof(k), b->kernel, strlen(b->kernel)));
		if (b->reported && b->root[0] && strcmp(b->root, "none"))
			printf(", %s root", text_escape(k, sizeof(k), b->root, strlen(b->root)));
		printf(")\n");
	}
	print_wrapped(it, timeline(b, it));
	if (b->ndropped)
		printf("  (%" PRIu32 " more stages not kept)\n", b->ndropped);
	if (b->failed[0])
		printf("  FAILED: %s\n", text_escape(esc, sizeof(esc), b->failed, strlen(b->failed)));
}

static int print_text(struct status *st, const struct st_view *v, const char *dir)
{
	int counts[5] = { 0 };
	bool any = false;

	if (!v->daemon)
		printf("netrootd is not running (no live process in %s/%s): the data below is stale, as it was "
		       "when it stopped\n", dir, STATUS_PID_FILE);
	for (int i = 0; i < st->n; i++) {
		const struct st_client *c = &st->c[i];
		int64_t silent;

		if (v->only && strcmp(v->only, c->name))
			continue;
		status_state_name(c, v->now, &silent);
		counts[silent ? 4 : c->boot.state]++;       /* 4: silent */
		print_client(c, v->now);
		any = true;
	}
	if (!any) {
		printf("no boards in the configuration\n");
		return 0;
	}
	if (!v->only) {
		printf("%d board%s: %d up, %d booting, %d silent, %d failed, %d never seen\n", st->n, st->n == 1 ? "" : "s",
		       counts[ST_UP], counts[ST_BOOTING], counts[4], counts[ST_FAILED], counts[ST_NEVER]);
		if (st->nunknown || st->nwrong_addr || st->nrate || st->nmalformed)
			printf("reports dropped: %" PRIu64 " from unknown MACs, %" PRIu64 " from the wrong address, %" PRIu64
			       " rate-limited, %" PRIu64 " malformed\n", st->nunknown, st->nwrong_addr, st->nrate,
			       st->nmalformed);
	}
	return 0;
}

/* ---- the configuration ------------------------------------------------------------ */

/* The main file alone (the client files may be unreadable to this user:
 * CHAP secrets). 0 or -1 with the reason printed. */
static int main_conf_only(const char *path, struct nrd_conf *c)
{
	static char text[NRD_CONF_MAX + 1];
	struct conf_error err;
	FILE *f = fopen(path, "re");
	size_t n;

	if (!f) {
		fprintf(stderr, "netrootd status: cannot open %s: %s\n", path, strerror(errno));
		return -1;
	}
	n = fread(text, 1, NRD_CONF_MAX, f);
	fclose(f);
	nrd_conf_defaults(c);
	if (nrd_conf_parse(c, path, text, n, &err) < 0) {
		fprintf(stderr, "netrootd status: %s%s%.0d: %s\n", err.file, err.line ? ":" : "", err.line, err.msg);
		return -1;
	}
	return 0;
}

int status_run(const char *conf, bool json, const char *only)
{
	static struct nrd_conf c;
	static struct status st;
	struct nrd_client *cl = NULL;
	struct conf_error err;
	struct st_view v;
	bool add = false;
	int n = 0, r;

	if (nrd_load(conf, &c, &cl, &n, &err) < 0) {
		fprintf(stderr, "netrootd status: %s%s%.0d: %s; showing the boards netrootd last wrote down\n", err.file,
			err.line ? ":" : "", err.line, err.msg);
		if (main_conf_only(conf, &c) < 0)
			return 1;
		add = true;
	}
	if (status_init(&st) < 0 || status_set_clients(&st, cl, n) < 0) {
		fprintf(stderr, "netrootd status: out of memory\n");
		return 1;
	}
	free(cl);
	r = status_load(&st, c.state_dir, add);
	if (r < 0 && r != -ENOENT)
		fprintf(stderr, "netrootd status: cannot read %s/%s: %s\n", c.state_dir, STATUS_FILE,
			r == -EBADMSG ? "not a status file" : strerror(-r));
	v.now.wall_ms = now_ms(CLOCK_REALTIME);
	v.now.mono_ms = now_ms(CLOCK_MONOTONIC);
	v.pid = status_daemon_pid(c.state_dir);
	v.daemon = v.pid > 0;
	v.only = only;
	if (only) {
		bool found = false;

		for (int i = 0; i < st.n; i++)
			found |= !strcmp(st.c[i].name, only);
		if (!found) {
			fprintf(stderr, "netrootd status: no board named %s in %s\n", only, c.clients_dir);
			return 1;
		}
	}
	if (json)
		r = status_write_json(&st, stdout, &v);
	else
		r = print_text(&st, &v, c.state_dir);
	status_free(&st);
	return r < 0 || fflush(stdout) != 0 ? 1 : 0;
}

int status_main(int argc, char **argv)
{
	return status_run_args(DEFAULT_CONF, argc, argv);
}

int status_run_args(const char *conf, int argc, char **argv)
{
	const char *only = NULL;
	bool json = false;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-c") && i + 1 < argc)
			conf = argv[++i];
		else if (!strcmp(argv[i], "--json"))
			json = true;
		else if (argv[i][0] != '-' && !only)
			only = argv[i];
		else
			return usage();
	}
	return status_run(conf, json, only);
}

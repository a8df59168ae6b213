/* The fleet table (server/status.c) over canned events and times, and its
 * JSON (server/status_json.c, server/json.c) written and read back. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "dhcp_msg.h"
#include "json.h"
#include "status.h"

static const uint8_t MAC_A[6] = { 0x52, 0x54, 0x00, 0x77, 0x00, 0x02 };
static const uint8_t MAC_B[6] = { 0xdc, 0xa6, 0x32, 0x01, 0x02, 0x03 };
static const uint8_t MAC_X[6] = { 0x02, 0, 0, 0, 0, 9 };

static in4_t ip(const char *s)
{
	return inet_addr(s);
}

static struct st_time at(int64_t ms)
{
	struct st_time t = { 1700000000000 + ms, 5000000 + ms };

	return t;
}

static void boards(struct nrd_client cl[3])
{
	memset(cl, 0, 3 * sizeof(cl[0]));
	strcpy(cl[0].name, "alpha");
	memcpy(cl[0].mac, MAC_A, 6);
	cl[0].has_mac = true;
	cl[0].address = ip("10.77.0.42");
	strcpy(cl[1].name, "beta");
	cl[1].serial = 0xab12cd34;
	cl[1].has_serial = true;
	strcpy(cl[2].name, "gamma");
	memcpy(cl[2].mac, "\x02\x00\x00\x00\x00\x03", 6);
	cl[2].has_mac = true;
}

static struct report rep(const uint8_t mac[6], uint32_t seq, enum report_event ev, uint64_t uptime)
{
	struct report r;

	memset(&r, 0, sizeof(r));
	memcpy(r.mac, mac, 6);
	r.seq = seq;
	r.event = ev;
	r.uptime_ms = uptime;
	strcpy(r.boot, "00000000000000aa");
	strcpy(r.host, "alpha");
	strcpy(r.root, "nfs");
	strcpy(r.phase[0].name, "early");
	r.phase[0].start_ms = 1000;
	r.phase[0].dur_ms = 50;
	strcpy(r.phase[1].name, "address");
	r.phase[1].start_ms = 2000;
	r.phase[1].dur_ms = ev == REPORT_PHASE ? 500 : -1;
	r.nphases = 2;
	if (ev == REPORT_FAILED)
		strcpy(r.failed, "mount 10.77.0.1:/srv/alpha on /root failed: No such file or directory");
	return r;
}

static struct st_client *get(struct status *s, const char *name)
{
	for (int i = 0; i < s->n; i++)
		if (!strcmp(s->c[i].name, name))
			return &s->c[i];
	return NULL;
}

static void dhcp_and_tftp(struct status *s)
{
	struct st_client *a = get(s, "alpha"), *b = get(s, "beta");
	uint32_t serial = 0xab12cd34;

	CHECK(a && a->boot.state == ST_NEVER, "alpha: never seen at first");
	status_dhcp(s, MAC_A, NULL, true, DHCPDISCOVER, 0, at(0));
	status_dhcp(s, MAC_A, NULL, true, DHCPOFFER, ip("10.77.0.42"), at(2));
	status_dhcp(s, MAC_A, NULL, true, DHCPDISCOVER, 0, at(1000));
	CHECK(a->boot.state == ST_BOOTING && a->boot.nstages == 3, "a firmware DISCOVER starts a boot; OFFER, DISCOVER");
	status_dhcp(s, MAC_A, NULL, true, DHCPOFFER, ip("10.77.0.42"), at(1002));
	status_dhcp(s, MAC_A, NULL, true, DHCPOFFER, ip("10.77.0.42"), at(1003));
	CHECK(a->boot.nstages == 4 && a->boot.stage[3].count == 2, "the same OFFER again: counted, not a new stage");
	status_dhcp(s, MAC_A, NULL, true, DHCPREQUEST, 0, at(1010));
	status_dhcp(s, MAC_A, NULL, true, DHCPACK, ip("10.77.0.42"), at(1011));
	CHECK(a->boot.nstages == 6 && a->addr == ip("10.77.0.42"), "REQUEST, ACK: its address noted");
	CHECK(a->boot.stage[5].at_ms == 1011 && !strcmp(a->boot.stage[5].name, "ACK"), "ACK at 1.011 s from the first packet");

	status_tftp(s, ip("10.77.0.42"), "ab12cd34/start4.elf", 2300000, 400, true, at(1800));
	CHECK(a->boot.nstages == 7 && a->boot.stage[6].kind == STK_TFTP && a->boot.stage[6].at_ms == 1400 &&
	      a->boot.stage[6].dur_ms == 400 && a->boot.stage[6].bytes == 2300000,
	      "a TFTP file by the board's address: started 1.4 s in, 0.4 s long");
	status_tftp(s, ip("10.77.0.99"), "nobody.bin", 1, 1, true, at(1900));
	CHECK(a->boot.nstages == 7, "a TFTP file of an address no board has: not recorded");

	/* a board known by serial: its MAC learned from its DHCP */
	CHECK(!b->has_mac, "beta: no MAC configured");
	CHECK(status_wants(s, MAC_X) && status_wants(s, MAC_A), "a board known by serial only: every request is looked at");
	status_dhcp(s, MAC_B, &serial, true, DHCPDISCOVER, 0, at(100));
	CHECK(b->has_mac && !memcmp(b->mac, MAC_B, 6) && b->boot.state == ST_BOOTING,
	      "beta: found by its serial, its MAC learned");
	status_dhcp(s, MAC_B, NULL, false, DHCPREQUEST, 0, at(200));
	CHECK(b->boot.nstages == 2, "beta: found by the learned MAC from then on");
	CHECK(!status_wants(s, MAC_X) && status_wants(s, MAC_B), "every board's MAC known: only theirs are looked at");

	status_dhcp(s, MAC_X, NULL, true, DHCPDISCOVER, 0, at(300));
	CHECK(get(s, "gamma")->boot.state == ST_NEVER, "an unknown MAC changes nobody");

	status_iscsi(s, "alpha", ip("10.77.0.42"), false, "CHAP: the response does not match", at(9000));
	status_iscsi(s, "alpha", ip("10.77.0.42"), true, "", at(9800));
	status_iscsi(s, "alpha", ip("10.77.0.42"), true, "", at(30000));
	CHECK(a->boot.nstages == 9 && !a->boot.stage[7].ok && a->boot.stage[8].ok && a->boot.stage[8].count == 2 &&
	      !strcmp(a->boot.iscsi_why, "CHAP: the response does not match"),
	      "iSCSI: a refused login with its reason, then one that worked (twice: a reconnect)");
}

static void reports(struct status *s)
{
	struct st_client *a = get(s, "alpha");
	struct report r;
	char name[NRD_NAME_LEN];
	enum st_verdict v;

	r = rep(MAC_X, 1, REPORT_PHASE, 2600);
	CHECK_INT(status_report(s, &r, ip("10.77.0.42"), 0, at(3000), name), ST_UNKNOWN_MAC, "an unknown MAC: dropped");
	r = rep(MAC_A, 1, REPORT_PHASE, 2600);
	CHECK_INT(status_report(s, &r, ip("10.77.0.43"), 0, at(3000), name), ST_WRONG_ADDR,
		  "alpha's MAC from another address: dropped");
	CHECK_STR(name, "alpha", "the board it claimed to be is named");
	CHECK(!a->boot.reported, "and nothing of it recorded");
	CHECK_INT(status_report(s, &r, ip("10.77.0.77"), ip("10.77.0.77"), at(3000), name), ST_ACCEPTED,
		  "from the lease table's address for its MAC: accepted");
	CHECK(a->boot.reported && a->boot.nphases == 2 && a->boot.kstart_ms == 3000 - 2600,
	      "its phases; its kernel started 0.4 s after the first packet");
	CHECK(a->boot.nstages == 9, "the same boot as the DHCP and TFTP stages");
	r = rep(MAC_A, 2, REPORT_PHASE, 2700);
	CHECK_INT(status_report(s, &r, ip("10.77.0.42"), 0, at(3100), name), ST_ACCEPTED, "from its reserved address: accepted");
	r.seq = 1;
	CHECK_INT(status_report(s, &r, ip("10.77.0.42"), 0, at(3200), name), ST_STALE, "an older seq of the same boot: stale");
	r = rep(MAC_A, 3, REPORT_FAILED, 12000);
	CHECK_INT(status_report(s, &r, ip("10.77.0.42"), 0, at(12400), name), ST_ACCEPTED, "a FAILED report");
	CHECK(a->boot.state == ST_FAILED && strstr(a->boot.failed, "No such file"), "state FAILED, with its text");

	/* the rate limit: STATUS_REPORT_BURST at once, then one per refill */
	{
		int ok = 0, limited = 0;

		for (int i = 0; i < STATUS_REPORT_BURST + 5; i++) {
			r = rep(MAC_A, 10 + (uint32_t)i, REPORT_FAILED, 12000);
			v = status_report(s, &r, ip("10.77.0.42"), 0, at(12500), name);
			ok += v == ST_ACCEPTED;
			limited += v == ST_RATE_LIMITED;
		}
		CHECK(limited > 0 && ok <= STATUS_REPORT_BURST, "a burst beyond the limit: %d taken, %d dropped", ok,
		      limited);
		r = rep(MAC_A, 100, REPORT_FAILED, 12000);
		CHECK_INT(status_report(s, &r, ip("10.77.0.42"), 0, at(12500 + STATUS_REPORT_REFILL_MS), name), ST_ACCEPTED,
			  "one more after the refill time");
	}

	/* a new boot: a DISCOVER after the failed one, with no firmware class */
	status_dhcp(s, MAC_A, NULL, false, DHCPDISCOVER, 0, at(100000));
	CHECK(a->boot.state == ST_BOOTING && a->boot.nstages == 1 && !a->boot.reported,
	      "a DISCOVER after a finished boot starts a new record");
	r = rep(MAC_A, 1, REPORT_UP, 9000);
	strcpy(r.boot, "00000000000000bb");
	CHECK_INT(status_report(s, &r, ip("10.77.0.42"), 0, at(109000), name), ST_ACCEPTED, "the new boot's report");
	CHECK(a->boot.state == ST_UP && a->boot.nstages == 1, "up, in the same record as its DISCOVER");
	status_dhcp(s, MAC_A, NULL, false, DHCPREQUEST, 0, at(200000));
	CHECK(a->boot.nstages == 1, "a renewal of the running system: not a stage");
	r = rep(MAC_A, 1, REPORT_PHASE, 1500);
	strcpy(r.boot, "00000000000000cc");
	CHECK_INT(status_report(s, &r, ip("10.77.0.42"), 0, at(300000), name), ST_ACCEPTED,
		  "another boot id with no DHCP (a static board rebooted)");
	CHECK(a->boot.state == ST_BOOTING && a->boot.nstages == 0 && a->boot.start.mono_ms == at(300000).mono_ms - 500,
	      "a new record, starting with its first phase");

	CHECK(status_tell(s, ip("10.0.0.9"), 1000), "a dropped sender: logged the first time");
	CHECK(!status_tell(s, ip("10.0.0.9"), 1030), "not again within the minute");
	CHECK(status_tell(s, ip("10.0.0.9"), 1060), "again a minute later");
}

static void states(struct status *s)
{
	struct st_client *a = get(s, "alpha"), *g = get(s, "gamma");
	int64_t silent;

	CHECK_STR(status_state_name(g, at(0), &silent), "never seen", "gamma: never seen");
	CHECK_STR(status_state_name(a, at(300000 + 1000), &silent), "booting", "alpha: booting");
	CHECK_STR(status_state_name(a, at(300000 + STATUS_SILENT_S * 1000 + 60000), &silent), "silent",
		  "alpha: silent after %d s without news", STATUS_SILENT_S);
	CHECK_INT(silent, STATUS_SILENT_S + 60, "for that long");
}

static char *to_json(struct status *s, int64_t ms)
{
	struct st_view v = { at(ms), -1, 0, NULL };
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	status_write_json(s, f, &v);
	fclose(f);
	return text;
}

static void json_round_trip(struct status *s, const struct nrd_client *cl)
{
	static struct status back;
	char *one = to_json(s, 400000), *two;
	struct json j;

	CHECK_INT(json_parse(&j, one, strlen(one)), 0, "status.json is JSON");
	CHECK(json_get(&j, 0, "clients") > 0 && j.t[json_get(&j, 0, "clients")].size == 3, "with the three boards");
	json_free(&j);
	status_init(&back);
	status_set_clients(&back, cl, 3);
	CHECK_INT(status_read_json(&back, one, strlen(one), false), 0, "read back");
	two = to_json(&back, 400000);
	CHECK_STR(two, one, "written again: the same text");
	free(two);
	status_free(&back);

	/* a table without the boards (the client files unreadable) */
	status_init(&back);
	CHECK_INT(status_read_json(&back, one, strlen(one), true), 0, "read back, boards added by name");
	CHECK(back.n == 3 && !strcmp(back.c[0].name, "alpha") && back.c[0].reserved == ip("10.77.0.42") &&
	      back.c[0].boot.state == ST_BOOTING, "alpha added with its address and boot");
	status_free(&back);
	free(one);

	status_init(&back);
	CHECK_INT(status_read_json(&back, "{\"version\": 2, \"clients\": []}", 30, true), -EBADMSG, "version 2: refused");
	CHECK_INT(status_read_json(&back, "[1,2", 4, true), -EBADMSG, "not JSON: refused");
	status_free(&back);
}

static void json_reader(void)
{
	static const char *const bad[] = {
		"", "{", "{\"a\" 1}", "{\"a\": }", "[1,]", "\"abc", "\"a\\qb\"", "\"a\\u12\"", "tru", "nul", "{} x",
		"\"tab\there\"", "[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]",
	};
	const char *nested;
	struct json j;
	char out[32];
	int64_t v;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK_INT(json_parse(&j, bad[i], strlen(bad[i])), -EBADMSG, "JSON refused: %s", bad[i]);
	nested = " {\"a\": [1, -2, {\"b\": \"x\\\"y\\u0041\"}], \"c\": true, \"d\": null} ";
	CHECK_INT(json_parse(&j, nested, strlen(nested)), 0,
		  "JSON: nested values");
	CHECK(json_int(&j, json_at(&j, json_get(&j, 0, "a"), 1), &v) == 0 && v == -2, "a[1] = -2");
	CHECK(json_str(&j, json_get(&j, json_at(&j, json_get(&j, 0, "a"), 2), "b"), out, sizeof(out)) == 0 &&
	      !strcmp(out, "x\"yA"), "a[2].b unescaped");
	CHECK(json_true(&j, json_get(&j, 0, "c")) && !json_true(&j, json_get(&j, 0, "d")), "true and null");
	CHECK(json_get(&j, 0, "zz") == -1 && json_at(&j, json_get(&j, 0, "a"), 3) == -1, "missing key and index: -1");
	json_free(&j);
}

int main(void)
{
	static struct status s;
	struct nrd_client cl[3];

	boards(cl);
	CHECK_INT(status_init(&s), 0, "init");
	CHECK_INT(status_set_clients(&s, cl, 3), 0, "three boards");
	dhcp_and_tftp(&s);
	reports(&s);
	states(&s);
	json_round_trip(&s, cl);
	/* a reload keeps the records by name */
	strcpy(cl[2].name, "delta");
	status_set_clients(&s, cl, 3);
	CHECK(get(&s, "alpha")->boot.state == ST_BOOTING && get(&s, "delta")->boot.state == ST_NEVER && !get(&s, "gamma"),
	      "reload: alpha keeps its boot, delta is new, gamma gone");
	status_free(&s);
	json_reader();
	return check_done();
}

/* The fleet report datagram (lib/report.c): round trips, every malformed
 * form refused, the secrets masked, and netroot.report= on the command
 * line. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "cmdline.h"
#include "report.h"

static struct report sample(void)
{
	struct report r;

	memset(&r, 0, sizeof(r));
	memcpy(r.mac, "\x52\x54\x00\x77\x00\x02", 6);
	r.seq = 3;
	r.event = REPORT_PHASE;
	r.uptime_ms = 12873;
	strcpy(r.boot, "5f0c2a7e91d34b08");
	strcpy(r.host, "rpi4-1");
	strcpy(r.kernel, "6.1.0-rpi7-rpi-v8");
	strcpy(r.root, "iscsi");
	strcpy(r.phase[0].name, "early");
	r.phase[0].start_ms = 412;
	r.phase[0].dur_ms = 38;
	strcpy(r.phase[1].name, "modules");
	r.phase[1].start_ms = 450;
	r.phase[1].dur_ms = 300;
	strcpy(r.phase[2].name, "mount");
	r.phase[2].start_ms = 11000;
	r.phase[2].dur_ms = -1;
	r.nphases = 3;
	return r;
}

static const char *const good =
	"netroot-report 1\n"
	"mac 52:54:00:77:00:02\n"
	"seq 3\n"
	"event phase\n"
	"uptime 12873\n"
	"boot 5f0c2a7e91d34b08\n"
	"host rpi4-1\n"
	"kernel 6.1.0-rpi7-rpi-v8\n"
	"root iscsi\n"
	"phase early 412 38\n"
	"phase modules 450 300\n"
	"phase mount 11000 -\n";

static int parse_str(const char *s, struct report *r)
{
	return report_parse((const uint8_t *)s, strlen(s), r);
}

static void round_trip(void)
{
	struct report r = sample(), back;
	uint8_t buf[REPORT_MAX_LEN];
	int n = report_build(&r, buf, sizeof(buf));

	CHECK(n > 0, "build: %d bytes", n);
	CHECK(n == (int)strlen(good) && !memcmp(buf, good, (size_t)n), "build: the documented text, byte for byte");
	CHECK_INT(report_parse(buf, (size_t)n, &back), 0, "parse what was built");
	CHECK(!memcmp(back.mac, r.mac, 6) && back.seq == 3 && back.event == REPORT_PHASE && back.uptime_ms == 12873,
	      "round trip: mac, seq, event, uptime");
	CHECK_STR(back.boot, r.boot, "round trip: boot");
	CHECK_STR(back.host, "rpi4-1", "round trip: host");
	CHECK_STR(back.kernel, r.kernel, "round trip: kernel");
	CHECK_STR(back.root, "iscsi", "round trip: root");
	CHECK(back.nphases == 3 && !strcmp(back.phase[1].name, "modules") && back.phase[1].start_ms == 450 &&
	      back.phase[1].dur_ms == 300 && back.phase[2].dur_ms == -1, "round trip: phases, the running one '-'");

	r.event = REPORT_FAILED;
	strcpy(r.failed, "mount 10.77.0.1:/x on /root failed: No such file or directory");
	n = report_build(&r, buf, sizeof(buf));
	CHECK(n > 0 && report_parse(buf, (size_t)n, &back) == 0 && back.event == REPORT_FAILED &&
	      !strcmp(back.failed, r.failed), "round trip: a failed report keeps its text, blanks and all");

	memset(&r, 0, sizeof(r));
	r.event = REPORT_UP;
	n = report_build(&r, buf, sizeof(buf));
	CHECK(n > 0 && report_parse(buf, (size_t)n, &back) == 0 && back.event == REPORT_UP && !back.host[0] &&
	      !back.nphases && !back.boot[0], "round trip: only the required keys");

	/* the largest report still fits REPORT_MAX_LEN */
	r = sample();
	r.event = REPORT_FAILED;
	memset(r.failed, 'x', sizeof(r.failed) - 1);
	memset(r.host, 'h', sizeof(r.host) - 1);
	memset(r.kernel, 'k', sizeof(r.kernel) - 1);
	r.nphases = 10;
	for (int i = 0; i < 10; i++) {
		snprintf(r.phase[i].name, sizeof(r.phase[i].name), "phase_%u", (unsigned)i % 10);
		r.phase[i].start_ms = 1000000 + (uint64_t)i;
		r.phase[i].dur_ms = 99999;
	}
	n = report_build(&r, buf, sizeof(buf));
	CHECK(n > 0 && n <= REPORT_MAX_LEN, "longest texts and 10 phases fit: %d bytes", n);
	r.nphases = REPORT_MAX_PHASES;
	for (int i = 0; i < REPORT_MAX_PHASES; i++) {
		r.phase[i] = r.phase[i % 10];
		r.phase[i].start_ms = REPORT_MAX_MS;
	}
	CHECK_INT(report_build(&r, buf, sizeof(buf)), -ENOSPC, "16 phases of long numbers with the longest texts: -ENOSPC");
	CHECK_INT(report_build(&r, buf, 40), -ENOSPC, "a small buffer: -ENOSPC");
}

static void builder_refuses(void)
{
	struct report r;
	uint8_t buf[REPORT_MAX_LEN];

	r = sample(); strcpy(r.host, "bad host");
	CHECK_INT(report_build(&r, buf, sizeof(buf)), -EINVAL, "build: a blank in the host name");
	r = sample(); strcpy(r.phase[0].name, "Early");
	CHECK_INT(report_build(&r, buf, sizeof(buf)), -EINVAL, "build: an uppercase phase name");
	r = sample(); r.event = REPORT_FAILED;
	CHECK_INT(report_build(&r, buf, sizeof(buf)), -EINVAL, "build: failed without a text");
	r = sample(); strcpy(r.failed, "x");
	CHECK_INT(report_build(&r, buf, sizeof(buf)), -EINVAL, "build: a text without failed");
	r = sample(); r.event = REPORT_FAILED; strcpy(r.failed, "line\nbreak");
	CHECK_INT(report_build(&r, buf, sizeof(buf)), -EINVAL, "build: a newline in the text");
	r = sample(); strcpy(r.boot, "XYZ");
	CHECK_INT(report_build(&r, buf, sizeof(buf)), -EINVAL, "build: a boot id that is not 16 hex digits");
	r = sample(); r.event = 0;
	CHECK_INT(report_build(&r, buf, sizeof(buf)), -EINVAL, "build: no event");
}

/* good with one line replaced (or a line added: what == NULL) */
static int variant(const char *key, const char *line)
{
	char text[2048] = "";
	struct report r;
	const char *p = good;
	bool replaced = false;

	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t l = (size_t)(nl - p) + 1;

		if (key && !replaced && !strncmp(p, key, strlen(key)) && p[strlen(key)] == ' ') {
			if (line)
				strcat(text, line);
			replaced = true;
		} else {
			strncat(text, p, l);
		}
		p += l;
	}
	if (!replaced && line)
		strcat(text, line);
	return parse_str(text, &r);
}

static void malformed(void)
{
	static const struct { const char *key, *line, *what; } bad[] = {
		{ "netroot-report", "netroot-report\n", "a version missing" },
		{ "netroot-report", "netroot-reporter 1\n", "another magic" },
		{ "netroot-report", "netroot-report 01\n", "a version with a leading zero" },
		{ "mac", NULL, "no mac" },
		{ "seq", NULL, "no seq" },
		{ "event", NULL, "no event" },
		{ "uptime", NULL, "no uptime" },
		{ "mac", "mac 52:54:00:77:00\n", "a short MAC" },
		{ "mac", "mac 52:54:00:77:00:0G\n", "a MAC with a non-hex digit" },
		{ "mac", "mac 52-54-00-77-00-02\n", "a MAC with dashes" },
		{ "mac", "mac 52:54:00:77:00:0A\n", "a MAC in uppercase" },
		{ "mac", "mac 52:54:00:77:00:02 \n", "a MAC with a trailing blank" },
		{ "seq", "seq -1\n", "a negative seq" },
		{ "seq", "seq 4294967296\n", "a seq beyond 32 bits" },
		{ "seq", "seq 1x\n", "a seq with a letter" },
		{ "seq", "seq \n", "an empty seq" },
		{ "uptime", "uptime 1000000000000000\n", "an uptime of 16 digits" },
		{ "uptime", "uptime 007\n", "an uptime with leading zeros" },
		{ "event", "event crashed\n", "an unknown event" },
		{ "event", "event failed\n", "event failed without a failed line" },
		{ "boot", "boot 5f0c2a7e91d34b0\n", "a boot id of 15 digits" },
		{ "boot", "boot 5F0C2A7E91D34B08\n", "a boot id in uppercase" },
		{ "host", "host rpi 4\n", "a blank in the host name" },
		{ "host", "host \n", "an empty host name" },
		{ "kernel", "kernel 6.1 x\n", "a blank in the kernel release" },
		{ "root", "root ISCSI\n", "an uppercase root kind" },
		{ "root", "root averyveryverylongword\n", "a root kind of 20 letters" },
		{ "phase", "phase early 412\n", "a phase without its duration" },
		{ "phase", "phase early 412 38 9\n", "a phase with a fourth field" },
		{ "phase", "phase early x 38\n", "a phase with a start that is no number" },
		{ "phase", "phase  412 38\n", "a phase without a name" },
		{ "phase", "phase early 412 -5\n", "a negative duration" },
		{ "phase", "phase early_early_early 1 1\n", "a phase name of 17 characters" },
		{ "mac", "mac 52:54:00:77:00:02\nmac 52:54:00:77:00:03\n", "mac twice" },
		{ "seq", "seq 3\nseq 4\n", "seq twice" },
		{ "host", "host a\nhost b\n", "host twice" },
		{ NULL, "failed disk gone\n", "a failed line with event phase" },
		{ NULL, "\n", "an empty line" },
		{ NULL, " seq 4\n", "a line starting with a blank" },
		{ NULL, "tag with\ttab\n", "a tab" },
		{ NULL, "tag \x80\n", "a byte above 0x7e" },
		{ NULL, "tag \x01\n", "a control byte" },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int r = variant(bad[i].key, bad[i].line);

		CHECK_INT(r, -EBADMSG, "malformed: %s", bad[i].what);
	}
	{
		char text[4096];
		struct report r;

		CHECK_INT(parse_str("netroot-report 2\nmac 52:54:00:77:00:02\n", &r), -EPROTONOSUPPORT,
			  "version 2: -EPROTONOSUPPORT");
		CHECK_INT(parse_str("", &r), -EBADMSG, "empty: refused");
		snprintf(text, sizeof(text), "%.*s", (int)strlen(good) - 1, good);
		CHECK_INT(parse_str(text, &r), -EBADMSG, "the last line without its newline");
		snprintf(text, sizeof(text), "%sx", good);
		CHECK_INT(parse_str(text, &r), -EBADMSG, "bytes after the last newline");
		CHECK_INT(report_parse((const uint8_t *)"netroot-report 1\0\n", 18, &r), -EBADMSG, "a NUL byte");
		strcpy(text, good);
		for (int i = 0; i < REPORT_MAX_PHASES - 3; i++)
			strcat(text, "phase x 1 1\n");
		CHECK_INT(parse_str(text, &r), 0, "16 phases: taken");
		strcat(text, "phase x 1 1\n");
		CHECK_INT(parse_str(text, &r), -EBADMSG, "17 phases: refused");
		strcpy(text, good);
		while (strlen(text) <= REPORT_MAX_LEN)
			strcat(text, "pad xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n");
		CHECK_INT(parse_str(text, &r), -EBADMSG, "longer than %d bytes: refused", REPORT_MAX_LEN);
		CHECK_INT(variant(NULL, "future-key some value\n"), 0, "an unknown key: skipped");
		CHECK_INT(variant(NULL, "x\n"), 0, "an unknown key without a value: skipped");
	}
}

static void secrets(void)
{
	char t[REPORT_FAILED_LEN];

	strcpy(t, "CHAP login as alice with s3cretpassw0rd refused by s3cretpassw0rd");
	CHECK_INT(report_redact(t, sizeof(t), "s3cretpassw0rd"), 2, "two occurrences masked");
	CHECK_STR(t, "CHAP login as alice with ******** refused by ********", "the text keeps the rest");
	CHECK_INT(report_redact(t, sizeof(t), "alice"), 1, "the name masked");
	CHECK_STR(t, "CHAP login as ******** with ******** refused by ********", "nothing of either left");
	CHECK_INT(report_redact(t, sizeof(t), ""), 0, "an empty secret: nothing");
	strcpy(t, "pw=ab");
	CHECK_INT(report_redact(t, 10, "ab"), 1, "masked where the mask does not fit: cut");
	CHECK(strstr(t, "ab") == NULL && strlen(t) < 10, "cut text holds no secret (%s)", t);
	report_clean_text(t, sizeof(t), "tab\there\x80" "end");
	CHECK_STR(t, "tab?here?end", "clean text: bytes outside printable ASCII become ?");
	report_clean_text(t, 5, "abcdefgh");
	CHECK_STR(t, "abcd", "clean text: cut to fit");
}

static void cmdline_option(void)
{
	static struct boot_config cfg;
	const char *l;

	l = "ip=dhcp";
	cmdline_parse(l, strlen(l), &cfg);
	CHECK(!cfg.nr.report_off && !cfg.nr.report_addr && !cfg.nr.report_port, "netroot.report: on by default");
	l = "netroot.report=off";
	cmdline_parse(l, strlen(l), &cfg);
	CHECK(cfg.nr.report_off && cfg.ndiag == 0, "netroot.report=off");
	l = "netroot.report=10.77.0.9";
	cmdline_parse(l, strlen(l), &cfg);
	CHECK(!cfg.nr.report_off && cfg.nr.report_addr == htonl(0x0a4d0009) && !cfg.nr.report_port,
	      "netroot.report=IP");
	l = "netroot.report=10.77.0.9:5000";
	cmdline_parse(l, strlen(l), &cfg);
	CHECK(cfg.nr.report_addr == htonl(0x0a4d0009) && cfg.nr.report_port == 5000, "netroot.report=IP:PORT");
	l = "netroot.report=off netroot.report=on";
	cmdline_parse(l, strlen(l), &cfg);
	CHECK(!cfg.nr.report_off && !cfg.nr.report_addr, "netroot.report=on after off: on");
	l = "netroot.report=server.example";
	cmdline_parse(l, strlen(l), &cfg);
	CHECK(cfg.ndiag == 1 && cfg.diag[0].level == DIAG_ERROR && !cfg.nr.report_addr,
	      "netroot.report=NAME: an error (no DNS), ignored");
	l = "netroot.report=10.77.0.9:0";
	cmdline_parse(l, strlen(l), &cfg);
	CHECK(cfg.ndiag == 1 && !cfg.nr.report_addr, "netroot.report=IP:0: an error");
	l = "netroot.report";
	cmdline_parse(l, strlen(l), &cfg);
	CHECK(cfg.ndiag == 1, "netroot.report without a value: an error");
}

int main(void)
{
	round_trip();
	builder_refuses();
	malformed();
	secrets();
	cmdline_option();
	return check_done();
}

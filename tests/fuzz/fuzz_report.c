/* libFuzzer target for the fleet report (lib/report.c) and what netrootd
 * does with one (server/status.c, status_json.c): any bytes as a datagram.
 * A report that parses must build back to bytes that parse to the same
 * report; the table takes it from its board's address, and the table's
 * JSON must read back to the same JSON. A violation aborts. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "status.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void need(int cond)
{
	if (!cond)
		abort();
}

static char *to_json(struct status *s)
{
	struct st_view v = { { 1700000000000, 1000000 }, -1, 0, NULL };
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	need(f != NULL);
	need(status_write_json(s, f, &v) == 0);
	fclose(f);
	return text;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct report r, back;
	static struct status s, s2;
	static struct nrd_client board;
	uint8_t buf[REPORT_MAX_LEN];
	char name[NRD_NAME_LEN], *one, *two;
	struct st_time now = { 1700000000000, 1000000 };
	int n;

	if (report_parse(data, size, &r) < 0)
		return 0;
	need(size <= REPORT_MAX_LEN);
	need(r.event >= REPORT_PHASE && r.event <= REPORT_UP && r.nphases >= 0 && r.nphases <= REPORT_MAX_PHASES);
	need((r.event == REPORT_FAILED) == (r.failed[0] != 0));
	n = report_build(&r, buf, sizeof(buf));
	need(n > 0 && (size_t)n <= size);      /* canonical: never longer than what parsed (unknown keys dropped) */
	need(report_parse(buf, (size_t)n, &back) == 0);
	need(!memcmp(&r, &back, sizeof(r)));

	/* the table, with one board of that MAC at 10.0.0.1 */
	memset(&board, 0, sizeof(board));
	strcpy(board.name, "fuzz");
	memcpy(board.mac, r.mac, 6);
	board.has_mac = true;
	board.address = 0x0100000a;
	need(status_init(&s) == 0 && status_set_clients(&s, &board, 1) == 0);
	need(status_report(&s, &r, 0x0200000a, 0, now, name) == ST_WRONG_ADDR);
	need(status_report(&s, &r, 0x0100000a, 0, now, name) == ST_ACCEPTED);
	one = to_json(&s);
	need(status_init(&s2) == 0 && status_set_clients(&s2, &board, 1) == 0);
	need(status_read_json(&s2, one, strlen(one), false) == 0);
	two = to_json(&s2);
	need(!strcmp(one, two));
	free(one);
	free(two);
	status_free(&s);
	status_free(&s2);
	return 0;
}

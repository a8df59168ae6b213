#include "init.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "text.h"

struct failure failure;

int fail(int err, const char *check, const char *what_fmt, ...)
{
	va_list ap;

	va_start(ap, what_fmt);
	vsnprintf(failure.what, sizeof(failure.what), what_fmt, ap);
	va_end(ap);
	text_copy(failure.check, sizeof(failure.check), check ? check : "");
	return err < 0 ? err : -err;
}

/* Phases: name and duration, for the summary line the lab and users read. */
#define MAX_PHASES 12
static struct { const char *name; double start, secs; } phases[MAX_PHASES];
static int nphases;

void phase_begin(const char *name)
{
	if (nphases >= MAX_PHASES)
		return;
	phases[nphases].name = name;
	phases[nphases].start = log_uptime();
	phases[nphases].secs = -1;
	nphases++;
}

void phase_reset(void)
{
	nphases = 0;
}

void (*phase_end_hook)(void);

void phase_end(void)
{
	if (nphases > 0 && phases[nphases - 1].secs < 0) {
		phases[nphases - 1].secs = log_uptime() - phases[nphases - 1].start;
		log_info("%s: done in %.3f s", phases[nphases - 1].name, phases[nphases - 1].secs);
		if (phase_end_hook)
			phase_end_hook();
	}
}

int phase_times(const char **names, double *start, double *secs, int max)
{
	int i;

	for (i = 0; i < nphases && i < max; i++) {
		names[i] = phases[i].name;
		start[i] = phases[i].start;
		secs[i] = phases[i].secs;
	}
	return i;
}

void phase_summary(void)
{
	char line[512];
	size_t o = 0;
	int i;

	for (i = 0; i < nphases && o < sizeof(line); i++) {
		int r = snprintf(line + o, sizeof(line) - o, " %s=%.3f", phases[i].name,
				 phases[i].secs < 0 ? 0.0 : phases[i].secs);
		if (r < 0)
			break;
		o += (size_t)r;
	}
	line[sizeof(line) - 1] = '\0';
	log_info("timings (s):%s; since kernel start %.3f", line, log_uptime());
}

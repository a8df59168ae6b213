/* Small helpers the init steps share: sleeping through signals (files and
 * whole buffers: lib/fileio.c). */
#include "init.h"

#include <errno.h>
#include <time.h>
#include <unistd.h>

void sleep_s(double s)
{
	struct timespec ts;

	if (s <= 0)
		return;
	ts.tv_sec = (time_t)s;
	ts.tv_nsec = (long)((s - (double)ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

void sleep_ms(int ms)
{
	sleep_s(ms / 1000.0);
}

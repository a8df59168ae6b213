#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int log_sinks = LOG_TO_STDERR;
/* log_hold(): stderr lines wait here for log_flush() (a server writing a
 * line per request writes them a batch at a time). */
static bool log_holding;
static char held[16384];
static size_t nheld;
static int log_verbose, log_quiet;
static int log_console = -1;
/* LOG_KMSG_KEEP: descriptors of /dev/kmsg opened once, used in turn. The
 * kernel lets each open file write 10 lines per 5 s and silently drops the
 * rest (unless printk.devkmsg=on); the root-storage daemon cannot open it
 * again after switch_root, and its lines about a lost session come in bursts
 * that must not be lost: a few descriptors give it a few times that. */
#define KMSG_POOL 6
static int kmsg_fds[KMSG_POOL] = { -1, -1, -1, -1, -1, -1 };
static int kmsg_next;
/* Messages the kernel itself echoes from /dev/kmsg to the console: those with
 * a level below console_loglevel. We skip writing those to the console twice. */
static int kernel_console_level = -1;

static int read_console_loglevel(void)
{
	char buf[64];
	ssize_t n;
	int fd = open("/proc/sys/kernel/printk", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	if (buf[0] < '0' || buf[0] > '9')
		return -1;
	return (int)strtol(buf, NULL, 10);   /* "7\t4\t1\t7": the first is the console's */
}

void log_setup(int sinks, int verbose, int quiet)
{
	log_sinks = sinks;
	log_verbose = verbose;
	log_quiet = quiet;
	kernel_console_level = (sinks & LOG_TO_KMSG) ? read_console_loglevel() : -1;
	if ((sinks & LOG_KMSG_KEEP) && kmsg_fds[0] < 0)
		for (int i = 0; i < KMSG_POOL; i++)
			kmsg_fds[i] = open("/dev/kmsg", O_WRONLY | O_CLOEXEC | O_NOCTTY);
}

void log_set_console(int fd)
{
	log_console = fd;
}

double log_uptime(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_BOOTTIME, &ts) != 0)
		clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		p += w;
		n -= (size_t)w;
	}
}

void log_vmsg(enum log_level level, const char *fmt, va_list ap)
{
	char msg[1024], line[1100];
	int n;

	if (level == NR_LOG_DEBUG && !log_verbose)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);

	if (log_sinks & LOG_TO_STDERR) {
		size_t len;

		n = snprintf(line, sizeof(line), "%s%s\n",
			     level <= NR_LOG_ERR ? "error: " : level == NR_LOG_WARN ? "warning: " : "", msg);
		len = (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1;
		if (log_holding) {
			if (nheld + len > sizeof(held))
				log_flush();
			memcpy(held + nheld, line, len);
			nheld += len;
		} else {
			write_all(2, line, len);
		}
	}
	if (log_sinks & LOG_TO_KMSG) {
		/* Opened per line: the kernel rate-limits each open file to 10
		 * lines per 5 s, and a boot can say more than that. */
		int kept = kmsg_fds[kmsg_next++ % KMSG_POOL];
		int fd = kept >= 0 ? kept : open("/dev/kmsg", O_WRONLY | O_CLOEXEC | O_NOCTTY);

		if (fd >= 0) {
			n = snprintf(line, sizeof(line), "<%d>netroot: %s\n", (int)level, msg);
			write_all(fd, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
			if (fd != kept)
				close(fd);
		}
	}
	if ((log_sinks & LOG_TO_CONSOLE) && log_console >= 0) {
		int kernel_echoes = (log_sinks & LOG_TO_KMSG) && kernel_console_level > (int)level;

		if (!kernel_echoes && !(log_quiet && level > NR_LOG_WARN)) {
			n = snprintf(line, sizeof(line), "netroot: [%8.3f] %s\n", log_uptime(), msg);
			write_all(log_console, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
		}
	}
}

void log_hold(bool on)
{
	if (!on)
		log_flush();
	log_holding = on;
}

void log_flush(void)
{
	if (nheld)
		write_all(2, held, nheld);
	nheld = 0;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(level, fmt, ap);
	va_end(ap);
}

/* The one logging API. Only the edges log (init steps, server I/O); codecs
 * and parsers never do. Lines look like
 *     netroot: [   2.345] mount: mounted 10.77.0.1:/export on /root
 * with the time in seconds since the kernel started (CLOCK_BOOTTIME), so they
 * line up with the kernel's own messages and /proc/uptime. */
#ifndef NETROOT_LOG_H
#define NETROOT_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

/* Named apart from <syslog.h>'s LOG_ERR/LOG_INFO/LOG_DEBUG macros (a file
 * may include both); the values are the same severities. */
enum log_level { NR_LOG_ERR = 3, NR_LOG_WARN = 4, NR_LOG_INFO = 6, NR_LOG_DEBUG = 7 };

enum log_sink {
	LOG_TO_STDERR = 1,      /* ordinary command: plain lines on stderr */
	LOG_TO_CONSOLE = 2,     /* PID 1: the console fd given to log_set_console */
	LOG_TO_KMSG = 4,        /* PID 1: /dev/kmsg, so the booted system's journal has it */
	LOG_KMSG_KEEP = 8,      /* with LOG_TO_KMSG: open /dev/kmsg once, now (a daemon that
				   must not open files later; the kernel then rate-limits it) */
};

/* sinks: an OR of enum log_sink. verbose: also print NR_LOG_DEBUG. quiet: the
 * console shows warnings and errors only (kernel "quiet"). */
void log_setup(int sinks, int verbose, int quiet);
void log_set_console(int fd);

void log_msg(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void log_vmsg(enum log_level level, const char *fmt, va_list ap);

#define log_err(...)   log_msg(NR_LOG_ERR, __VA_ARGS__)
#define log_warn(...)  log_msg(NR_LOG_WARN, __VA_ARGS__)
#define log_info(...)  log_msg(NR_LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(NR_LOG_DEBUG, __VA_ARGS__)

/* log_hold(true): lines for stderr are kept (16 KiB at most) until
 * log_flush() or log_hold(false) writes them in one go. */
void log_hold(bool on);
void log_flush(void);

/* Seconds since the kernel started. */
double log_uptime(void);

#endif

/* The fleet report: one small UDP datagram netroot-init sends to the server
 * it booted from, after each boot phase, when the boot fails and once
 * switch_root is done (the real init is exec'd next), so `netrootd status` shows where each board is
 * (docs/netrootd.md, "Fleet status", has the format in full).
 *
 * Text, version 1, at most REPORT_MAX_LEN bytes, one "key value" per line,
 * every line ending in "\n", nothing but printable ASCII otherwise:
 *
 *   netroot-report 1
 *   mac 52:54:00:77:00:02
 *   seq 3
 *   event phase                  phase | failed | up (switch_root done)
 *   uptime 12873                 ms since the kernel started, when sent
 *   boot 5f0c2a7e91d34b08        this boot attempt (16 hex digits, random)
 *   host rpi4-1
 *   kernel 6.1.0-rpi7-rpi-v8
 *   root iscsi                   nfs | iscsi | block | none
 *   phase early 412 38           name, start and duration in ms ("-": still running)
 *   failed mount ... failed: ...  only with event failed
 *
 * No secret ever: no command line, no CHAP name or password. The sender
 * passes the failure text through report_redact() for each secret it knows.
 *
 * Pure code: no I/O, no logging, no globals. Every byte read goes through
 * the bounded cursor (buf.h). */
#ifndef NETROOT_REPORT_H
#define NETROOT_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nr_limits.h"

/* UDP 61011: in the Dynamic range (49152-65535), which IANA never assigns
 * (RFC 6335 §6), so no registered service can be there; and above Linux's
 * default ephemeral range (32768-60999), so no socket on the server takes it
 * by chance. 4011 (PXE) inspired the digits. */
#define NETROOT_REPORT_PORT 61011
#define REPORT_VERSION 1
#define REPORT_MAGIC "netroot-report"
#define REPORT_MAX_MS 999999999999999ULL       /* times: 15 digits at most */

enum report_event { REPORT_PHASE = 1, REPORT_FAILED, REPORT_UP };

struct report_phase {
	char name[REPORT_NAME_LEN];     /* [a-z0-9_], 1..15 */
	uint64_t start_ms;              /* since the kernel started */
	int64_t dur_ms;                 /* -1: still running when sent */
};

struct report {
	uint8_t mac[6];                 /* the boot interface's */
	uint32_t seq;                   /* 1, 2, ... within one boot */
	enum report_event event;
	uint64_t uptime_ms;
	char boot[REPORT_BOOT_LEN];     /* 16 hex digits, or "" */
	char host[HOSTNAME_LEN];        /* [A-Za-z0-9._-], or "" */
	char kernel[REPORT_KERNEL_LEN]; /* printable, no blank, or "" */
	char root[REPORT_NAME_LEN];     /* [a-z0-9_], or "" */
	struct report_phase phase[REPORT_MAX_PHASES];
	int nphases;
	char failed[REPORT_FAILED_LEN]; /* printable; only with REPORT_FAILED (and then not empty) */
};

/* The datagram for r into out: its length, -EINVAL when a field breaks
 * its rule (the parser would refuse it), -ENOSPC when it does not fit in
 * cap or REPORT_MAX_LEN. */
int report_build(const struct report *r, uint8_t *out, size_t cap);

/* A datagram into *r: 0; -EPROTONOSUPPORT for another version;
 * -EBADMSG for anything malformed (a line without its "\n", a byte that
 * is not printable, a value that breaks its rule, a key twice, a required
 * key missing, too many phases, longer than REPORT_MAX_LEN). Unknown keys
 * are skipped: a later version 1 may add some. */
int report_parse(const uint8_t *p, size_t len, struct report *r);

const char *report_event_name(enum report_event e);

/* src into dst (size n > 0), each byte outside printable ASCII replaced
 * by '?', cut to fit. Makes a failure text sendable. */
void report_clean_text(char *dst, size_t n, const char *src);

/* Every occurrence of secret (not empty) in text replaced by
 * REPORT_REDACTED, cut to fit size. Returns how many were replaced. */
#define REPORT_REDACTED "********"
int report_redact(char *text, size_t size, const char *secret);

#endif

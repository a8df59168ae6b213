/* The fleet view's I/O (server/status_net.c): the report socket on each
 * served interface's address (UDP NETROOT_REPORT_PORT), STATE/status.json
 * written whole (temp file, rename), and STATE/netrootd.pid. */
#ifndef NETROOT_SERVER_STATUS_NET_H
#define NETROOT_SERVER_STATUS_NET_H

#include <stddef.h>
#include <stdint.h>

#include "ipv4.h"
#include "nr_limits.h"
#include "status.h"

#define STATUS_WRITE_EVERY_MS 1000      /* status.json at most this often while things change */
#define STATUS_FILE "status.json"
#define STATUS_PID_FILE "netrootd.pid"
#define STATUS_FILE_MAX (64u << 20)     /* the largest status.json read back */

struct report_sock {
	int fd;
	in4_t addr;
};

/* UDP port on addr (the interface's own address: never more than the
 * served interfaces). 0, or -errno with msg saying what to check. */
int report_sock_open(struct report_sock *s, in4_t addr, uint16_t port, char *msg, size_t msglen);

/* One waiting datagram into buf (cap >= REPORT_MAX_LEN + 1, so a longer
 * one shows as longer): its length, 0 when none waits, or -errno. *from:
 * its sender's address. */
int report_sock_recv(struct report_sock *s, uint8_t *buf, size_t cap, in4_t *from);
void report_sock_close(struct report_sock *s);

/* The table as dir/status.json, replaced whole: 0 or -errno. */
int status_save(struct status *s, const char *dir, const struct st_view *v);

/* dir/status.json into the table (see status_read_json): 0, -ENOENT, or
 * -errno / -EBADMSG. */
int status_load(struct status *s, const char *dir, bool add);

/* dir/netrootd.pid: this process's. 0 or -errno. */
int status_pid_write(const char *dir);
void status_pid_remove(const char *dir);

/* The pid in dir/netrootd.pid when that process is a running netrootd;
 * 0 when it is not (no file, or the process is gone: stale data). */
int status_daemon_pid(const char *dir);

#endif

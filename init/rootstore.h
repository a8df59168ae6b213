/* The root-storage daemon: an iSCSI LUN served as /dev/nbdN (rootstore.c). */
#ifndef NETROOT_ROOTSTORE_H
#define NETROOT_ROOTSTORE_H

#include <stdint.h>
#include <sys/types.h>

#include "cmdline.h"
#include "iscsi_login.h"

/* Sent from the parent to the daemon over a pipe (never in argv). */
struct rootstore_conf {
	uint32_t magic, size;
	struct iscsi_conf iscsi;
	int lun;                        /* -1: the first disk LUN */
	int login_deadline;             /* seconds for the whole login */
	int attempt_timeout;            /* seconds for one portal attempt */
	char nbd_dev[32];               /* "/dev/nbd0" */
	bool kmsg, debug;               /* log to /dev/kmsg too (PID 1's child) */
	bool standby;                   /* PID 1's root: leave a standby its state in /run */
};

/* Sent back once: ready, or why not. */
struct rootstore_status {
	int32_t err;                    /* 0 ready, else -errno */
	int32_t kind;                   /* enum iscsi_err_kind */
	uint64_t bytes;
	uint32_t block_size;
	int32_t lun;
	uint32_t max_request;           /* bytes: the largest request the daemon wants (max_sectors_kb) */
	char portal[ISCSI_ADDR_LEN + 16];
	char msg[256];
};

/* Fork and exec the daemon, hand it the configuration and wait (bounded by
 * deadline + one attempt) for its verdict. Returns 0 when /dev/nbdN is
 * connected, else -errno with st->kind/msg saying why. */
int rootstore_start(const struct rootstore_conf *c, double deadline, pid_t *pid,
		    struct rootstore_status *st);

/* The daemon's entry point, from main() when argv[1] is "--rootstore". */
int rootstore_main(int argc, char **argv);

/* "--rootstore-standby [STATE]" (rootstore_standby.c): from the booted
 * system's unit, take over when the daemon started at boot is gone. */
int rootstore_standby_main(int argc, char **argv);

#endif

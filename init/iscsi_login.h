/* iSCSI login (libiscsi) for the root disk; see iscsi_login.c. */
#ifndef NETROOT_ISCSI_LOGIN_H
#define NETROOT_ISCSI_LOGIN_H

#include <stdbool.h>
#include <stdint.h>

#include "cmdline.h"

enum iscsi_err_kind {
	ISCSI_OK = 0,
	ISCSI_ERR_UNREACHABLE,      /* no TCP connection to any portal */
	ISCSI_ERR_NO_TARGET,        /* the portal has no target by that name */
	ISCSI_ERR_AUTH,             /* CHAP failed */
	ISCSI_ERR_NOT_ALLOWED,      /* the target's ACL refuses this initiator */
	ISCSI_ERR_NO_LUN,           /* logged in, but the LUN is not there or unusable */
	ISCSI_ERR_CONFIG,           /* target/portal/initiator missing */
	ISCSI_ERR_OTHER,
};

struct iscsi_login_error {
	enum iscsi_err_kind kind;
	char portal[ISCSI_ADDR_LEN + 16];   /* the last portal tried */
	char msg[256];                      /* libiscsi's words; never a password */
};

struct iscsi_disk {
	struct iscsi_context *ctx;          /* logged in, auto-reconnecting */
	int lun;
	uint32_t block_size;
	uint64_t blocks;
	bool thin;                          /* logical block provisioning: UNMAP works */
	char portal[ISCSI_ADDR_LEN + 16];
};

/* Logs in to the target of `c`, portals in order, until `deadline`
 * (log_uptime() seconds); each attempt bounded by attempt_timeout seconds.
 * want_lun < 0: the first disk LUN the target reports. verbosity: libiscsi's
 * log level for its own messages (1: reconnects and errors, 2+: debug). */
int iscsi_login_disk(const struct iscsi_conf *c, int want_lun, double deadline, int attempt_timeout,
		     int verbosity, struct iscsi_disk *d, struct iscsi_login_error *e);

const char *iscsi_err_name(enum iscsi_err_kind k);
const char *iscsi_err_check(enum iscsi_err_kind k);

#endif

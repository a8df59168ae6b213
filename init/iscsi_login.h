/* iSCSI login (libiscsi) for the root disk; see iscsi_login.c. */
#ifndef NETROOT_ISCSI_LOGIN_H
#define NETROOT_ISCSI_LOGIN_H

#include <stdbool.h>
#include <stddef.h>
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

#define ISCSI_IDENT_MAX 252               /* VPD 0x83/0x80 bytes kept to recognise the disk */

struct iscsi_disk {
	struct iscsi_context *ctx;          /* logged in; no per-command timeout */
	int lun;
	uint32_t block_size;
	uint64_t blocks;
	bool thin;                          /* logical block provisioning: UNMAP works */
	/* What makes this disk this disk (compared at every new login): the
	 * device identification VPD page (0x83), else the unit serial number
	 * (0x80), as the target returned it. */
	uint8_t ident_page;                 /* 0x83, 0x80, or 0: the target has neither */
	uint16_t ident_len;
	uint8_t ident[ISCSI_IDENT_MAX];
	/* Block limits VPD (0xB0), in blocks; 0: the target states no limit. */
	uint32_t max_xfer_blocks;
	uint32_t max_unmap_blocks;
	uint32_t max_unmap_descriptors;
	char portal[ISCSI_ADDR_LEN + 16];
};

/* Session settings that stay the same across every login of one boot. */
struct iscsi_session_opts {
	uint32_t isid;                      /* 24 random bits: the ISID's qualifier part (RFC 7143 §11.12.5);
	                                     * the same ISID at a new login reinstates the old session */
	int tcp_user_timeout_ms;            /* 0: the kernel's default */
};

/* Logs in to the target of `c`, portals in order, until `deadline`
 * (log_uptime() seconds); each attempt bounded by attempt_timeout seconds.
 * want_lun < 0: the first disk LUN the target reports. verbosity: libiscsi's
 * log level for its own messages (1: reconnects and errors, 2+: debug). */
int iscsi_login_disk(const struct iscsi_conf *c, int want_lun, double deadline, int attempt_timeout,
		     int verbosity, const struct iscsi_session_opts *so, struct iscsi_disk *d,
		     struct iscsi_login_error *e);

/* 0 when b is the disk a was (same size, block size and identifier);
 * else -ESTALE with what differs in why. */
int iscsi_same_disk(const struct iscsi_disk *a, const struct iscsi_disk *b, char *why, size_t n);

/* libiscsi's messages may hold newlines and end in one: control bytes
 * become spaces, trailing spaces go, so each makes one log line. */
void iscsi_one_line(char *s);

const char *iscsi_err_name(enum iscsi_err_kind k);
const char *iscsi_err_check(enum iscsi_err_kind k);

#endif

/* Internal to the command-line parser (cmdline.c, cmdline_ip.c,
 * cmdline_iscsi.c): shared parse state and small helpers. Not part of the
 * contract in cmdline.h; nothing outside lib/cmdline*.c includes this. */
#ifndef NETROOT_CMDLINE_INT_H
#define NETROOT_CMDLINE_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "cmdline.h"

/* Room for one escaped, possibly shortened, untrusted value in a message. */
#define CL_ESC_LEN 64

/* iSCSI settings that UPPERCASE keys must not override (see cmdline_iscsi.c). */
enum {
	ISF_INITIATOR = 1u << 0, ISF_TARGET = 1u << 1, ISF_PORT = 1u << 2,
	ISF_GROUP = 1u << 3, ISF_USER = 1u << 4, ISF_PASS = 1u << 5,
	ISF_INUSER = 1u << 6, ISF_INPASS = 1u << 7, ISF_LUN = 1u << 8,
	ISF_AUTO = 1u << 9,
};

/* root=nfs:... is kept apart until the end: nfsroot= writes the same
 * fields of boot_config, and the last root= decides which one is used. */
struct cl_nfs {
	in4_t server;
	char path[PATH_LEN];
	char options[NFS_OPTIONS_LEN];
};

struct cl_state {
	struct boot_config *cfg;
	unsigned iscsi_lower;       /* ISF_* set by a lowercase key or root=iscsi: */
	unsigned iscsi_port;        /* iscsi_target_port=, 0 = not given */
	bool root_seen;             /* some root= was read (even a bad one) */
	bool root_iscsi_seen;       /* some root=iscsi: was read */
	struct cl_nfs rootnfs;      /* from the last root=nfs:/nfs4:/<ip>:/path */
};

void cl_diag(struct boot_config *cfg, enum diag_level lvl, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
const char *cl_esc(char *buf, size_t size, const char *s, size_t n);
int cl_num(const char *s, size_t n, long min, long max, long *out);
int cl_copy(char *dst, size_t size, const char *src, size_t n);
bool cl_eq(const char *s, size_t n, const char *lit);
bool cl_starts(const char *s, const char *prefix);
bool cl_append(char *dst, size_t size, const char *s, size_t n); /* ","-joined */

/* cmdline_root.c */
void cl_root(struct cl_state *st, const char *val);
void cl_nfsroot(struct boot_config *cfg, const char *val);
void cl_finish(struct cl_state *st);

/* cmdline_ip.c */
void cl_ip(struct cl_state *st, const char *key, const char *val);
void cl_hwaddr(struct cl_state *st, const char *key, const char *val);

/* cmdline_iscsi.c */
bool cl_iscsi_key(struct cl_state *st, const char *key, size_t klen, const char *val);
void cl_root_iscsi(struct cl_state *st, const char *val);
void cl_iscsi_finish(struct cl_state *st);

#endif

/* iSCSI login and text negotiation (RFC 7143 §6, §13) for netrootd's
 * target (server/iscsi_nego.c): the initiator's key=value pairs in, the
 * target's answers out, table-driven, pure. */
#ifndef NETROOT_SERVER_ISCSI_NEGO_H
#define NETROOT_SERVER_ISCSI_NEGO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define ISCSI_NAME_MAX 223              /* RFC 3720 3.2.6.1 */

/* What the target offers (its own limits). */
#define ISCSI_OUR_MAX_BURST (1u << 20)
#define ISCSI_OUR_FIRST_BURST (256u << 10)

/* The session's operational parameters as negotiated so far (RFC 7143
 * defaults until a key changes them). */
struct iscsi_params {
	uint32_t send_seg_max;          /* the initiator's MaxRecvDataSegmentLength: our PDUs' data limit */
	uint32_t max_burst, first_burst;
	bool initial_r2t, immediate_data;
	uint32_t time2wait, time2retain;
};

struct iscsi_nego {
	char initiator[ISCSI_NAME_MAX + 1];
	char target[ISCSI_NAME_MAX + 1];
	bool discovery;                 /* SessionType=Discovery */
	bool auth_none;                 /* AuthMethod answered None */
	bool auth_asked;
	bool send_targets;              /* a text request's SendTargets=All (or a name) */
	char send_targets_name[ISCSI_NAME_MAX + 1];   /* "" for All */
	bool declared_mrdsl;            /* our MaxRecvDataSegmentLength sent */
	struct iscsi_params p;
};

void iscsi_nego_init(struct iscsi_nego *n);

/* The pairs of keys (data segment of a login or text request: key=value,
 * NUL-terminated each) into n, the answers appended to out. 0, or -1 with
 * why filled (malformed: a pair without '=', a key or value too long, a
 * value out of its range). */
int iscsi_negotiate(struct iscsi_nego *n, const uint8_t *keys, size_t len, struct wbuf *out, char *why, size_t whylen);

/* At the end of the operational stage: our declarative keys the
 * initiator did not make us answer (MaxRecvDataSegmentLength). */
void iscsi_nego_finish(struct iscsi_nego *n, struct wbuf *out);

/* key=value into out, NUL-terminated. */
void iscsi_put_key(struct wbuf *out, const char *key, const char *value);

#endif

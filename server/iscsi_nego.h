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

/* Digests a target may require ([iscsi] require-digests). */
#define ISCSI_DIG_HEADER 1
#define ISCSI_DIG_DATA 2

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
	bool hdig, ddig;                /* CRC32C header / data digests */
};

/* A CHAP value: "0x" + 1024 bytes in hex (RFC 7143 12.1.3 bounds
 * CHAP_C and CHAP_R at 1024 bytes) + NUL. */
#define ISCSI_CHAP_VAL_MAX (2 + 2 * 1024 + 1)

/* The security stage's keys of the login PDU at hand, kept for
 * iscsi_auth_step (server/iscsi_chap.c), which answers them once the
 * target (and so its CHAP account) is known. */
enum {
	AUTH_K_METHOD = 1, AUTH_K_A = 2, AUTH_K_N = 4, AUTH_K_R = 8, AUTH_K_I = 16, AUTH_K_C = 32,
};
struct iscsi_auth_keys {
	unsigned got;                   /* AUTH_K_* present in this PDU */
	char method[64];                /* AuthMethod's list */
	char a[64];                     /* CHAP_A's list */
	char n[ISCSI_NAME_MAX + 1];     /* CHAP_N */
	char r[ISCSI_CHAP_VAL_MAX];     /* CHAP_R */
	char i[16];                     /* CHAP_I (mutual CHAP) */
	char c[ISCSI_CHAP_VAL_MAX];     /* CHAP_C (mutual CHAP) */
};

enum iscsi_auth_state {
	AUTH_START,                     /* no AuthMethod answered yet */
	AUTH_WANT_A,                    /* AuthMethod=CHAP answered: CHAP_A next */
	AUTH_WANT_R,                    /* our challenge sent: CHAP_N and CHAP_R next */
	AUTH_DONE,                      /* the initiator proved itself (or None was enough) */
};

struct iscsi_nego {
	char initiator[ISCSI_NAME_MAX + 1];
	char target[ISCSI_NAME_MAX + 1];
	bool discovery;                 /* SessionType=Discovery */
	bool type_said;                 /* SessionType given (it cannot change) */
	uint8_t require_digests;        /* ISCSI_DIG_*: only CRC32C there (set after iscsi_nego_init) */
	struct iscsi_auth_keys ak;      /* this PDU's security keys */
	enum iscsi_auth_state auth;
	uint8_t chap_id;                /* our CHAP_I and CHAP_C, kept for CHAP_R */
	uint8_t chap_chal[16];
	bool send_targets;              /* a text request's SendTargets=All (or a name) */
	char send_targets_name[ISCSI_NAME_MAX + 1];   /* "" for All */
	bool declared_mrdsl;            /* our MaxRecvDataSegmentLength sent */
	struct iscsi_params p;
};

void iscsi_nego_init(struct iscsi_nego *n);

/* The pairs of keys (data segment of a login or text request: key=value,
 * NUL-terminated each) into n, the answers appended to out; the security
 * keys (AuthMethod, CHAP_*) only into n->ak, answered by iscsi_auth_step. 0, or -1 with
 * why filled (malformed: a pair without '=', a key or value too long, a
 * value out of its range). */
int iscsi_negotiate(struct iscsi_nego *n, const uint8_t *keys, size_t len, struct wbuf *out, char *why, size_t whylen);

/* At the end of the operational stage: our declarative keys the
 * initiator did not make us answer (MaxRecvDataSegmentLength). */
void iscsi_nego_finish(struct iscsi_nego *n, struct wbuf *out);

/* A list value ("CRC32C,None") holds item. */
bool iscsi_list_has(const char *v, const char *item);

/* key=value into out, NUL-terminated. */
void iscsi_put_key(struct wbuf *out, const char *key, const char *value);

#endif

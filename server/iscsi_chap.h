/* The security stage of an iSCSI login (RFC 7143 §6.3.1, §12.1.3) for
 * netrootd's target: AuthMethod None, or CHAP with MD5 (RFC 1994), one-way
 * or mutual. Pure: the caller brings the random bytes and the account;
 * the keys come from iscsi_negotiate (n->ak), the answers go to out. */
#ifndef NETROOT_SERVER_ISCSI_CHAP_H
#define NETROOT_SERVER_ISCSI_CHAP_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "iscsi_nego.h"

#define ISCSI_CHAP_SECRET_MIN 12        /* RFC 7143 12.1.3: 96 bits at least */
#define ISCSI_CHAP_SECRET_MAX 255
#define ISCSI_CHAP_RANDOM 17            /* CHAP_I (1 byte) + CHAP_C (16 bytes) */

/* A target's accounts: "" (or a NULL account) where none is set. */
struct iscsi_chap_acct {
	const char *user, *secret;      /* the initiator proves it knows these */
	const char *tuser, *tsecret;    /* the target's own, for mutual CHAP */
};

enum {
	ISCSI_AUTH_OK = 0,
	ISCSI_AUTH_FAIL = -1,           /* login status 0201: authentication failure */
	ISCSI_AUTH_BAD = -2,            /* login status 0207: a malformed or out-of-order key */
};

/* Answers this PDU's security keys (n->ak) for an account a (NULL: None
 * is the only method, as for discovery sessions without CHAP); rnd holds
 * ISCSI_CHAP_RANDOM fresh random bytes, used if a challenge goes out.
 * ISCSI_AUTH_OK, or FAIL/BAD with why filled. */
int iscsi_auth_step(struct iscsi_nego *n, const struct iscsi_chap_acct *a, const uint8_t *rnd, struct wbuf *out,
		    char *why, size_t whylen);

/* Whether the login may leave the security stage now (a PDU asking to
 * transit): 1 yes, 0 not yet (answer without the T bit: the exchange goes
 * on), ISCSI_AUTH_FAIL with why (CHAP required and not done). */
int iscsi_auth_may_leave(struct iscsi_nego *n, const struct iscsi_chap_acct *a, char *why, size_t whylen);

/* A CHAP binary value, "0x" hex or "0b" base64 (RFC 7143 6.1), into out
 * (room max). Its length, or -1 when malformed, empty or too long. */
int iscsi_chap_decode(const char *v, uint8_t *out, size_t max);

/* MD5(id || secret || challenge) (RFC 1994 §4.1) into resp[16]. */
void iscsi_chap_response(uint8_t id, const char *secret, const uint8_t *chal, size_t clen, uint8_t resp[16]);

#endif

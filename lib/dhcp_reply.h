/* Building a server's reply within what the client asked for and can take
 * (lib/dhcp_reply.c): pure code over the request and the options the
 * server would send. */
#ifndef NETROOT_DHCP_REPLY_H
#define NETROOT_DHCP_REPLY_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "dhcp_msg.h"

/* One option the server would send. */
struct dhcp_reply_opt {
	uint8_t code;
	uint8_t flags;          /* DHCP_RO_* */
	uint16_t len;           /* up to DHCP_MSG_MAX; over 255 bytes it is split (RFC 3396) */
	const void *val;
};

#define DHCP_RO_MANDATORY 1u  /* always sent, never dropped for room (53, 54, 51 ...):
                                 without room for these the reply fails */
#define DHCP_RO_ALWAYS    2u  /* sent even when the client did not ask (the Pi 3 ROM needs
                                 1 and 3 and does not ask for them), room permitting */

/* The most bytes of DHCP message (BOOTP header, cookie, options, END) the
 * client takes: its option 57 less the IPv4 and UDP headers, at least 576
 * less them (RFC 2131 2), at most what we send (DHCP_PKT_MAX). */
size_t dhcp_reply_room(const struct dhcp_msg *req);

/* Header h, then the options in this order: the MANDATORY ones as given;
 * the ones the client listed in option 55, in the client's order (RFC 2132
 * 9.8: most wanted first, so the first to go when room is short are the
 * least wanted); the ALWAYS ones it did not list, as given; and, when the
 * request has no option 55 at all (BOOTP, some ROMs), every other option as
 * given. An option listed but not offered is not sent; one offered but
 * neither listed nor ALWAYS is not sent to a client that sent a list. Each
 * option goes in only if it and END still fit in dhcp_reply_room(req); the
 * ones left out are set in dropped (may be NULL) for the caller to log.
 * Never a PAD between options (EEPROMs before 2020-01-17 drop such
 * replies); zeros after END up to 300 bytes (RFC 1542). req may be NULL (no
 * list, 576 bytes). Returns 0, -EMSGSIZE when the MANDATORY options do not
 * fit, -ENOSPC when w is too small, -EINVAL for a PAD, END or repeated
 * code. */
int dhcp_reply_build(struct wbuf *w, const struct dhcp_hdr *h, const struct dhcp_msg *req,
		     const struct dhcp_reply_opt *opts, int nopts, uint8_t dropped[32]);

#endif

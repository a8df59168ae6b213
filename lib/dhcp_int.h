/* Inside the DHCP codec: what the message scan (dhcp_msg.c) and the option
 * rules (dhcp_opt.c) share. Not for users of the codec. */
#ifndef NETROOT_DHCP_INT_H
#define NETROOT_DHCP_INT_H

#include <stdint.h>

#include "dhcp_msg.h"

/* Record why the parse failed (a static string) and about which option (0:
 * none); returns err. */
int dhcp_fail(struct dhcp_msg *m, int err, const char *why, uint8_t code);

void dhcp_set_bit(uint8_t map[32], uint8_t code);

/* Check every option of m against its length rule and decode the known
 * ones: 0, or < 0 (with dhcp_fail) when 53 or 54 is broken. */
int dhcp_opt_check(struct dhcp_msg *m);

#endif

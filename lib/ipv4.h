/* IPv4 addresses: the one type, parser, formatter and mask arithmetic that
 * netroot-init and netrootd share. Addresses are kept in network byte order
 * (as on the wire and in struct in_addr); 0 means "not given". */
#ifndef NETROOT_IPV4_H
#define NETROOT_IPV4_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint32_t in4_t;

#define IN4_STRLEN 16   /* "255.255.255.255" and its NUL */

/* Exactly n bytes of s as a dotted quad (four decimal parts 0-255, no
 * leading sign or spaces): 0, or -EINVAL. */
int parse_in4(const char *s, size_t n, in4_t *out);

/* "a.b.c.d/len" (len 0-32) or a bare address (prefix 32): 0 or -EINVAL. */
int parse_in4_prefix(const char *s, size_t n, in4_t *addr, int *prefix);

/* The dotted quad of a into buf; returns buf. */
const char *in4_str(in4_t a, char buf[IN4_STRLEN]);

/* netmask <-> prefix length; -1 if the mask is not contiguous. */
int in4_prefix_len(in4_t mask);
in4_t in4_mask_of(int prefix);

/* The mask of the address's old class (A/B/C): what the kernel's ipconfig
 * guesses when ip= or DHCP gives none. */
in4_t in4_classful_mask(in4_t addr);

/* Whether a and b are in the same network under mask. */
bool in4_same_net(in4_t a, in4_t b, in4_t mask);

/* Host-order arithmetic for pools: a + k (wrapping like the 32-bit
 * number it is). */
in4_t in4_add(in4_t a, uint32_t k);

#endif

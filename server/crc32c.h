/* CRC32C (Castagnoli, RFC 3385 / RFC 7143 §13.1: iSCSI header and data
 * digests): the CPU's own instruction where it has one (SSE4.2 on x86_64,
 * the CRC32 extension on arm64, detected at run time), else a table, one
 * answer either way. */
#ifndef NETROOT_SERVER_CRC32C_H
#define NETROOT_SERVER_CRC32C_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Continues crc over n bytes: start with 0xffffffff and invert at the end
 * (or use crc32c()). */
uint32_t crc32c_update(uint32_t crc, const void *p, size_t n);

/* The CRC32C of n bytes (as an iSCSI digest: sent least significant byte
 * first). */
static inline uint32_t crc32c(const void *p, size_t n)
{
	return ~crc32c_update(0xffffffffu, p, n);
}

/* Whether the CPU's instruction is used ("sse4.2", "armv8-crc") or the
 * table ("table"); crc32c_force_table makes every later call use the table
 * (tests compare both). */
const char *crc32c_impl(void);
void crc32c_force_table(bool on);

#endif

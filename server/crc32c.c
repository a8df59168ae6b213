#include "crc32c.h"

#include <string.h>

#define POLY 0x82f63b78u                /* Castagnoli, reflected */

static uint32_t table[8][256];
static int hw = -1;                     /* -1: not probed yet */
static bool forced_table;

/* Slicing by 8 (Intel's table method): 8 bytes a step. */
static uint32_t crc_table(uint32_t c, const uint8_t *p, size_t n)
{
	while (n && ((uintptr_t)p & 7)) {
		c = table[0][(c ^ *p++) & 0xff] ^ (c >> 8);
		n--;
	}
	while (n >= 8) {
		uint32_t lo, hi;

		memcpy(&lo, p, 4);
		memcpy(&hi, p + 4, 4);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
		lo = __builtin_bswap32(lo);
		hi = __builtin_bswap32(hi);
#endif
		lo ^= c;
		c = table[7][lo & 0xff] ^ table[6][(lo >> 8) & 0xff] ^ table[5][(lo >> 16) & 0xff] ^ table[4][lo >> 24] ^
		    table[3][hi & 0xff] ^ table[2][(hi >> 8) & 0xff] ^ table[1][(hi >> 16) & 0xff] ^ table[0][hi >> 24];
		p += 8;
		n -= 8;
	}
	while (n--)
		c = table[0][(c ^ *p++) & 0xff] ^ (c >> 8);
	return c;
}

#if defined(__x86_64__)
#include <cpuid.h>

__attribute__((target("sse4.2"))) static uint32_t crc_hw(uint32_t c, const uint8_t *p, size_t n)
{
	uint64_t c64;

	while (n && ((uintptr_t)p & 7)) {
		c = __builtin_ia32_crc32qi(c, *p++);
		n--;
	}
	c64 = c;
	while (n >= 8) {
		uint64_t v;

		memcpy(&v, p, 8);
		c64 = __builtin_ia32_crc32di(c64, v);
		p += 8;
		n -= 8;
	}
	c = (uint32_t)c64;
	while (n--)
		c = __builtin_ia32_crc32qi(c, *p++);
	return c;
}

static int probe(void)
{
	unsigned a, b, c, d;

	return __get_cpuid(1, &a, &b, &c, &d) && (c & bit_SSE4_2);
}
#define HW_NAME "sse4.2"
#elif defined(__aarch64__)
#include <sys/auxv.h>

__attribute__((target("+crc"))) static uint32_t crc_hw(uint32_t c, const uint8_t *p, size_t n)
{
	while (n && ((uintptr_t)p & 7)) {
		c = __builtin_aarch64_crc32cb(c, *p++);
		n--;
	}
	while (n >= 8) {
		uint64_t v;

		memcpy(&v, p, 8);
		c = __builtin_aarch64_crc32cx(c, v);
		p += 8;
		n -= 8;
	}
	while (n--)
		c = __builtin_aarch64_crc32cb(c, *p++);
	return c;
}

static int probe(void)
{
	return (getauxval(AT_HWCAP) & (1ul << 7)) != 0;    /* HWCAP_CRC32 */
}
#define HW_NAME "armv8-crc"
#else
static uint32_t crc_hw(uint32_t c, const uint8_t *p, size_t n)
{
	return crc_table(c, p, n);
}

static int probe(void)
{
	return 0;
}
#define HW_NAME "table"
#endif

/* The table and the probe, before main (no thread races on first use). */
__attribute__((constructor)) static void crc32c_init(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;

		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (POLY & (0u - (c & 1)));
		table[0][i] = c;
	}
	for (uint32_t i = 0; i < 256; i++)
		for (int t = 1; t < 8; t++)
			table[t][i] = (table[t - 1][i] >> 8) ^ table[0][table[t - 1][i] & 0xff];
	hw = probe();
}

uint32_t crc32c_update(uint32_t crc, const void *p, size_t n)
{
	if (hw > 0 && !forced_table)
		return crc_hw(crc, p, n);
	return crc_table(crc, p, n);
}

const char *crc32c_impl(void)
{
	return hw > 0 && !forced_table ? HW_NAME : "table";
}

void crc32c_force_table(bool on)
{
	forced_table = on;
}

/* CRC32C (server/crc32c.c): RFC 3720 B.4's vectors and "123456789",
 * through the CPU's instruction and through the table, and both agreeing
 * on every length and alignment (the instruction path handles a ragged
 * head and tail). */
#include "check.h"
#include "crc32c.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(void)
{
	uint8_t b[32];
	static uint8_t big[(1 << 20) + 64];
	int disagree = 0;
	const char *hw = crc32c_impl();

	printf("# CRC32C through %s\n", hw);
	for (int pass = 0; pass < 2; pass++) {
		const char *how = pass ? "table" : hw;

		crc32c_force_table(pass == 1);
		memset(b, 0, 32);
		CHECK_INT(crc32c(b, 32), 0x8a9136aa, "%s: 32 zero bytes (RFC 3720 B.4: aa 36 91 8a)", how);
		memset(b, 0xff, 32);
		CHECK_INT(crc32c(b, 32), 0x62a8ab43, "%s: 32 bytes of ff (43 ab a8 62)", how);
		for (int i = 0; i < 32; i++)
			b[i] = (uint8_t)i;
		CHECK_INT(crc32c(b, 32), 0x46dd794e, "%s: 00..1f (4e 79 dd 46)", how);
		for (int i = 0; i < 32; i++)
			b[i] = (uint8_t)(31 - i);
		CHECK_INT(crc32c(b, 32), 0x113fdb5c, "%s: 1f..00 (5c db 3f 11)", how);
		CHECK_INT(crc32c("123456789", 9), 0xe3069283, "%s: \"123456789\"", how);
		CHECK_INT(crc32c(b, 0), 0, "%s: nothing", how);
		CHECK_INT(~crc32c_update(crc32c_update(0xffffffffu, "1234", 4), "56789", 5), 0xe3069283,
			  "%s: in two pieces", how);
	}
	srand(7);
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)rand();
	for (size_t off = 0; off < 8; off++)
		for (size_t len = 0; len < 300; len++) {
			uint32_t a, t;

			crc32c_force_table(false);
			a = crc32c(big + off, len);
			crc32c_force_table(true);
			t = crc32c(big + off, len);
			disagree += a != t;
		}
	CHECK_INT(disagree, 0, "%s and table agree on lengths 0-299 at alignments 0-7", hw);
	{
		uint32_t a, t;
		double t0, t1, t2;

		crc32c_force_table(false);
		t0 = now();
		a = crc32c(big + 3, 1 << 20);
		t1 = now();
		crc32c_force_table(true);
		t = crc32c(big + 3, 1 << 20);
		t2 = now();
		CHECK_INT(a, t, "and on 1 MiB");
		printf("# 1 MiB: %s %.0f MB/s, table %.0f MB/s\n", hw, 1.048576 / (t1 - t0), 1.048576 / (t2 - t1));
	}
	crc32c_force_table(false);
	return check_done();
}

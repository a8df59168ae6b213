/* libFuzzer target for the FAT reader (server/fat.c): any bytes as a disk
 * image (the client writes its own boot partition: hostile). The reader
 * must never read outside the image (the read function aborts if asked
 * to), never loop, and never return more than asked. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fat.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct img {
	const uint8_t *p;
	size_t n;
};

static int mem_read(void *ctx, void *buf, size_t len, uint64_t off)
{
	const struct img *m = ctx;

	if (off > m->n || len > m->n - off)
		abort();                /* fat.c checks bounds first: never reached */
	memcpy(buf, m->p + off, len);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const paths[] = { "config.txt", "kernel8.img", "overlays/a long name.dtbo", "CMDLINE.TXT",
					     "a/b/c/d" };
	static struct fat_vol v;
	static uint8_t buf[70000];
	struct img m = { data, size };
	char why[256];

	if (fat_open(&v, mem_read, &m, size, 0, why, sizeof(why)) < 0)
		return 0;
	if (v.bits != 12 && v.bits != 16 && v.bits != 32)
		abort();
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		struct fat_file f;

		if (fat_lookup(&v, paths[i], &f, why, sizeof(why)) == 0) {
			ssize_t r = fat_pread(&v, &f, buf, sizeof(buf), 0);

			if (r > (ssize_t)sizeof(buf))
				abort();
			r = fat_pread(&v, &f, buf, 100, f.size > 100 ? f.size - 100 : 0);
			if (r > 100)
				abort();
		}
	}
	return 0;
}

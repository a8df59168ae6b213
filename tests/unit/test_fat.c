/* The FAT reader (server/fat.c) over images made by mkfs.vfat, sfdisk and
 * mtools (no mount): FAT12, FAT16 and FAT32, in an MBR partition as Pi OS
 * images have it and without a partition table; long and 8.3 names, case,
 * subdirectories, files spanning many clusters read in odd pieces; and
 * images that lie: a FAT loop, a chain into free clusters, a partition
 * past the image's end, a file larger than its chain. */
#include "check.h"
#include "fat.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int img_read(void *ctx, void *buf, size_t len, uint64_t off)
{
	int fd = *(int *)ctx;

	return pread(fd, buf, len, (off_t)off) == (ssize_t)len ? 0 : -EIO;
}

static char dir[] = "/tmp/netroot-test-fat.XXXXXX";
static char cmd[4096], why[256];
static uint8_t want[300000], got[300000];

static int sh(const char *fmt, const char *a, const char *b)
{
	snprintf(cmd, sizeof(cmd), fmt, a, b);
	return system(cmd);
}

/* an image: FAT of `bits` (12/16/32), in partition 1 at 1 MiB (mbr) or
 * from byte 0, with the test files */
static int make(const char *name, int bits, int mbr)
{
	char img[256], fs[256], f[64];

	snprintf(img, sizeof(img), "%s/%s", dir, name);
	snprintf(fs, sizeof(fs), "%s/%s.fs", dir, name);
	snprintf(f, sizeof(f), "%d", bits);
	if (sh("truncate -s %s %s", bits == 32 ? "40M" : bits == 16 ? "20M" : "2M", fs) ||
	    sh("mkfs.vfat -F %s %s > /dev/null", f, fs))
		return -1;
	snprintf(cmd, sizeof(cmd),
		 "cd %s && mmd -i %s ::/overlays && mcopy -i %s big.bin ::/kernel8.img && "
		 "mcopy -i %s small.txt ::/config.txt && mcopy -i %s small.txt '::/overlays/A Long Name.dtbo' && "
		 "mcopy -i %s small.txt ::/CMDLINE.TXT", dir, fs, fs, fs, fs, fs);
	if (system(cmd))
		return -1;
	if (!mbr)
		return sh("mv %s %s", fs, img);
	snprintf(cmd, sizeof(cmd),
		 "truncate -s 1M %s && cat %s >> %s && rm %s && echo 'start=2048, type=%s' | sfdisk -q %s > /dev/null 2>&1",
		 img, fs, img, fs, bits == 32 ? "c" : bits == 16 ? "e" : "1", img);
	return system(cmd);
}

static int openimg(const char *name, struct fat_vol *v, int *fd)
{
	char img[256];
	struct stat st;

	snprintf(img, sizeof(img), "%s/%s", dir, name);
	*fd = open(img, O_RDONLY);
	if (*fd < 0 || fstat(*fd, &st))
		return -1;
	return fat_open(v, img_read, fd, (uint64_t)st.st_size, 0, why, sizeof(why));
}

static void check_image(const char *name, int bits)
{
	static struct fat_vol v;
	struct fat_file f;
	int fd, r = openimg(name, &v, &fd);
	size_t n = 0;
	bool same = true;

	CHECK(r == 0, "%s: opened (%s)", name, r ? why : "ok");
	if (r)
		return;
	CHECK_INT(v.bits, bits, "%s: FAT%d", name, bits);
	CHECK(fat_lookup(&v, "/kernel8.img", &f, why, sizeof(why)) == 0 && f.size == sizeof(want),
	      "%s: /kernel8.img found, %u bytes", name, f.size);
	/* read in odd pieces, across clusters */
	while (n < sizeof(want)) {
		ssize_t k = fat_pread(&v, &f, got + n, n % 2 ? 1467 : 512, n);

		if (k <= 0)
			break;
		n += (size_t)k;
	}
	same = n == sizeof(want) && !memcmp(got, want, sizeof(want));
	CHECK(same, "%s: its %zu bytes read back in 512/1467-byte pieces are the file's", name, n);
	CHECK_INT(fat_pread(&v, &f, got, 100, sizeof(want)), 0, "%s: nothing past the end", name);
	CHECK(fat_pread(&v, &f, got, 10, 1000) == 10 && !memcmp(got, want + 1000, 10), "%s: a read backwards (from 1000)",
	      name);
	CHECK(fat_lookup(&v, "config.txt", &f, why, sizeof(why)) == 0 && f.size == 12 &&
	      fat_pread(&v, &f, got, 100, 0) == 12 && !memcmp(got, "hello world\n", 12), "%s: config.txt", name);
	CHECK(fat_lookup(&v, "CONFIG.TXT", &f, why, sizeof(why)) == 0, "%s: names are case-insensitive", name);
	CHECK(fat_lookup(&v, "cmdline.txt", &f, why, sizeof(why)) == 0, "%s: an 8.3 name given in capitals", name);
	CHECK(fat_lookup(&v, "overlays/a long name.DTBO", &f, why, sizeof(why)) == 0 && f.size == 12,
	      "%s: a long name in a subdirectory", name);
	CHECK_INT(fat_lookup(&v, "overlays", &f, why, sizeof(why)), 0, "%s: the directory itself", name);
	CHECK(f.dir, "%s: ... is a directory", name);
	CHECK_INT(fat_lookup(&v, "nosuch.txt", &f, why, sizeof(why)), -ENOENT, "%s: a missing file", name);
	CHECK_INT(fat_lookup(&v, "config.txt/x", &f, why, sizeof(why)), -ENOTDIR, "%s: a file as a directory", name);
	CHECK_INT(fat_lookup(&v, "overlays/../config.txt", &f, why, sizeof(why)), -ENOENT, "%s: no '..'", name);
	close(fd);
}

/* Writes 4 bytes at off of an image. */
static void poke(const char *name, uint64_t off, uint32_t val, int n)
{
	char img[256];
	int fd;
	uint8_t b[4] = { (uint8_t)val, (uint8_t)(val >> 8), (uint8_t)(val >> 16), (uint8_t)(val >> 24) };

	snprintf(img, sizeof(img), "%s/%s", dir, name);
	fd = open(img, O_WRONLY);
	if (fd >= 0) {
		(void)!pwrite(fd, b, (size_t)n, (off_t)off);
		close(fd);
	}
}

int main(void)
{
	FILE *fp;

	if (!mkdtemp(dir))
		return 1;
	for (size_t i = 0; i < sizeof(want); i++)
		want[i] = (uint8_t)(i * 31 + i / 977);
	snprintf(cmd, sizeof(cmd), "%s/big.bin", dir);
	fp = fopen(cmd, "w");
	fwrite(want, 1, sizeof(want), fp);
	fclose(fp);
	snprintf(cmd, sizeof(cmd), "%s/small.txt", dir);
	fp = fopen(cmd, "w");
	fputs("hello world\n", fp);
	fclose(fp);

	CHECK(make("f32.img", 32, 1) == 0, "a FAT32 image in an MBR partition (mkfs.vfat, sfdisk, mtools)");
	CHECK(make("f16.img", 16, 1) == 0, "a FAT16 image in an MBR partition");
	CHECK(make("f12.img", 12, 0) == 0, "a FAT12 file system without a partition table");
	check_image("f32.img", 32);
	check_image("f16.img", 16);
	check_image("f12.img", 12);

	/* lies */
	{
		static struct fat_vol v;
		struct fat_file f;
		int fd;

		/* kernel8.img's first cluster points back at itself */
		if (openimg("f32.img", &v, &fd) == 0 && fat_lookup(&v, "kernel8.img", &f, why, sizeof(why)) == 0) {
			uint32_t c = f.first;

			close(fd);
			poke("f32.img", v.off + v.fat_off + 4ull * c, c, 4);
			CHECK(openimg("f32.img", &v, &fd) == 0 && fat_lookup(&v, "kernel8.img", &f, why, sizeof(why)) == 0,
			      "FAT32 with a loop: the file is still found");
			CHECK_INT(fat_pread(&v, &f, got, 8192, 200000), -EUCLEAN, "a read into the looping chain: EUCLEAN");
			close(fd);
		}
		/* config.txt's cluster: free in the FAT (0) */
		if (openimg("f16.img", &v, &fd) == 0 && fat_lookup(&v, "kernel8.img", &f, why, sizeof(why)) == 0) {
			uint32_t c = f.first;

			close(fd);
			poke("f16.img", v.off + v.fat_off + 2ull * c, 0, 2);
			CHECK(openimg("f16.img", &v, &fd) == 0 && fat_lookup(&v, "kernel8.img", &f, why, sizeof(why)) == 0 &&
			      fat_pread(&v, &f, got, 4096, 100000) == -EUCLEAN, "FAT16: a chain into a free cluster: EUCLEAN");
			close(fd);
		}
		/* the partition entry claims more sectors than the image has */
		poke("f16.img", 446 + 12, 0x7fffffff, 4);
		CHECK(openimg("f16.img", &v, &fd) < 0 && strstr(why, "not inside"), "a partition past the image's end: refused (%s)",
		      why);
		close(fd);
		/* no 55 aa */
		poke("f12.img", 510, 0, 2);
		CHECK(openimg("f12.img", &v, &fd) < 0, "no boot signature: refused (%s)", why);
		close(fd);
	}
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	(void)!system(cmd);
	return check_done();
}

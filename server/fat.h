/* A read-only FAT12/16/32 reader over a disk image (server/fat.c), for
 * serving a board's boot files straight out of the FAT partition inside
 * its own root image (issue 12), without mounting anything.
 *
 * The bytes are the client's: hostile. Every read goes through the
 * caller's read function and is checked against the partition's bounds
 * first, so nothing outside that partition of that image is ever read;
 * every structure is parsed through the bounded cursor (lib/buf.h); a
 * cluster chain that loops, leaves the volume or ends early is an error,
 * never a hang or an overrun. */
#ifndef NETROOT_SERVER_FAT_H
#define NETROOT_SERVER_FAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define FAT_NAME_MAX 255                /* a long file name, in UTF-8 up to 3 bytes a UCS-2 unit */

/* Reads len bytes at off of the image into buf: 0, or -errno. */
typedef int (*fat_read_fn)(void *ctx, void *buf, size_t len, uint64_t off);

/* The read function over an open file or block device: ctx points to its
 * descriptor (an int); short reads and EINTR retried, -EIO at its end. */
int fat_read_fd(void *ctx, void *buf, size_t len, uint64_t off);

struct fat_vol {
	fat_read_fn read;
	void *ctx;
	uint64_t off, len;              /* the partition within the image, bytes */
	int bits;                       /* 12, 16 or 32 */
	uint32_t sector;                /* bytes per sector */
	uint32_t cluster;               /* bytes per cluster */
	uint64_t fat_off;               /* the first FAT, from the partition's start */
	uint32_t fat_len;               /* its bytes */
	uint64_t root_off;              /* FAT12/16: the fixed root directory */
	uint32_t root_len;
	uint32_t root_clus;             /* FAT32: the root directory's first cluster */
	uint64_t data_off;              /* cluster 2 */
	uint32_t nclusters;             /* data clusters: 2 .. nclusters + 1 */
	/* one FAT sector, cached */
	uint8_t fatbuf[4096];
	uint64_t fatbuf_off;            /* UINT64_MAX: empty */
};

struct fat_file {
	uint32_t first;                 /* first cluster (0: empty file) */
	uint32_t size;
	bool dir;
	/* sequential reading: the cluster holding byte pos_clus_index * cluster */
	uint32_t cur_index, cur_clus;
};

/* Opens the FAT file system of an image of size bytes: partition part
 * (1-4) of its MBR, or with part 0 the first FAT partition (or, with no
 * partition table, a FAT file system from byte 0). 0, or -errno with why
 * filled (what is wrong with the image). */
int fat_open(struct fat_vol *v, fat_read_fn read, void *ctx, uint64_t size, int part, char *why, size_t whylen);

/* Finds path ("/config.txt", "overlays/x.dtbo"; case-insensitive, long or
 * 8.3 names) into f. 0, -ENOENT, -ENOTDIR, or -EIO/-EUCLEAN when the
 * file system lies (with why). */
int fat_lookup(struct fat_vol *v, const char *path, struct fat_file *f, char *why, size_t whylen);

/* Up to len bytes of f from off into buf: the count (0 at the end), or
 * -errno (-EUCLEAN: a broken chain). */
ssize_t fat_pread(struct fat_vol *v, struct fat_file *f, void *buf, size_t len, uint64_t off);

#endif

/* The files the TFTP server is sending, and what it has read of them
 * (server/tftp_file.c).
 *
 * A file is opened once however many clients read it: requests for the
 * same file (device, inode, size and mtime) share one entry, and its bytes
 * are read in 64 KiB chunks into one cache shared by every transfer, so
 * 64 Pis fetching the same kernel together cost one read of each chunk,
 * not 64 (and no syscall per block: one pread per chunk). The cache holds
 * TFTP_CACHE_BYTES, or one chunk more than there are transfers when that
 * is more: boards that power on within a second of each other read the
 * same files at different places, and an LRU smaller than their working
 * set would read a whole chunk again for every block (a boot storm of 50
 * lock-step Pis went at half dnsmasq's speed). Chunks no transfer is
 * sending from are dropped oldest first, their memory reused. A file replaced while being sent keeps its old
 * entry (the open descriptor) for the transfers already under way; new
 * requests see the new file. A file that shrinks under a transfer ends it
 * with an error rather than sending bytes that are not there. */
#ifndef NETROOT_SERVER_TFTP_FILE_H
#define NETROOT_SERVER_TFTP_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "fat.h"

#define TFTP_CHUNK (64u * 1024)         /* bytes read at once (>= the largest blksize, 65464) */
#define TFTP_CACHE_BYTES (4u << 20)     /* chunks kept at least (more while pinned, or with
                                         * more transfers than that holds chunks) */

struct tftp_chunk;

/* A file inside a FAT image (a board's boot partition, server/
 * tftp_board.c): read through fat_pread, never past that partition. */
struct tftp_fatsrc {
	int fd;                         /* the image */
	int ctx;                        /* fat_vol's read context: the fd */
	struct fat_vol v;
	struct fat_file ff;
};

struct tftp_file {
	int fd;
	dev_t dev;
	ino_t ino;
	uint64_t size;
	int64_t mtime_ns;
	uint32_t refs;                  /* transfers reading it */
	uint32_t nchunks;
	struct tftp_chunk **chunks;     /* by index; NULL: not in the cache */
	struct tftp_file *next;         /* the cache's list of open files */
	bool stale;                     /* replaced on disk: no new transfers */
	uint8_t *mem;                   /* a converted copy (netascii): served from here, fd -1 */
	struct tftp_fatsrc *fat;        /* a file inside a board's FAT partition: read from here, fd -1 */
};

#define TFTP_PINS_MAX 256       /* chunk pins held at once (a window of 64 blocks needs <= 128) */

struct tftp_cache {
	struct tftp_file *files;
	struct tftp_chunk *lru_head, *lru_tail;   /* unpinned chunks, oldest first */
	size_t bytes;                   /* in chunks now */
	uint32_t readers;               /* transfers holding an entry (its budget: one chunk each) */
	struct tftp_chunk *pinned[TFTP_PINS_MAX];
	int npinned;
	uint64_t reads, hits;           /* preads done / chunk lookups served from memory */
};

/* The shared entry for the open regular file fd (which it takes: closed
 * when an entry for the same file exists already). NULL on ENOMEM (fd
 * closed). */
struct tftp_file *tftp_file_get(struct tftp_cache *c, int fd, const struct stat *st);
void tftp_file_put(struct tftp_cache *c, struct tftp_file *f);

#define TFTP_NETASCII_MAX (4u << 20)    /* bytes of a file sent as netascii */

/* Pure: RFC 764's netascii of in (LF -> CR LF, CR -> CR NUL) into out
 * (room for 2 * n). Its length. */
size_t tftp_netascii(const uint8_t *in, size_t n, uint8_t *out);

/* A netascii transfer's own entry: the file (fd, taken and closed) read
 * whole and converted. NULL with *err: -EFBIG past TFTP_NETASCII_MAX,
 * -ENOMEM, or the read's error. */
struct tftp_file *tftp_file_netascii(struct tftp_cache *c, int fd, const struct stat *st, int *err);

/* The entry for a file inside a FAT image (src taken, freed with the
 * entry): its own, never shared (a board's own disk, parsed again on
 * every request). With netascii, read whole and converted as above
 * (*err -EFBIG past TFTP_NETASCII_MAX). NULL with *err (src freed). */
struct tftp_file *tftp_file_fat(struct tftp_cache *c, struct tftp_fatsrc *src, bool netascii, int *err);

/* The bytes [off, off + len) of f (len <= TFTP_CHUNK, within the file's
 * size) as one or two iovec segments into the cache, their chunks pinned
 * until tftp_cache_unpin(). The segments' count, or -errno (-EIO when the
 * file is shorter now than when it was opened, -ENOBUFS with too many
 * pins). */
int tftp_file_bytes(struct tftp_cache *c, struct tftp_file *f, uint64_t off, uint32_t len, struct iovec iov[2]);

/* Unpins every chunk tftp_file_bytes pinned (after the send). */
void tftp_cache_unpin(struct tftp_cache *c);

/* Frees everything (at exit). */
void tftp_cache_clear(struct tftp_cache *c);

#endif

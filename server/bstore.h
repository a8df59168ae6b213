/* A LUN's backing store (server/bstore.c): the interface the SCSI layer
 * reads and writes through, so nothing above it assumes a local file. Two
 * kinds now: a (sparse) image file and a block device; a Ceph RBD store
 * is to come behind the same operations. */
#ifndef NETROOT_SERVER_BSTORE_H
#define NETROOT_SERVER_BSTORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct bstore;

struct bstore_ops {
	int (*read)(struct bstore *b, void *buf, size_t len, uint64_t off);           /* 0 or -errno */
	int (*write)(struct bstore *b, const void *buf, size_t len, uint64_t off, bool fua);
	int (*flush)(struct bstore *b);                                                 /* durable */
	int (*discard)(struct bstore *b, uint64_t off, uint64_t len);                   /* reads as zeros after */
	/* from off: whether it is mapped (holds data) and for how many bytes
	 * it stays so (up to the end). 0 or -errno. */
	int (*mapping)(struct bstore *b, uint64_t off, bool *mapped, uint64_t *len);
	/* read/write (no FUA) only if it needs no waiting (data in memory):
	 * 0, or -EAGAIN (nothing to be assumed done: do it with read/write
	 * on a worker). NULL: always -EAGAIN. A file store whose file system
	 * cannot do RWF_NOWAIT writes writes through the page cache here
	 * (waiting, at most, for the kernel's dirty-data throttling). */
	int (*try_read)(struct bstore *b, void *buf, size_t len, uint64_t off);
	int (*try_write)(struct bstore *b, const void *buf, size_t len, uint64_t off);
};

struct bstore {
	const struct bstore_ops *ops;
	int fd;
	uint64_t size;                  /* bytes */
	bool readonly;
	bool is_blockdev;
	bool can_discard;
	bool no_nowait_read, no_nowait_write;  /* RWF_NOWAIT refused here: try_* always -EAGAIN */
};

/* Opens path (a regular file or a block device). 0, or -errno with msg. */
int bstore_open(struct bstore *b, const char *path, bool readonly, char *msg, size_t msglen);
void bstore_close(struct bstore *b);

#endif

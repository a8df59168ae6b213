#include "bstore.h"

#include <errno.h>
#include <stdint.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

static int f_read(struct bstore *b, void *buf, size_t len, uint64_t off)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = pread(b->fd, (char *)buf + got, len - got, (off_t)(off + got));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0) {   /* past the end of a file that shrank: zeros */
			memset((char *)buf + got, 0, len - got);
			return 0;
		}
		got += (size_t)n;
	}
	return 0;
}

static int f_write(struct bstore *b, const void *buf, size_t len, uint64_t off, bool fua)
{
	size_t put = 0;

	while (put < len) {
		ssize_t n = pwrite(b->fd, (const char *)buf + put, len - put, (off_t)(off + put));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		put += (size_t)n;
	}
	/* FUA: this write durable before its status (sync_file_range would
	 * not cover the file's metadata; fdatasync does) */
	return fua && fdatasync(b->fd) != 0 ? -errno : 0;
}

/* preadv2/pwritev2 with RWF_NOWAIT: done only if no disk I/O (or lock)
 * must be waited for. musl 1.2.3 has no wrapper; 64-bit: pos_h is 0.
 * ext4 (Linux 6.18 here) refuses RWF_NOWAIT for buffered writes. */
#define NR_RWF_NOWAIT 0x00000008

static int f_try(struct bstore *b, void *buf, size_t len, uint64_t off, bool write)
{
	struct iovec v = { buf, len };
	long n;

	if (write && b->no_nowait_write)
		return f_write(b, buf, len, off, false);
	if (!write && b->no_nowait_read)
		return -EAGAIN;
	n = syscall(write ? SYS_pwritev2 : SYS_preadv2, b->fd, &v, 1, (long)off, 0L, NR_RWF_NOWAIT);
	if (n == (long)len)
		return 0;
	if (n < 0 && (errno == EOPNOTSUPP || errno == ENOSYS || errno == EINVAL)) {
		/* This kernel or file system cannot. A read goes to the workers
		 * from now on. A write without FUA is done here, buffered: it
		 * copies into the page cache and can wait only when the kernel
		 * throttles a writer with too much dirty data, which is the
		 * back-pressure this initiator should get; handing every write
		 * to a worker cost a third of the write IOPS (bench/iscsi-target
		 * on ext4: 86k inline, 54k through the workers). */
		if (write) {
			b->no_nowait_write = true;
			return f_write(b, buf, len, off, false);
		}
		b->no_nowait_read = true;
	}
	return -EAGAIN;         /* would block, short, or an error the workers will see again */
}

static int f_try_read(struct bstore *b, void *buf, size_t len, uint64_t off)
{
	return f_try(b, buf, len, off, false);
}

static int f_try_write(struct bstore *b, const void *buf, size_t len, uint64_t off)
{
	return f_try(b, (void *)(uintptr_t)buf, len, off, true);
}

static int f_flush(struct bstore *b)
{
	return fdatasync(b->fd) != 0 ? -errno : 0;
}

static int f_discard(struct bstore *b, uint64_t off, uint64_t len)
{
	if (b->is_blockdev) {
		uint64_t r[2] = { off, len };

		return ioctl(b->fd, BLKDISCARD, r) != 0 ? -errno : 0;
	}
	return fallocate(b->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)off, (off_t)len) != 0 ? -errno : 0;
}

static int f_mapping(struct bstore *b, uint64_t off, bool *mapped, uint64_t *len)
{
	off_t d, h;

	if (b->is_blockdev || off >= b->size) {
		*mapped = true;
		*len = b->size - (off < b->size ? off : b->size);
		return 0;
	}
	d = lseek(b->fd, (off_t)off, SEEK_DATA);
	if (d < 0 && errno == ENXIO) {          /* no data after off: a hole to the end */
		*mapped = false;
		*len = b->size - off;
		return 0;
	}
	if (d < 0)
		return -errno;
	if ((uint64_t)d > off) {
		*mapped = false;
		*len = (uint64_t)d - off;
		return 0;
	}
	h = lseek(b->fd, (off_t)off, SEEK_HOLE);
	if (h < 0)
		return -errno;
	*mapped = true;
	*len = (uint64_t)h - off;
	return 0;
}

static const struct bstore_ops file_ops = { f_read, f_write, f_flush, f_discard, f_mapping, f_try_read, f_try_write };

int bstore_open(struct bstore *b, const char *path, bool readonly, char *msg, size_t msglen)
{
	struct stat st;

	memset(b, 0, sizeof(*b));
	b->fd = open(path, (readonly ? O_RDONLY : O_RDWR) | O_CLOEXEC);
	if (b->fd < 0 || fstat(b->fd, &st) != 0) {
		int e = errno;

		snprintf(msg, msglen, "iSCSI image %s: %s", path, strerror(e));
		if (b->fd >= 0)
			close(b->fd);
		b->fd = -1;
		return -e;
	}
	b->ops = &file_ops;
	b->readonly = readonly;
	if (S_ISBLK(st.st_mode)) {
		b->is_blockdev = true;
		if (ioctl(b->fd, BLKGETSIZE64, &b->size) != 0)
			b->size = 0;
		b->can_discard = !readonly;
	} else if (S_ISREG(st.st_mode)) {
		b->size = (uint64_t)st.st_size;
		b->can_discard = !readonly;
	} else {
		snprintf(msg, msglen, "iSCSI image %s: neither a regular file nor a block device", path);
		close(b->fd);
		b->fd = -1;
		return -EINVAL;
	}
	if (b->size < 4096) {
		snprintf(msg, msglen, "iSCSI image %s: %llu bytes, too small for a disk", path,
			 (unsigned long long)b->size);
		close(b->fd);
		b->fd = -1;
		return -EINVAL;
	}
	return 0;
}

void bstore_close(struct bstore *b)
{
	if (b->fd >= 0)
		close(b->fd);
	b->fd = -1;
}

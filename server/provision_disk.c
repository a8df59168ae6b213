/* The golden image: its MBR and ext4 superblock read through the bounded
 * cursor, its FAT checked with server/fat.c; clones (FICLONE, else a sparse
 * copy) and .img.xz input. */
#include "provision.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buf.h"
#include "fat.h"
#include "fileio.h"

#define SECTOR       512u
#define MBR_SIG_OFF  510
#define MBR_ID_OFF   440
#define MBR_PART_OFF 446
#define EXT_SB_OFF   1024u              /* the superblock, from the partition's start */
#define EXT_SB_LEN   1024u
#define EXT_MAGIC    0xef53
#define COPY_CHUNK   (1u << 20)
#define ZERO_BLOCK   4096u              /* holes are made block by block */
#ifndef FICLONE
#define FICLONE      _IOW(0x94, 9, int) /* <linux/fs.h>, whose ioctl macros clash with musl's */
#endif

struct mbr_part {
	uint8_t type;
	uint32_t start, count;
};

static int mbr_entry(struct rbuf b, int i, struct mbr_part *p)
{
	uint8_t status;

	if (rb_skip(&b, MBR_PART_OFF + 16u * (unsigned)i) < 0 || rb_u8(&b, &status) < 0 || rb_skip(&b, 3) < 0 ||
	    rb_u8(&b, &p->type) < 0 || rb_skip(&b, 3) < 0 || rb_le32(&b, &p->start) < 0 || rb_le32(&b, &p->count) < 0)
		return -EINVAL;
	return 0;
}

static int bad(char *why, size_t wl, const char *msg)
{
	snprintf(why, wl, "%s", msg);
	return -EINVAL;
}

int prov_mbr_parse(const uint8_t *mbr, size_t len, uint64_t size, struct prov_geom *g, char *why, size_t wl)
{
	struct rbuf b = rb_init(mbr, len), s = b, id = b;
	struct mbr_part p[2];
	uint16_t sig;

	memset(g, 0, sizeof(*g));
	g->size = size;
	if (size < SECTOR || len < SECTOR)
		return bad(why, wl, "shorter than one sector: not a disk image");
	if (rb_skip(&s, MBR_SIG_OFF) < 0 || rb_le16(&s, &sig) < 0 || sig != 0xaa55)
		return bad(why, wl, "no MBR partition table (no 55 aa signature in sector 0): netroot wants a "
			   "Raspberry Pi OS style image (MBR, FAT boot partition 1, ext4 root partition 2)");
	if (rb_skip(&id, MBR_ID_OFF) < 0 || rb_le32(&id, &g->disk_id) < 0)
		return -EINVAL;
	for (int i = 0; i < 2; i++) {
		uint64_t end;

		if (mbr_entry(b, i, &p[i]) < 0)
			return -EINVAL;
		if (p[i].type == 0xee)
			return bad(why, wl, "a GPT disk (protective MBR): netroot wants an MBR image like Raspberry Pi OS's");
		if (p[i].type == 0 || p[i].count == 0) {
			snprintf(why, wl, "partition %d is empty: a Raspberry Pi OS image has the FAT boot partition "
				 "as 1 and the ext4 root as 2", i + 1);
			return -EINVAL;
		}
		end = ((uint64_t)p[i].start + p[i].count) * SECTOR;
		if (end > size) {
			snprintf(why, wl, "partition %d (sectors %u to %llu) ends beyond the end of the file (%llu bytes): "
				 "a truncated image? (download or decompress it again)", i + 1, p[i].start,
				 (unsigned long long)p[i].start + p[i].count - 1, (unsigned long long)size);
			return -EINVAL;
		}
	}
	switch (p[0].type) {
	case 0x06: case 0x0b: case 0x0c: case 0x0e:
		break;
	default:
		snprintf(why, wl, "partition 1 has type 0x%02x, not FAT (0x06, 0x0b, 0x0c or 0x0e): it must be the "
			 "boot partition", p[0].type);
		return -EINVAL;
	}
	if (p[1].type != 0x83) {
		snprintf(why, wl, "partition 2 has type 0x%02x, not Linux (0x83): it must be the ext4 root", p[1].type);
		return -EINVAL;
	}
	g->boot_type = p[0].type;
	g->boot_off = (uint64_t)p[0].start * SECTOR;
	g->boot_len = (uint64_t)p[0].count * SECTOR;
	g->root_off = (uint64_t)p[1].start * SECTOR;
	g->root_len = (uint64_t)p[1].count * SECTOR;
	if (g->boot_off < g->root_off + g->root_len && g->root_off < g->boot_off + g->boot_len)
		return bad(why, wl, "partitions 1 and 2 overlap");
	return 0;
}

int prov_ext4_parse(const uint8_t *sb, size_t len, struct prov_geom *g, char *why, size_t wl)
{
	struct rbuf b = rb_init(sb, len), m = b, u = b, l = b;
	uint16_t magic;
	uint8_t id[16];
	char label[17];

	if (rb_skip(&m, 56) < 0 || rb_le16(&m, &magic) < 0 || magic != EXT_MAGIC)
		return bad(why, wl, "partition 2 holds no ext2/3/4 file system (no superblock magic ef53): "
			   "the root must be ext4");
	if (rb_skip(&u, 104) < 0 || rb_bytes(&u, id, 16) < 0 || rb_skip(&l, 120) < 0 || rb_bytes(&l, label, 16) < 0)
		return bad(why, wl, "partition 2: a short superblock");
	label[16] = '\0';
	snprintf(g->uuid, sizeof(g->uuid),
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", id[0], id[1], id[2], id[3],
		 id[4], id[5], id[6], id[7], id[8], id[9], id[10], id[11], id[12], id[13], id[14], id[15]);
	for (int i = 0; i < 16 && label[i]; i++)
		if (label[i] < 0x20 || label[i] > 0x7e)
			label[i] = '?';
	memcpy(g->label, label, sizeof(g->label));
	return 0;
}

int prov_image_check(const char *path, struct prov_geom *g, char *why, size_t wl)
{
	uint8_t mbr[SECTOR], sb[EXT_SB_LEN];
	char fwhy[200];
	struct fat_vol *v;
	struct stat st;
	int fd, r;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		snprintf(why, wl, "cannot open it: %s", strerror(errno));
		return r;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return bad(why, wl, "not a regular file");
	}
	r = pread(fd, mbr, sizeof(mbr), 0) == (ssize_t)sizeof(mbr) ? 0 : -1;
	if (r < 0 || (r = prov_mbr_parse(mbr, sizeof(mbr), (uint64_t)st.st_size, g, why, wl)) < 0) {
		if (r == -1)
			bad(why, wl, "shorter than one sector: not a disk image");
		close(fd);
		return -EINVAL;
	}
	if (g->root_len < EXT_SB_OFF + EXT_SB_LEN ||
	    pread(fd, sb, sizeof(sb), (off_t)(g->root_off + EXT_SB_OFF)) != (ssize_t)sizeof(sb) ||
	    prov_ext4_parse(sb, sizeof(sb), g, why, wl) < 0) {
		if (g->root_len < EXT_SB_OFF + EXT_SB_LEN)
			bad(why, wl, "partition 2 is too small for a file system");
		close(fd);
		return -EINVAL;
	}
	v = malloc(sizeof(*v));
	if (!v) {
		close(fd);
		return -ENOMEM;
	}
	r = fat_open(v, fat_read_fd, &fd, (uint64_t)st.st_size, 1, fwhy, sizeof(fwhy));
	free(v);
	close(fd);
	if (r < 0) {
		snprintf(why, wl, "partition 1 holds no FAT file system (%s): it must be the boot partition", fwhy);
		return -EINVAL;
	}
	return 0;
}

static bool all_zero(const uint8_t *p, size_t n)
{
	return n == 0 || (p[0] == 0 && !memcmp(p, p + 1, n - 1));
}

/* n bytes of buf at off, all-zero blocks skipped (the file was sized
 * beforehand, so they read back as zeros). */
static int write_sparse(int fd, const uint8_t *buf, size_t n, uint64_t off)
{
	for (size_t i = 0; i < n; i += ZERO_BLOCK) {
		size_t k = n - i < ZERO_BLOCK ? n - i : ZERO_BLOCK;

		if (all_zero(buf + i, k))
			continue;
		for (size_t w = 0; w < k;) {
			ssize_t r = pwrite(fd, buf + i + w, k - w, (off_t)(off + i + w));

			if (r < 0) {
				if (errno == EINTR)
					continue;
				return -errno;
			}
			w += (size_t)r;
		}
	}
	return 0;
}

/* [off, end) of src into dst at the same offsets: copy_file_range (the
 * kernel's copy, which may share blocks), else read + sparse write. */
static int copy_range(int sfd, int dfd, uint64_t off, uint64_t end, uint8_t *buf)
{
	bool plain = false;

	while (off < end) {
		size_t want = end - off > COPY_CHUNK ? COPY_CHUNK : (size_t)(end - off);
		ssize_t n;

		if (!plain) {
			loff_t i = (loff_t)off, o = (loff_t)off;

			n = copy_file_range(sfd, &i, dfd, &o, want, 0);
			if (n < 0 && (errno == EXDEV || errno == ENOSYS || errno == EINVAL || errno == EOPNOTSUPP)) {
				plain = true;
				continue;
			}
		} else {
			n = pread(sfd, buf, want, (off_t)off);
			if (n > 0) {
				int r = write_sparse(dfd, buf, (size_t)n, off);

				if (r < 0)
					return r;
			}
		}
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -EIO;    /* the source shrank under us */
		off += (uint64_t)n;
	}
	return 0;
}

int prov_clone(const char *src, const char *dst, bool *reflinked, char *why, size_t wl)
{
	struct stat st;
	uint8_t *buf = NULL;
	uint64_t off = 0;
	int sfd, dfd, r = 0;

	*reflinked = false;
	sfd = open(src, O_RDONLY | O_CLOEXEC);
	if (sfd < 0 || fstat(sfd, &st) < 0) {
		r = -errno;
		snprintf(why, wl, "cannot read %s: %s", src, strerror(errno));
		if (sfd >= 0)
			close(sfd);
		return r;
	}
	dfd = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (dfd < 0) {
		r = -errno;
		snprintf(why, wl, "cannot create %s: %s", dst, strerror(errno));
		close(sfd);
		return r;
	}
	if (ioctl(dfd, FICLONE, sfd) == 0) {
		*reflinked = true;
		goto out_sync;
	}
	if (errno != EOPNOTSUPP && errno != EXDEV && errno != EINVAL && errno != ENOTTY && errno != EPERM) {
		r = -errno;
		snprintf(why, wl, "FICLONE %s -> %s: %s", src, dst, strerror(errno));
		goto out_close;
	}
	/* no shared blocks here: a sparse copy, data extent by data extent */
	buf = malloc(COPY_CHUNK);
	if (!buf) {
		r = -ENOMEM;
		goto out_close;
	}
	if (ftruncate(dfd, st.st_size) < 0) {
		r = -errno;
		snprintf(why, wl, "cannot size %s to %lld bytes: %s", dst, (long long)st.st_size, strerror(errno));
		goto out_close;
	}
	while (off < (uint64_t)st.st_size) {
		off_t d = lseek(sfd, (off_t)off, SEEK_DATA), h;

		if (d < 0) {
			if (errno == ENXIO)
				break;          /* only a hole is left */
			d = (off_t)off;         /* no SEEK_DATA: all of it */
			h = st.st_size;
		} else {
			h = lseek(sfd, d, SEEK_HOLE);
			if (h < 0)
				h = st.st_size;
		}
		r = copy_range(sfd, dfd, (uint64_t)d, (uint64_t)h, buf);
		if (r < 0) {
			snprintf(why, wl, "copying %s to %s: %s", src, dst, strerror(-r));
			goto out_close;
		}
		off = (uint64_t)h;
	}
out_sync:
	if (fsync(dfd) < 0) {
		r = -errno;
		snprintf(why, wl, "writing %s: %s", dst, strerror(errno));
	}
out_close:
	free(buf);
	close(dfd);
	close(sfd);
	if (r < 0)
		unlink(dst);
	return r;
}

int prov_unxz(const char *src, const char *dst, char *why, size_t wl)
{
	const char *argv[] = { "xz", "-dc", "--", src, NULL };
	char err[512] = "";
	uint8_t *buf;
	uint64_t off = 0;
	int p[2], dfd, efd, r = 0, st;
	pid_t pid;

	if (access(src, R_OK) < 0) {
		r = -errno;
		snprintf(why, wl, "cannot read %s: %s", src, strerror(errno));
		return r;
	}
	buf = malloc(COPY_CHUNK);
	if (!buf)
		return -ENOMEM;
	dfd = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (dfd < 0) {
		r = -errno;
		snprintf(why, wl, "cannot create %s: %s", dst, strerror(errno));
		free(buf);
		return r;
	}
	efd = memfd_create("xz-stderr", MFD_CLOEXEC);
	if (efd < 0 || pipe2(p, O_CLOEXEC) < 0) {
		r = -errno;
		goto out;
	}
	r = prov_spawn(argv, p[1], efd, &pid);
	close(p[1]);
	if (r < 0) {
		close(p[0]);
		snprintf(why, wl, "cannot run xz (package xz-utils): %s", strerror(-r));
		goto out;
	}
	for (;;) {
		size_t have = 0;
		ssize_t n = 0;

		/* whole chunks, so the zero test sees whole blocks */
		while (have < COPY_CHUNK && (n = read(p[0], buf + have, COPY_CHUNK - have)) != 0) {
			if (n < 0) {
				if (errno == EINTR)
					continue;
				break;
			}
			have += (size_t)n;
		}
		if (n < 0) {
			r = -errno;
			break;
		}
		if (have && (r = write_sparse(dfd, buf, have, off)) < 0)
			break;
		off += have;
		if (have < COPY_CHUNK)
			break;
	}
	close(p[0]);
	st = prov_wait(pid);
	if (r == 0 && st != 0) {
		ssize_t n = pread(efd, err, sizeof(err) - 1, 0);

		err[n > 0 ? n : 0] = '\0';
		err[strcspn(err, "\n")] = '\0';
		snprintf(why, wl, "xz -dc %s failed (exit %d): %s", src, st, err);
		r = -EIO;
		goto out;
	}
	if (r == 0 && (ftruncate(dfd, (off_t)off) < 0 || fsync(dfd) < 0))
		r = -errno;
	if (r < 0)
		snprintf(why, wl, "decompressing %s into %s: %s", src, dst, strerror(-r));
out:
	if (efd >= 0)
		close(efd);
	close(dfd);
	free(buf);
	if (r < 0)
		unlink(dst);
	return r;
}

uint64_t prov_allocated(const char *path, uint64_t *size)
{
	struct stat st;

	if (stat(path, &st) < 0) {
		if (size)
			*size = 0;
		return 0;
	}
	if (size)
		*size = (uint64_t)st.st_size;
	return (uint64_t)st.st_blocks * 512;
}

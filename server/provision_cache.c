/* The netroot initramfs images client add builds, kept by content
 * (STATE/initrd-cache/<sha256>.img): netroot-mkinitramfs is deterministic
 * (the same inputs give the same bytes), so a second board from the same
 * image, with the same netroot-init and the same options, gets a copy of
 * the first one's instead of another build (about 0.9 s each, two per Pi
 * OS image). The key is a SHA-256 over every input: the builder's words
 * and the bytes of every file it reads. */
#include "provision.h"

#include <errno.h>
#include <fcntl.h>
#include <nettle/sha2.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"

/* One element, length first, so that no two inputs hash alike. */
static void put(struct sha256_ctx *h, const void *p, size_t n)
{
	uint8_t len[8];

	for (int i = 0; i < 8; i++)
		len[i] = (uint8_t)((uint64_t)n >> (8 * i));
	sha256_update(h, sizeof(len), len);
	sha256_update(h, n, p);
}

static int put_file(struct sha256_ctx *h, const char *path)
{
	static uint8_t buf[1 << 16];
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	uint64_t left;

	if (fd < 0 || fstat(fd, &st) < 0) {
		int e = errno;

		if (fd >= 0)
			close(fd);
		return -e;
	}
	put(h, path, 0);        /* a separator: the length alone */
	left = (uint64_t)st.st_size;
	put(h, &left, sizeof(left));
	while (left > 0) {
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			close(fd);
			return n < 0 ? -errno : -EIO;
		}
		sha256_update(h, (size_t)n, buf);
		left -= (uint64_t)n > left ? left : (uint64_t)n;
	}
	close(fd);
	return 0;
}

int prov_cache_key(const char *const *words, int nwords, const char *const *files, int nfiles, char hex[65])
{
	struct sha256_ctx h;
	uint8_t d[SHA256_DIGEST_SIZE];

	sha256_init(&h);
	put(&h, "netroot-initrd-cache-1", 22);
	for (int i = 0; i < nwords; i++)
		put(&h, words[i] ? words[i] : "", words[i] ? strlen(words[i]) : 0);
	for (int i = 0; i < nfiles; i++) {
		int r = put_file(&h, files[i]);

		if (r < 0)
			return r;
	}
	sha256_digest(&h, sizeof(d), d);
	for (size_t i = 0; i < sizeof(d); i++)
		snprintf(hex + 2 * i, 3, "%02x", d[i]);
	return 0;
}

/* from into a new file to (0644). 0 or -errno. */
static int copy_file(const char *from, const char *to)
{
	static uint8_t buf[1 << 16];
	int in = open(from, O_RDONLY | O_CLOEXEC), out, r = 0;

	if (in < 0)
		return -errno;
	out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (out < 0) {
		r = -errno;
		close(in);
		return r;
	}
	for (;;) {
		ssize_t n = read(in, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			r = -errno;
		if (n <= 0 || (r = write_full(out, buf, (size_t)n)) < 0)
			break;
	}
	if (close(out) < 0 && r == 0)
		r = -errno;
	close(in);
	if (r < 0)
		unlink(to);
	return r;
}

int prov_cache_get(const char *dir, const char *hex, const char *out)
{
	char p[PATH_LEN + 96];
	struct stat st;

	snprintf(p, sizeof(p), "%s/%s.img", dir, hex);
	if (stat(p, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size == 0)
		return -ENOENT;
	return copy_file(p, out);
}

void prov_cache_put(const char *dir, const char *hex, const char *path)
{
	char p[PATH_LEN + 96], tmp[PATH_LEN + 112];

	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return;         /* no cache: the next board builds its own */
	snprintf(p, sizeof(p), "%s/%s.img", dir, hex);
	snprintf(tmp, sizeof(tmp), "%s/.%s.%d", dir, hex, (int)getpid());
	if (copy_file(path, tmp) == 0 && rename(tmp, p) < 0)
		unlink(tmp);
}

#include "tftp_board.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "text.h"
#include "tftp_path.h"
#include "tftp_proto.h"

/* "ab12cd34" (case-insensitive): the serial. */
static bool serial_is(const char *p, size_t n, uint32_t serial)
{
	uint32_t v = 0;

	if (n != 8)
		return false;
	for (size_t i = 0; i < n; i++) {
		int d = text_hexval(p[i]);

		if (d < 0)
			return false;
		v = v << 4 | (uint32_t)d;
	}
	return v == serial;
}

/* "dc-a6-32-01-02-03" (case-insensitive): the MAC. */
static bool mac_is(const char *p, size_t n, const uint8_t mac[6])
{
	if (n != 17)
		return false;
	for (int i = 0; i < 6; i++) {
		int hi = text_hexval(p[3 * i]), lo = text_hexval(p[3 * i + 1]);

		if (hi < 0 || lo < 0 || (i < 5 && p[3 * i + 2] != '-') || (uint8_t)(hi << 4 | lo) != mac[i])
			return false;
	}
	return true;
}

const struct nrd_client *tftp_board_find(const struct nrd_client *cl, int n, const char *name, const uint8_t *mac,
					 const char **rest, bool *refused)
{
	const char *slash = strchr(name, '/');
	const struct nrd_client *by_mac = NULL;

	*refused = false;
	*rest = name;
	for (int i = 0; mac && i < n; i++)
		if (cl[i].has_mac && !memcmp(cl[i].mac, mac, 6))
			by_mac = &cl[i];
	if (slash) {
		size_t len = (size_t)(slash - name);

		for (int i = 0; i < n; i++) {
			const struct nrd_client *b = &cl[i];

			if (!(b->has_serial && serial_is(name, len, b->serial)) && !(b->has_mac && mac_is(name, len, b->mac)))
				continue;
			/* the prefix names b: only b may ask for it */
			if ((b->has_mac && (!mac || memcmp(b->mac, mac, 6))) || (by_mac && by_mac != b)) {
				*refused = true;
				return NULL;
			}
			*rest = slash + 1;
			return b->boot_files != BOOT_FILES_NONE ? b : NULL;
		}
	}
	return by_mac && by_mac->boot_files != BOOT_FILES_NONE ? by_mac : NULL;
}

static int open_in_image(const struct nrd_client *b, const char *rest, struct tftp_fatsrc **out, char *why,
			 size_t whylen)
{
	struct tftp_fatsrc *s = calloc(1, sizeof(*s));
	char fw[160];
	struct stat st;
	int r;

	if (!s) {
		snprintf(why, whylen, "out of memory");
		return TFTP_ENOTFOUND;
	}
	s->fd = open(b->iscsi_image, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (s->fd < 0 || fstat(s->fd, &st) != 0) {
		snprintf(why, whylen, "%s's disk %s cannot be opened: %s", b->name, b->iscsi_image, strerror(errno));
		goto fail;
	}
	if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode)) {
		snprintf(why, whylen, "%s's disk %s is not a file or a block device", b->name, b->iscsi_image);
		goto fail;
	}
	if (S_ISBLK(st.st_mode)) {
		off_t end = lseek(s->fd, 0, SEEK_END);

		st.st_size = end > 0 ? end : 0;
	}
	s->ctx = s->fd;
	r = fat_open(&s->v, fat_read_fd, &s->ctx, (uint64_t)st.st_size, 0, fw, sizeof(fw));
	if (r < 0 && !b->boot_explicit) {       /* by default only: a disk with no boot partition */
		close(s->fd);
		free(s);
		return -ENOENT;
	}
	if (r < 0) {
		snprintf(why, whylen, "%s's disk %s: no boot partition to serve from: %s", b->name, b->iscsi_image, fw);
		goto fail;
	}
	fw[0] = '\0';
	r = fat_lookup(&s->v, rest, &s->ff, fw, sizeof(fw));
	if (r == -ENOENT || r == -ENOTDIR) {
		close(s->fd);
		free(s);
		return -ENOENT;
	}
	if (r < 0) {
		snprintf(why, whylen, "%s's boot partition: %s", b->name, fw[0] ? fw : strerror(-r));
		goto fail;
	}
	if (s->ff.dir) {
		snprintf(why, whylen, "a directory, not a file");
		goto fail;
	}
	*out = s;
	return 0;
fail:
	if (s->fd >= 0)
		close(s->fd);
	free(s);
	return TFTP_ENOTFOUND;
}

int tftp_board_open(const struct nrd_client *b, const char *rest, int *fd, struct stat *st, struct tftp_fatsrc **fat,
		    char *why, size_t whylen)
{
	int dfd, f;

	*fd = -1;
	*fat = NULL;
	if (b->boot_files == BOOT_FILES_IMAGE)
		return open_in_image(b, rest, fat, why, whylen);
	dfd = open(b->boot_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		snprintf(why, whylen, "%s's boot directory %s: %s", b->name, b->boot_dir, strerror(errno));
		return TFTP_ENOTFOUND;
	}
	f = tftp_open_beneath(dfd, rest);
	close(dfd);
	if (f == -ENOENT || f == -ENOTDIR)
		return -ENOENT;
	if (f < 0) {
		snprintf(why, whylen, "%s", f == -EXDEV ? "refused: a link leading out of the board's boot directory"
			 : strerror(-f));
		return f == -EXDEV || f == -EACCES ? TFTP_EACCESS : TFTP_ENOTFOUND;
	}
	if (fstat(f, st) != 0 || !S_ISREG(st->st_mode)) {
		close(f);
		snprintf(why, whylen, "not a regular file");
		return TFTP_EACCESS;
	}
	*fd = f;
	return 0;
}

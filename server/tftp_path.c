#include "tftp_path.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "text.h"
#include "tftp_proto.h"

#define OPEN_FLAGS (O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)

int tftp_name_check(const char *name, char *why, size_t whylen)
{
	const char *c = name;
	const char *bad = NULL;

	if (name[0] == '/')
		bad = "the name is absolute (names are relative to the TFTP root)";
	for (const char *p = name; !bad && *p; p++) {
		unsigned char b = (unsigned char)*p;

		if (b == '\\')
			bad = "the name has a backslash";
		else if (b == '%')
			bad = "the name has a '%' (percent-encoding is not decoded)";
		else if (b < 0x20 || b == 0x7f)
			bad = "the name has a control byte";
	}
	while (!bad) {
		const char *e = strchr(c, '/');
		size_t n = e ? (size_t)(e - c) : strlen(c);

		if (n == 0)
			bad = e || c == name ? "the name has an empty component" : "the name has a trailing '/'";
		else if ((n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
			bad = "the name has a '.' or '..' component";
		if (!e)
			break;
		c = e + 1;
	}
	if (!bad)
		return 0;
	snprintf(why, whylen, "refused: %s", bad);
	return TFTP_EACCESS;
}

/* path beneath dirfd, no escape (RESOLVE_BENEATH); without openat2 (Linux
 * < 5.6), no symbolic link at all beneath dirfd. fd or -errno. */
int tftp_open_beneath(int dirfd, const char *path)
{
	struct open_how how = { .flags = OPEN_FLAGS, .resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS };
	long fd = syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
	char comp[TFTP_NAME_MAX + 1];
	const char *p = path;
	int cur;

	if (fd >= 0)
		return (int)fd;
	if (errno != ENOSYS)
		return -errno;
	cur = dup(dirfd);
	while (cur >= 0) {
		const char *e = strchr(p, '/');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		int next;

		memcpy(comp, p, n);
		comp[n] = '\0';
		next = openat(cur, comp, e ? O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC : OPEN_FLAGS | O_NOFOLLOW);
		close(cur);
		if (next < 0)
			return errno == ELOOP ? -EXDEV : -errno;
		if (!e)
			return next;
		cur = next;
		p = e + 1;
	}
	return -errno;
}

/* name by the top-level rule. fd or -errno; *fell: the fallback served it. */
static int open_top(int rootfd, const char *name, bool fallback, bool *fell)
{
	const char *slash = strchr(name, '/');
	char first[TFTP_NAME_MAX + 1];
	int dfd, fd;

	if (!slash) {
		fd = openat(rootfd, name, OPEN_FLAGS);    /* a top-level link: the administrator's */
		return fd >= 0 ? fd : -errno;
	}
	memcpy(first, name, (size_t)(slash - name));
	first[slash - name] = '\0';
	dfd = openat(rootfd, first, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	fd = tftp_open_beneath(dfd, slash + 1);
	close(dfd);
	if (fd == -ENOENT && fallback) {
		fd = open_top(rootfd, slash + 1, false, fell);
		if (fd >= 0)
			*fell = true;
		else
			fd = -ENOENT;
	}
	return fd;
}

static int open_error(int e, char *why, size_t whylen)
{
	switch (e) {
	case ENOENT:
	case ENOTDIR:
		snprintf(why, whylen, "file not found");
		return TFTP_ENOTFOUND;
	case EXDEV:
	case ELOOP:
		snprintf(why, whylen, "refused: it leads out of its directory (a symbolic link?)");
		return TFTP_EACCESS;
	case EACCES:
	case EPERM:
		snprintf(why, whylen, "permission denied (the file must be readable by netrootd's user)");
		return TFTP_EACCESS;
	default:
		snprintf(why, whylen, "cannot open: %s", strerror(e));
		return TFTP_EUNDEF;
	}
}

int tftp_create_dir(int rootfd, const char *name, int *dirfd, char *base, size_t baselen, char *why, size_t whylen)
{
	const char *slash = strchr(name, '/'), *last = strrchr(name, '/');
	char part[TFTP_NAME_MAX + 1];
	struct stat st;
	int r = tftp_name_check(name, why, whylen), dfd;

	if (r)
		return r;
	if (!slash) {
		dfd = openat(rootfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	} else {
		int cfd;

		memcpy(part, name, (size_t)(slash - name));
		part[slash - name] = '\0';
		cfd = openat(rootfd, part, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (cfd < 0)
			return open_error(errno, why, whylen);
		if (last == slash) {
			dfd = cfd;
		} else {
			struct open_how how = { .flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
						.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS };

			memcpy(part, slash + 1, (size_t)(last - slash - 1));
			part[last - slash - 1] = '\0';
			dfd = (int)syscall(SYS_openat2, cfd, part, &how, sizeof(how));
			if (dfd < 0 && errno == ENOSYS)
				errno = EXDEV;  /* no openat2: no write below the top-level directory */
			close(cfd);
		}
	}
	if (dfd < 0)
		return open_error(errno, why, whylen);
	if (fstatat(dfd, last ? last + 1 : name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		close(dfd);
		snprintf(why, whylen, "refused: the file exists (a write never replaces one)");
		return TFTP_EEXISTS;
	}
	text_copy(base, baselen, last ? last + 1 : name);
	*dirfd = dfd;
	return 0;
}

int tftp_open(int rootfd, const char *name, const char *key, bool fallback, int *fdp, struct stat *st,
	      char *served, size_t servedlen, char *why, size_t whylen)
{
	int r = tftp_name_check(name, why, whylen), fd = -ENOENT;
	bool fell = false, keyed = false;

	if (r)
		return r;
	if (key && key[0]) {
		int kfd = openat(rootfd, key, O_PATH | O_DIRECTORY | O_CLOEXEC);

		if (kfd >= 0) {
			fd = tftp_open_beneath(kfd, name);
			close(kfd);
			keyed = fd >= 0;
			if (fd != -ENOENT && fd != -ENOTDIR)
				goto opened;
			if (!fallback)
				goto opened;
		}
	}
	fd = open_top(rootfd, name, fallback, &fell);
opened:
	if (fd < 0)
		return open_error(-fd, why, whylen);
	if (fstat(fd, st) != 0 || !S_ISREG(st->st_mode)) {
		close(fd);
		snprintf(why, whylen, "refused: not a regular file");
		return TFTP_EACCESS;
	}
	*fdp = fd;
	if (keyed)
		snprintf(served, servedlen, "%s/%s", key, name);
	else
		snprintf(served, servedlen, "%s%s", fell ? strchr(name, '/') + 1 : name, fell ? " (fallback)" : "");
	return 0;
}

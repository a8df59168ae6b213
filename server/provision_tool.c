/* Running the tools provisioning needs (posix_spawn, never a shell), and
 * a board's two file systems behind one set of calls: inside an image
 * (debugfs for ext4, mtools for FAT, each at its partition's offset) or,
 * for an NFS root, a directory tree (every path resolved inside the tree:
 * the board writes that tree, so a link it planted cannot lead out). */
#include "provision.h"
#include "provision_int.h"

#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/openat2.h>

#include "fileio.h"
#include "text.h"

extern char **environ;

/* The environment for every tool: ours, in the C locale (their messages
 * are matched), mtools told not to refuse a partition by its geometry. */
static char **tool_env(void)
{
	static char **env;
	size_t n = 0, k = 0;

	if (env)
		return env;
	while (environ && environ[n])
		n++;
	env = calloc(n + 4, sizeof(*env));
	if (!env)
		return environ;
	for (size_t i = 0; i < n; i++)
		if (strncmp(environ[i], "LC_ALL=", 7) && strncmp(environ[i], "MTOOLS_SKIP_CHECK=", 18) &&
		    strncmp(environ[i], "LANG=", 5))
			env[k++] = environ[i];
	env[k++] = (char *)(uintptr_t)"LC_ALL=C";
	env[k++] = (char *)(uintptr_t)"MTOOLS_SKIP_CHECK=1";
	env[k] = NULL;
	return env;
}

int prov_spawn(const char *const *argv, int out_fd, int err_fd, pid_t *pid)
{
	posix_spawn_file_actions_t fa;
	int r;

	if (posix_spawn_file_actions_init(&fa) != 0)
		return -ENOMEM;
	r = posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	if (!r && out_fd >= 0)
		r = posix_spawn_file_actions_adddup2(&fa, out_fd, 1);
	if (!r && err_fd >= 0)
		r = posix_spawn_file_actions_adddup2(&fa, err_fd, 2);
	if (!r)
		r = posix_spawnp(pid, argv[0], &fa, NULL, (char *const *)(uintptr_t)argv, tool_env());
	posix_spawn_file_actions_destroy(&fa);
	return -r;
}

int prov_wait(pid_t pid)
{
	int st;

	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

int prov_run(const char *const *argv, char **out, size_t *outlen, size_t max, char *err, size_t errlen)
{
	size_t len = 0, cap = 0;
	char *buf = NULL;
	bool big = false;
	int p[2] = { -1, -1 }, efd, r, st;
	pid_t pid;

	if (out)
		*out = NULL;
	if (err && errlen)
		err[0] = '\0';
	efd = memfd_create("stderr", MFD_CLOEXEC);
	if (efd < 0)
		return -errno;
	if (pipe2(p, O_CLOEXEC) < 0) {
		r = -errno;
		close(efd);
		return r;
	}
	r = prov_spawn(argv, p[1], efd, &pid);
	close(p[1]);
	if (r < 0) {
		close(p[0]);
		close(efd);
		return r;
	}
	for (;;) {
		ssize_t n;

		if (out && !big && cap - len < 4096) {
			size_t ncap = cap ? 2 * cap : 65536;
			char *nb;

			if (ncap > max)
				ncap = max;
			nb = ncap > cap ? realloc(buf, ncap + 1) : NULL;
			if (!nb) {
				big = true;     /* keep draining so the tool can finish */
			} else {
				buf = nb;
				cap = ncap;
			}
		}
		if (big || !out) {
			char sink[4096];

			n = read(p[0], sink, sizeof(sink));
		} else {
			n = read(p[0], buf + len, cap - len);
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (!big && out)
			len += (size_t)n;
	}
	close(p[0]);
	st = prov_wait(pid);
	if (err && errlen) {
		ssize_t n = pread(efd, err, errlen - 1, 0);

		err[n > 0 ? n : 0] = '\0';
	}
	close(efd);
	if (big) {
		free(buf);
		return -EFBIG;
	}
	if (out) {
		if (!buf)
			buf = calloc(1, 1);
		else
			buf[len] = '\0';
		*out = buf;
		if (outlen)
			*outlen = len;
	} else {
		free(buf);
	}
	return st;
}

/* ---- ext4 inside the image: debugfs ------------------------------------- */

/* debugfs's stderr without its banner line ("debugfs 1.47.0 (5-Feb-2023)"):
 * what is left is a complaint. */
static const char *debugfs_complaint(char *err)
{
	char *p = err;

	while (!strncmp(p, "debugfs ", 8)) {
		char *nl = strchr(p, '\n');

		if (!nl)
			return "";
		p = nl + 1;
	}
	p[strcspn(p, "\n")] = '\0';
	return p;
}

static int debugfs(const struct prov_target *t, bool rw, const char *req, const char *cmdfile, char **out,
		   size_t *outlen, size_t max, char *why, size_t wl)
{
	char dev[PATH_LEN + 40], err[1024];
	const char *argv[8];
	const char *c;
	int n = 0, st;

	snprintf(dev, sizeof(dev), "%s?offset=%" PRIu64, t->image, t->root_off);
	argv[n++] = "debugfs";
	if (rw)
		argv[n++] = "-w";
	argv[n++] = cmdfile ? "-f" : "-R";
	argv[n++] = cmdfile ? cmdfile : req;
	argv[n++] = dev;
	argv[n] = NULL;
	st = prov_run(argv, out, outlen, max, err, sizeof(err));
	if (st < 0) {
		snprintf(why, wl, "cannot run debugfs (package e2fsprogs): %s", strerror(-st));
		return st;
	}
	c = debugfs_complaint(err);
	if (st != 0 || c[0]) {
		if (out) {
			free(*out);
			*out = NULL;
		}
		snprintf(why, wl, "debugfs %s on %s: %s", cmdfile ? "(edit)" : req, t->image,
			 c[0] ? c : "failed");
		return strstr(c, "not found") ? -ENOENT : -EIO;
	}
	return 0;
}

static unsigned field(const char *text, const char *key, int base)
{
	const char *p = strstr(text, key);

	return p ? (unsigned)strtoul(p + strlen(key), NULL, base) : 0;
}

static int tree_open(const struct prov_target *t, const char *path, int flags, mode_t mode);

int prov_root_read(const struct prov_target *t, const char *path, char **data, size_t *len, struct prov_meta *meta,
		   char *why, size_t wl)
{
	char req[PATH_LEN + 16], *st = NULL;
	int r;

	*data = NULL;
	if (!t->image) {
		struct stat sb;
		int fd = tree_open(t, path, O_RDONLY | O_NOFOLLOW, 0);
		char *buf;

		if (fd < 0) {
			if (fd != -ENOENT)
				snprintf(why, wl, "%s%s: %s", t->tree, path, strerror(-fd));
			return fd;
		}
		if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode) || sb.st_size > (off_t)PROV_FILE_MAX) {
			close(fd);
			snprintf(why, wl, "%s%s: not a regular file of at most %u bytes", t->tree, path, PROV_FILE_MAX);
			return -EINVAL;
		}
		buf = malloc((size_t)sb.st_size + 1);
		if (!buf || (r = read_full(fd, buf, (size_t)sb.st_size)) < 0) {
			free(buf);
			close(fd);
			snprintf(why, wl, "cannot read %s%s", t->tree, path);
			return -EIO;
		}
		close(fd);
		buf[sb.st_size] = '\0';
		*data = buf;
		*len = (size_t)sb.st_size;
		meta->mode = sb.st_mode & 07777;
		meta->uid = sb.st_uid;
		meta->gid = sb.st_gid;
		return 0;
	}
	snprintf(req, sizeof(req), "stat \"%s\"", path);
	r = debugfs(t, false, req, NULL, &st, NULL, 65536, why, wl);
	if (r < 0)
		return r;
	if (!strstr(st, "Type: regular")) {
		snprintf(why, wl, "%s in the image's root is not a regular file", path);
		free(st);
		return -EINVAL;
	}
	meta->mode = field(st, "Mode:", 8) & 07777;
	meta->uid = field(st, "User:", 10);
	meta->gid = field(st, "Group:", 10);
	free(st);
	snprintf(req, sizeof(req), "cat \"%s\"", path);
	return debugfs(t, false, req, NULL, data, len, PROV_FILE_MAX, why, wl);
}

int prov_root_exists(const struct prov_target *t, const char *path, char *why, size_t wl)
{
	char req[PATH_LEN + 16];
	int r;

	if (!t->image) {
		int fd = tree_open(t, path, O_PATH | O_NOFOLLOW, 0);

		if (fd < 0)
			return fd == -ENOENT ? 0 : fd;
		close(fd);
		return 1;
	}
	snprintf(req, sizeof(req), "stat \"%s\"", path);
	r = debugfs(t, false, req, NULL, NULL, NULL, 0, why, wl);
	return r == 0 ? 1 : r == -ENOENT ? 0 : r;
}

/* The debugfs request file of a write, in scratch. */
static int write_cmdfile(const struct prov_target *t, const char *text, char *path, size_t n)
{
	snprintf(path, n, "%s/debugfs.cmd", t->scratch);
	return write_file(path, text, strlen(text));
}

int prov_root_write(const struct prov_target *t, const char *path, const char *data, size_t len,
		    const struct prov_meta *meta, char *why, size_t wl)
{
	char tmp[PATH_LEN + 32], cmdf[PATH_LEN + 32], cmd[4 * PATH_LEN + 256], dir[PATH_LEN];
	const char *base = strrchr(path, '/');
	int r, ex;

	if (!base || base[1] == '\0' || strlen(path) >= sizeof(dir))
		return -EINVAL;
	if (!t->image) {
		/* a new file beside the old one, renamed over it */
		char tmpname[PATH_LEN];
		int fd, dfd;

		memcpy(dir, path, (size_t)(base - path));
		dir[base - path] = '\0';
		dfd = tree_open(t, dir[0] ? dir : "/", O_RDONLY | O_DIRECTORY, 0);
		if (dfd < 0) {
			snprintf(why, wl, "%s%s: %s", t->tree, dir, strerror(-dfd));
			return dfd;
		}
		snprintf(tmpname, sizeof(tmpname), ".%s.netroot-new", base + 1);
		unlinkat(dfd, tmpname, 0);
		fd = openat(dfd, tmpname, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		r = fd < 0 ? -errno : write_full(fd, data, len);
		if (r == 0 && (fchown(fd, meta->uid, meta->gid) < 0 || fchmod(fd, meta->mode) < 0))
			r = geteuid() == 0 ? -errno : 0;        /* owners kept when run as root */
		if (fd >= 0)
			close(fd);
		if (r == 0 && renameat(dfd, tmpname, dfd, base + 1) < 0)
			r = -errno;
		if (r < 0) {
			unlinkat(dfd, tmpname, 0);
			snprintf(why, wl, "cannot write %s%s: %s", t->tree, path, strerror(-r));
		}
		close(dfd);
		return r;
	}
	ex = prov_root_exists(t, path, why, wl);
	if (ex < 0)
		return ex;
	snprintf(tmp, sizeof(tmp), "%s/file.new", t->scratch);
	if ((r = write_file(tmp, data, len)) < 0) {
		snprintf(why, wl, "cannot write %s: %s", tmp, strerror(-r));
		return r;
	}
	memcpy(dir, path, (size_t)(base - path));
	dir[base - path] = '\0';
	snprintf(cmd, sizeof(cmd), "cd \"%s\"\n%s%s%s\nwrite \"%s\" \"%s\"\nsif \"%s\" mode 0%o\nsif \"%s\" uid %u\n"
		 "sif \"%s\" gid %u\n", dir[0] ? dir : "/", ex ? "rm \"" : "", ex ? base + 1 : "", ex ? "\"" : "",
		 tmp, base + 1, base + 1, 0100000 | (meta->mode & 07777), base + 1, meta->uid, base + 1, meta->gid);
	if ((r = write_cmdfile(t, cmd, cmdf, sizeof(cmdf))) < 0)
		return r;
	return debugfs(t, true, NULL, cmdf, NULL, NULL, 0, why, wl);
}

int prov_root_mkdir(const struct prov_target *t, const char *path, char *why, size_t wl)
{
	char req[PATH_LEN + 16];

	if (!t->image) {
		char parent[PATH_LEN];
		const char *base = strrchr(path, '/');
		int dfd, r = 0;

		if (!base || strlen(path) >= sizeof(parent))
			return -EINVAL;
		memcpy(parent, path, (size_t)(base - path));
		parent[base - path] = '\0';
		dfd = tree_open(t, parent[0] ? parent : "/", O_RDONLY | O_DIRECTORY, 0);
		if (dfd < 0)
			return dfd;
		if (mkdirat(dfd, base + 1, 0755) < 0 && errno != EEXIST)
			r = -errno;
		close(dfd);
		if (r < 0)
			snprintf(why, wl, "cannot make %s%s: %s", t->tree, path, strerror(-r));
		return r;
	}
	snprintf(req, sizeof(req), "mkdir \"%s\"", path);
	return debugfs(t, true, req, NULL, NULL, NULL, 0, why, wl);
}

int prov_root_list(const struct prov_target *t, const char *path, char **out, char *why, size_t wl)
{
	char req[PATH_LEN + 16], *raw = NULL, *o, *line, *save = NULL;
	size_t n = 0;
	int r;

	*out = NULL;
	if (!t->image) {
		int fd = tree_open(t, path, O_RDONLY | O_DIRECTORY, 0);

		if (fd < 0) {
			snprintf(why, wl, "%s%s: %s", t->tree, path, strerror(-fd));
			return fd;
		}
		{
			DIR *d = fdopendir(fd);
			struct dirent *e;

			o = calloc(1, 1);
			if (!d || !o) {
				if (d)
					closedir(d);
				else
					close(fd);
				free(o);
				return -ENOMEM;
			}
			while ((e = readdir(d))) {
				size_t k = strlen(e->d_name);
				char *no;

				if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
					continue;
				no = realloc(o, n + k + 2);
				if (!no)
					break;
				o = no;
				memcpy(o + n, e->d_name, k);
				n += k;
				o[n++] = '\n';
				o[n] = '\0';
			}
			closedir(d);
		}
		*out = o;
		return 0;
	}
	/* ls -p: "/inode/mode/uid/gid/name/size/" a line */
	snprintf(req, sizeof(req), "ls -p \"%s\"", path);
	r = debugfs(t, false, req, NULL, &raw, NULL, PROV_TEXT_MAX, why, wl);
	if (r < 0)
		return r;
	o = calloc(1, strlen(raw) + 1);
	if (!o) {
		free(raw);
		return -ENOMEM;
	}
	for (line = strtok_r(raw, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *f = line;
		size_t k;

		for (int i = 0; i < 5 && f; i++)
			f = strchr(f + (i ? 1 : 0), '/');
		if (!f)
			continue;
		f++;
		k = strcspn(f, "/");
		if ((k == 1 && f[0] == '.') || (k == 2 && !strncmp(f, "..", 2)) || k == 0)
			continue;
		memcpy(o + n, f, k);
		n += k;
		o[n++] = '\n';
	}
	o[n] = '\0';
	free(raw);
	*out = o;
	return 0;
}

int prov_root_dump(const struct prov_target *t, const char *path, const char *dir, char *why, size_t wl)
{
	char req[2 * PATH_LEN + 32];

	if (!t->image) {
		snprintf(why, wl, "internal: dump from a tree");
		return -EINVAL;
	}
	snprintf(req, sizeof(req), "rdump \"%s\" \"%s\"", path, dir);
	return debugfs(t, false, req, NULL, NULL, NULL, 0, why, wl);
}

int prov_root_dump_files(const struct prov_target *t, const char *const *paths, const char *const *dests, int n,
			 char *why, size_t wl)
{
	char cmdf[PATH_LEN + 32], *cmd;
	size_t cap = 256, len = 0;
	int r;

	if (!t->image) {
		for (int i = 0; i < n; i++) {
			char *d;
			size_t l;
			struct prov_meta m;

			if ((r = prov_root_read(t, paths[i], &d, &l, &m, why, wl)) < 0)
				return r;
			r = write_file(dests[i], d, l);
			free(d);
			if (r < 0) {
				snprintf(why, wl, "cannot write %s: %s", dests[i], strerror(-r));
				return r;
			}
		}
		return 0;
	}
	for (int i = 0; i < n; i++)
		cap += strlen(paths[i]) + strlen(dests[i]) + 16;
	cmd = malloc(cap);
	if (!cmd)
		return -ENOMEM;
	for (int i = 0; i < n; i++)
		len += (size_t)snprintf(cmd + len, cap - len, "dump \"%s\" \"%s\"\n", paths[i], dests[i]);
	r = write_cmdfile(t, cmd, cmdf, sizeof(cmdf));
	free(cmd);
	if (r < 0)
		return r;
	return debugfs(t, false, NULL, cmdf, NULL, NULL, 0, why, wl);
}

/* ---- the FAT boot partition: mtools ------------------------------------- */

int prov_boot_read(const struct prov_target *t, const char *name, char **data, size_t *len, char *why, size_t wl)
{
	char dev[PATH_LEN + 40], src[PATH_LEN], err[512];
	const char *argv[] = { "mcopy", "-n", "-i", dev, src, "-", NULL };
	int st;

	if (!t->image) {
		struct prov_meta m;
		char p[PATH_LEN];

		snprintf(p, sizeof(p), "%s/%s", t->boot_dir, name);
		return prov_root_read(t, p, data, len, &m, why, wl);
	}
	snprintf(dev, sizeof(dev), "%s@@%" PRIu64, t->image, t->boot_off);
	snprintf(src, sizeof(src), "::/%s", name);
	st = prov_run(argv, data, len, PROV_FILE_MAX, err, sizeof(err));
	if (st < 0) {
		snprintf(why, wl, "cannot run mcopy (package mtools): %s", strerror(-st));
		return st;
	}
	if (st != 0) {
		free(*data);
		*data = NULL;
		err[strcspn(err, "\n")] = '\0';
		snprintf(why, wl, "mcopy %s from %s: %s", src, t->image, err);
		return strstr(err, "not found") ? -ENOENT : -EIO;
	}
	return 0;
}

int prov_boot_write(const struct prov_target *t, const char *name, const char *data, size_t len, char *why, size_t wl)
{
	char dev[PATH_LEN + 40], dst[PATH_LEN], tmp[PATH_LEN + 32], err[512];
	const char *argv[] = { "mcopy", "-o", "-i", dev, tmp, dst, NULL };
	int st;

	if (!t->image) {
		struct prov_meta m = { 0644, 0, 0 };
		char p[PATH_LEN];

		snprintf(p, sizeof(p), "%s/%s", t->boot_dir, name);
		return prov_root_write(t, p, data, len, &m, why, wl);
	}
	snprintf(dev, sizeof(dev), "%s@@%" PRIu64, t->image, t->boot_off);
	snprintf(dst, sizeof(dst), "::/%s", name);
	snprintf(tmp, sizeof(tmp), "%s/boot.new", t->scratch);
	if ((st = write_file(tmp, data, len)) < 0) {
		snprintf(why, wl, "cannot write %s: %s", tmp, strerror(-st));
		return st;
	}
	st = prov_run(argv, NULL, NULL, 0, err, sizeof(err));
	unlink(tmp);
	if (st != 0) {
		err[strcspn(err, "\n")] = '\0';
		snprintf(why, wl, "mcopy into %s of %s: %s", dst, t->image, st < 0 ? strerror(-st) : err);
		return st < 0 ? st : -EIO;
	}
	return 0;
}

/* ---- the NFS tree --------------------------------------------------------- */

/* path resolved inside t->tree as if it were "/" (RESOLVE_IN_ROOT): the
 * board's own links stay inside its tree. -errno on failure. */
static int tree_open(const struct prov_target *t, const char *path, int flags, mode_t mode)
{
	struct open_how how = { .flags = (uint64_t)(flags | O_CLOEXEC), .mode = mode,
				.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS };
	int root = open(t->tree, O_PATH | O_DIRECTORY | O_CLOEXEC);
	long fd;

	if (root < 0)
		return -errno;
	while (*path == '/')
		path++;
	fd = syscall(SYS_openat2, root, path[0] ? path : ".", &how, sizeof(how));
	if (fd < 0)
		fd = -errno;
	close(root);
	return (int)fd;
}

int prov_read_whole(const char *path, char **data, size_t *len, char *why, size_t wl)
{
	struct stat st;
	char *buf;
	int fd = open(path, O_RDONLY | O_CLOEXEC), r;

	*data = NULL;
	if (fd < 0 || fstat(fd, &st) < 0 || st.st_size > (off_t)PROV_FILE_MAX) {
		r = fd < 0 ? -errno : -EFBIG;
		snprintf(why, wl, "cannot read %s: %s", path, strerror(-r));
		if (fd >= 0)
			close(fd);
		return r;
	}
	buf = malloc((size_t)st.st_size + 1);
	r = buf ? read_full(fd, buf, (size_t)st.st_size) : -ENOMEM;
	close(fd);
	if (r < 0) {
		free(buf);
		snprintf(why, wl, "cannot read %s: %s", path, strerror(-r));
		return r;
	}
	buf[st.st_size] = '\0';
	*data = buf;
	*len = (size_t)st.st_size;
	return 0;
}

int prov_boot_copy_all(const struct prov_target *t, const char *dir, char *why, size_t wl)
{
	char dev[PATH_LEN + 40], dst[PATH_LEN + 8], err[512];
	const char *argv[] = { "mcopy", "-s", "-m", "-n", "-i", dev, "::*", dst, NULL };
	int st;

	if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
		snprintf(why, wl, "cannot make %s: %s", dir, strerror(errno));
		return -errno;
	}
	snprintf(dev, sizeof(dev), "%s@@%" PRIu64, t->image, t->boot_off);
	snprintf(dst, sizeof(dst), "%s/", dir);
	st = prov_run(argv, NULL, NULL, 0, err, sizeof(err));
	if (st != 0) {
		err[strcspn(err, "\n")] = '\0';
		snprintf(why, wl, "copying the boot partition of %s into %s: %s", t->image, dir,
			 st < 0 ? strerror(-st) : err);
		return st < 0 ? st : -EIO;
	}
	return 0;
}
